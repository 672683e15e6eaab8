/// Everything measured about one question of a project: agreement, each annotator's record against gold and the
/// others, and the crowd's answer per task where the kind allows one.
public struct QuestionQualityReport: Sendable {
    public var question: Question
    /// Readable answers to this question, and the tasks with at least one.
    public var annotations: Int
    public var tasks: Int
    public var agreement: QuestionAgreement
    /// In order of each annotator's first readable answer.
    public var annotators: [AnnotatorQualityReport]
    public var aggregation: QuestionAggregation
    /// Choice questions only: the sum of every annotator's gold confusion.
    public var goldConfusion: GoldConfusion?
}

/// One annotator's record on one question.
public struct AnnotatorQualityReport: Sendable, Hashable {
    public var userID: Int64
    public var annotations: Int
    /// Choice questions only: the share of tasks where they match the strict majority of the others.
    public var consensusAgreement: Double?
    /// Choice questions only: Σ prior_k · π_kk of their Dawid-Skene confusion matrix.
    public var dawidSkeneAccuracy: Double?
    /// Their answers to gold tasks, scored.
    public var gold: GoldRecord
    /// Gold accuracy per UTC day of the answer's creation, oldest first; answers without a time are left out.
    public var goldByDay: [DailyGoldAccuracy]
    /// Choice questions only: their answers against the gold options.
    public var goldConfusion: GoldConfusion?
}

/// How well annotators agree on a question, with the statistics that fit its kind; the others are `nil`.
public struct QuestionAgreement: Sendable, Hashable {
    /// Choice: the nominal statistics of ``RatingTable``.
    public var meanPairwiseCohensKappa: Double?
    public var fleissKappa: Double?
    public var krippendorffAlphaNominal: Double?
    /// Rating: Krippendorff's alpha with squared differences of the ratings.
    public var krippendorffAlphaInterval: Double?
    /// Multi-choice: the Jaccard index of two annotators' option sets, averaged over every pair of annotators who
    /// answered the same task (both empty counts as 1).
    public var meanPairwiseJaccard: Double?
    /// Multi-choice: nominal alpha of "ticked or not", one entry per option in schema order.
    public var optionAlphaNominal: [Double?]
    /// Spans: the F1 of one annotator's spans against another's (a symmetric measure), averaged over every pair
    /// of annotators who answered the same task, under each matching rule.
    public var meanPairwiseSpanF1Exact: Double?
    public var meanPairwiseSpanF1Overlap: Double?
    /// Regions: the F1 of one annotator's regions against another's, averaged over every pair of annotators who
    /// answered the same task, and the mean IoU of all the region pairs that matched.
    public var meanPairwiseRegionF1: Double?
    public var meanMatchedIoU: Double?
    /// The pairs of answers behind the pairwise means (multi-choice, spans and regions).
    public var comparedPairs: Int

    public init(
        meanPairwiseCohensKappa: Double? = nil, fleissKappa: Double? = nil, krippendorffAlphaNominal: Double? = nil,
        krippendorffAlphaInterval: Double? = nil, meanPairwiseJaccard: Double? = nil,
        optionAlphaNominal: [Double?] = [], meanPairwiseSpanF1Exact: Double? = nil,
        meanPairwiseSpanF1Overlap: Double? = nil, meanPairwiseRegionF1: Double? = nil, meanMatchedIoU: Double? = nil,
        comparedPairs: Int = 0
    ) {
        self.meanPairwiseCohensKappa = meanPairwiseCohensKappa
        self.fleissKappa = fleissKappa
        self.krippendorffAlphaNominal = krippendorffAlphaNominal
        self.krippendorffAlphaInterval = krippendorffAlphaInterval
        self.meanPairwiseJaccard = meanPairwiseJaccard
        self.optionAlphaNominal = optionAlphaNominal
        self.meanPairwiseSpanF1Exact = meanPairwiseSpanF1Exact
        self.meanPairwiseSpanF1Overlap = meanPairwiseSpanF1Overlap
        self.meanPairwiseRegionF1 = meanPairwiseRegionF1
        self.meanMatchedIoU = meanMatchedIoU
        self.comparedPairs = comparedPairs
    }
}

/// The crowd's answer per task, for the kinds that have one.
public enum QuestionAggregation: Sendable {
    /// Rating, text and spans: no truth inference.
    case none
    /// One entry per task with an answer, in task order of first answer.
    case choice([AggregatedAnswer])
    /// One entry per task with an answer, in task order of first answer.
    case multiChoice([AggregatedSelection])
    /// Boxes: the fused boxes of each task with an answer, in task order of first answer.
    case boxes([AggregatedBoxes])
    /// Masks: per task with a mask, the voted mask of each label, in task order of first answer.
    case masks([AggregatedMasks])
}

/// The crowd's boxes on one task.
public struct AggregatedBoxes: Sendable, Hashable {
    public var taskID: Int64
    public var boxes: [FusedBox]

    public init(taskID: Int64, boxes: [FusedBox]) {
        self.taskID = taskID
        self.boxes = boxes
    }
}

/// The crowd's answer to one multi-choice task.
public struct AggregatedSelection: Sendable, Hashable {
    public var taskID: Int64
    public var aggregate: MultiChoiceAggregate

    public init(taskID: Int64, aggregate: MultiChoiceAggregate) {
        self.taskID = taskID
        self.aggregate = aggregate
    }
}

extension QualityTaskInput {
    /// One task's answers with the time each annotator gave theirs, for accuracy per day.
    public init(
        taskID: Int64, gold: JSONValue?, answers: [(annotatorID: Int64, result: JSONValue)],
        answeredAt: [Int64: Timestamp]
    ) {
        self.init(taskID: taskID, gold: gold, answers: answers)
        self.answeredAt = answeredAt
    }
}

extension ProjectQuality {
    /// Measures every question of `schema`, in schema order.
    ///
    /// An answer takes part when the result holds a value of the question's type (an option of a choice question,
    /// an array of options, a number, a string, an array of `{start, end, label}`); missing, `null` and unreadable
    /// answers are left out everywhere, as are gold answers of the wrong type. Gold scores use
    /// ``AnswerAccuracy/score(question:answer:gold:options:)``.
    public static func report(
        schema: ProjectSchema, tasks: [QualityTaskInput], options: AccuracyOptions = AccuracyOptions()
    ) -> [QuestionQualityReport] {
        schema.questions.map { report(question: $0, tasks: tasks, options: options) }
    }

    static func report(
        question: Question, tasks: [QualityTaskInput], options: AccuracyOptions
    )
        -> QuestionQualityReport
    {
        let answers = QuestionAnswers(question: question, tasks: tasks)
        var gold = GoldTally(question: question)
        for answer in answers.answers {
            guard let goldAnswer = answers.gold[answer.taskID],
                let score = AnswerAccuracy.score(
                    question: question, answer: answer.value, gold: goldAnswer, options: options)
            else { continue }
            gold.add(score, by: answer.annotatorID, at: answer.answeredAt, answer: answer.value, gold: goldAnswer)
        }

        let measures = question.kind.type.measure(answers, tasks: tasks, question: question.name)

        let annotators = answers.annotatorIDs.map { userID in
            AnnotatorQualityReport(
                userID: userID, annotations: answers.annotationCounts[userID] ?? 0,
                consensusAgreement: measures.consensus[userID] ?? nil,
                dawidSkeneAccuracy: measures.dawidSkeneAccuracy[userID] ?? nil,
                gold: gold.records[userID] ?? GoldRecord(), goldByDay: gold.byDay(of: userID),
                // Only annotators with gold answers get a matrix: K × K cells each add up over a crowd.
                goldConfusion: gold.confusions[userID])
        }
        return QuestionQualityReport(
            question: question, annotations: answers.answers.count, tasks: answers.taskIDs.count,
            agreement: measures.agreement, annotators: annotators, aggregation: measures.aggregation,
            goldConfusion: gold.coding.map { coding in
                var total = GoldConfusion(optionCount: coding.classCount)
                for matrix in gold.confusions.values { total.add(matrix) }
                return total
            })
    }

    static func aggregateSelections(_ answers: QuestionAnswers, coding: OptionCoding) -> [AggregatedSelection] {
        let tasks = DenseIndex(answers.taskIDs)
        let annotators = DenseIndex(answers.annotatorIDs)
        let observations = answers.answers.map { answer in
            MultiChoiceObservation(
                task: tasks.code(of: answer.taskID)!, annotator: annotators.code(of: answer.annotatorID)!,
                selected: (answer.value.arrayValue ?? []).compactMap { $0.stringValue.flatMap(coding.code(of:)) })
        }
        // Every code comes from the indexes and the coding just built, so none is out of range.
        let aggregates = try! MultiChoiceAggregation.aggregate(
            optionCount: coding.classCount, taskCount: tasks.count, annotatorCount: annotators.count,
            answers: observations)
        return aggregates.map { AggregatedSelection(taskID: tasks.id(coded: $0.task), aggregate: $0) }
    }
}

/// One readable answer to the question being measured.
public struct ReadableAnswer: Sendable {
    public var taskID: Int64
    public var annotatorID: Int64
    public var value: JSONValue
    public var answeredAt: Timestamp?
}

/// The readable answers and gold answers of one question, with tasks and annotators in order of first answer.
public struct QuestionAnswers: Sendable {
    public var answers: [ReadableAnswer] = []
    public var gold: [Int64: JSONValue] = [:]
    public var taskIDs: [Int64] = []
    public var annotatorIDs: [Int64] = []
    public var annotationCounts: [Int64: Int] = [:]

    init(question: Question, tasks: [QualityTaskInput]) {
        var seenAnnotators = Set<Int64>()
        for task in tasks {
            if let value = task.gold?[question.name], Self.isReadable(value, for: question) {
                gold[task.taskID] = value
            }
            var answered = false
            for answer in task.answers {
                guard let value = answer.result[question.name], Self.isReadable(value, for: question) else { continue }
                answers.append(
                    ReadableAnswer(
                        taskID: task.taskID, annotatorID: answer.annotatorID, value: value,
                        answeredAt: task.answeredAt[answer.annotatorID]))
                annotationCounts[answer.annotatorID, default: 0] += 1
                if seenAnnotators.insert(answer.annotatorID).inserted { annotatorIDs.append(answer.annotatorID) }
                answered = true
            }
            if answered { taskIDs.append(task.taskID) }
        }
    }

    /// Whether `value` is an answer of the question's type.
    static func isReadable(_ value: JSONValue, for question: Question) -> Bool { question.kind.type.isReadable(value) }

    /// The answers of each task, in task order; within a task, the last answer of each annotator.
    public var byTask: [[ReadableAnswer]] {
        var position: [Int64: Int] = [:]
        for (index, taskID) in taskIDs.enumerated() { position[taskID] = index }
        var grouped = [[ReadableAnswer]](repeating: [], count: taskIDs.count)
        for answer in answers {
            let index = position[answer.taskID]!
            if let earlier = grouped[index].firstIndex(where: { $0.annotatorID == answer.annotatorID }) {
                grouped[index][earlier] = answer
            } else {
                grouped[index].append(answer)
            }
        }
        return grouped
    }
}

/// Gold records of every annotator of one question, overall and per day, with confusion matrices for choice.
struct GoldTally {
    let coding: OptionCoding?
    var records: [Int64: GoldRecord] = [:]
    var daily: [Int64: [CalendarDay: GoldRecord]] = [:]
    var confusions: [Int64: GoldConfusion] = [:]

    init(question: Question) {
        coding = question.kind.as(ChoiceQuestion.self).map { OptionCoding(options: $0.options) }
    }

    mutating func add(
        _ score: QuestionScore, by annotator: Int64, at time: Timestamp?, answer: JSONValue, gold: JSONValue
    ) {
        records[annotator, default: GoldRecord()].add(score)
        if let time { daily[annotator, default: [:]][CalendarDay(containing: time), default: GoldRecord()].add(score) }
        if let coding, let goldCode = gold.stringValue.flatMap(coding.code(of:)),
            let answerCode = answer.stringValue.flatMap(coding.code(of:))
        {
            confusions[annotator, default: GoldConfusion(optionCount: coding.classCount)].add(
                gold: goldCode, answer: answerCode)
        }
    }

    func byDay(of annotator: Int64) -> [DailyGoldAccuracy] {
        (daily[annotator] ?? [:]).sorted { $0.key < $1.key }.compactMap { day, record in
            record.accuracy.map { DailyGoldAccuracy(day: day, scored: record.scored, accuracy: $0) }
        }
    }
}
