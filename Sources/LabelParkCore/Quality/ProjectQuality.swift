/// One task's answers as quality measurement reads them: its id, its known answer if it is a gold task,
/// and each annotator's result.
public struct QualityTaskInput: Sendable {
    public var taskID: Int64
    public var gold: JSONValue?
    public var answers: [(annotatorID: Int64, result: JSONValue)]
    /// When each annotator gave their answer (its creation time), for accuracy per day; may be empty.
    public var answeredAt: [Int64: Timestamp] = [:]

    public init(taskID: Int64, gold: JSONValue?, answers: [(annotatorID: Int64, result: JSONValue)]) {
        self.taskID = taskID
        self.gold = gold
        self.answers = answers
    }
}

/// How well the annotators of one choice question agree, how good each is, and what the crowd says for
/// each task.
public struct ChoiceQuestionQuality: Sendable {
    public var question: String
    public var options: [String]
    /// Answers to this question, and the tasks with at least one.
    public var annotations: Int
    public var tasks: Int
    public var meanPairwiseCohensKappa: Double?
    public var fleissKappa: Double?
    public var krippendorffAlphaNominal: Double?
    public var annotators: [AnnotatorQuality]
    /// One entry per task with at least one answer, in task order of first answer.
    public var aggregated: [AggregatedAnswer]
}

/// One annotator's record on one question.
public struct AnnotatorQuality: Sendable, Hashable {
    public var userID: Int64
    public var annotations: Int
    /// The share of tasks where they match the strict majority of the others (ties skipped).
    public var consensusAgreement: Double?
    /// Σ prior_k · π_kk of their Dawid-Skene confusion matrix.
    public var dawidSkeneAccuracy: Double?
    /// Gold tasks of this question they answered, and the share answered exactly right.
    public var goldScored: Int
    public var goldAccuracy: Double?
}

/// The crowd's answer to one task: majority vote and Dawid-Skene, each with its confidence.
public struct AggregatedAnswer: Sendable, Hashable {
    public var taskID: Int64
    public var majorityVote: String
    public var majorityConfidence: Double
    public var dawidSkene: String
    public var dawidSkeneConfidence: Double
}

/// Quality measurement of a project from its stored answers, recomputed in full on each call.
public enum ProjectQuality {
    /// Agreement, annotator quality and aggregated answers for every choice question of `schema`.
    /// Answers that are missing or not one of the question's options are left out.
    public static func choiceQuestions(schema: ProjectSchema, tasks: [QualityTaskInput]) -> [ChoiceQuestionQuality] {
        schema.questions.compactMap { question in
            guard let choice = question.kind.as(ChoiceQuestion.self) else { return nil }
            return measure(question: question.name, options: choice.options, tasks: tasks)
        }
    }

    static func measure(question: String, options: [String], tasks: [QualityTaskInput]) -> ChoiceQuestionQuality {
        let coding = OptionCoding(options: options)
        var taskIndex = DenseIndex<Int64>()
        var annotatorIndex = DenseIndex<Int64>()
        var observations: [LabelObservation] = []
        var ratings: [(unit: Int64, rater: Int64, category: Int)] = []
        var goldTally: [Int64: (scored: Int, right: Int)] = [:]
        var answersPerAnnotator: [Int64: Int] = [:]
        for task in tasks {
            let goldLabel = task.gold?[question]?.stringValue.flatMap(coding.code(of:))
            for answer in task.answers {
                guard let label = answer.result[question]?.stringValue.flatMap(coding.code(of:)) else {
                    continue
                }
                observations.append(
                    LabelObservation(
                        task: taskIndex.insert(task.taskID), annotator: annotatorIndex.insert(answer.annotatorID),
                        label: label))
                ratings.append((task.taskID, answer.annotatorID, label))
                answersPerAnnotator[answer.annotatorID, default: 0] += 1
                if let goldLabel {
                    var tally = goldTally[answer.annotatorID] ?? (0, 0)
                    tally.scored += 1
                    if label == goldLabel { tally.right += 1 }
                    goldTally[answer.annotatorID] = tally
                }
            }
        }
        // Codes come from the indexes just built, so they are always in range.
        let coded = try! LabelObservations(
            classCount: coding.classCount, taskCount: taskIndex.count, annotatorCount: annotatorIndex.count,
            observations: observations)
        let majority = MajorityVote.aggregate(coded)
        let model = DawidSkene().fit(coded)
        let table = RatingTable(ratings)
        let consensus = Dictionary(uniqueKeysWithValues: table.consensusAgreement().map { ($0.rater, $0.share) })

        let annotators = annotatorIndex.ids.enumerated().map { code, userID in
            let gold = goldTally[userID]
            return AnnotatorQuality(
                userID: userID, annotations: answersPerAnnotator[userID] ?? 0,
                consensusAgreement: consensus[userID] ?? nil, dawidSkeneAccuracy: model.accuracy(ofAnnotator: code),
                goldScored: gold?.scored ?? 0,
                goldAccuracy: gold.map { Double($0.right) / Double($0.scored) })
        }
        let aggregated = taskIndex.ids.enumerated().map { code, taskID in
            let vote = majority[code]
            let inferred = model.posterior(ofTask: code)
            return AggregatedAnswer(
                taskID: taskID, majorityVote: coding.option(coded: vote.label), majorityConfidence: vote.confidence,
                dawidSkene: coding.option(coded: inferred.label), dawidSkeneConfidence: inferred.confidence)
        }
        return ChoiceQuestionQuality(
            question: question, options: options, annotations: observations.count, tasks: taskIndex.count,
            meanPairwiseCohensKappa: table.meanPairwiseCohensKappa(), fleissKappa: table.fleissKappa(),
            krippendorffAlphaNominal: table.krippendorffAlphaNominal(), annotators: annotators,
            aggregated: aggregated)
    }
}
