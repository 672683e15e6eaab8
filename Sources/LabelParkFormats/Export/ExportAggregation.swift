import LabelParkCore
import LabelParkStore

/// The crowd's answer to one question of one task, as an export writes it.
public enum ExportAggregate: Sendable, Hashable {
    /// A choice question's answer.
    case choice(ChoiceAggregate)
    /// A multi-choice question's answer: a verdict per option, in the question's option order.
    case multiChoice(question: String, options: [String], MultiChoiceAggregate)

    /// The question's name.
    public var question: String {
        switch self {
        case .choice(let aggregate): aggregate.question
        case .multiChoice(let question, _, _): question
        }
    }

    /// The Dawid-Skene answer as one CSV cell: the option, or the included options joined with `|`.
    public var answerText: String {
        switch self {
        case .choice(let aggregate): aggregate.answer
        case .multiChoice(_, let options, let aggregate):
            aggregate.dawidSkeneSelection.map { options[$0] }.joined(separator: "|")
        }
    }

    /// The posterior probability of the Dawid-Skene answer.
    public var confidence: Double {
        switch self {
        case .choice(let aggregate): aggregate.confidence
        case .multiChoice(_, _, let aggregate): aggregate.dawidSkeneConfidence
        }
    }
}

/// The crowd's answer to one choice question of one task.
public struct ChoiceAggregate: Sendable, Hashable {
    /// The question's name.
    public var question: String
    /// The Dawid-Skene answer: the option with the highest posterior, the first among equals.
    public var answer: String
    /// Its posterior probability, in (0, 1].
    public var confidence: Double
    /// The most voted option, the first in the schema's order among equals.
    public var majorityVote: String
    /// Its share of the votes.
    public var majorityConfidence: Double
    /// The annotations both rest on.
    public var annotationCount: Int

    public init(
        question: String, answer: String, confidence: Double, majorityVote: String, majorityConfidence: Double,
        annotationCount: Int
    ) {
        self.question = question
        self.answer = answer
        self.confidence = confidence
        self.majorityVote = majorityVote
        self.majorityConfidence = majorityConfidence
        self.annotationCount = annotationCount
    }
}

/// A question an export aggregates, and how its answers are coded.
enum AggregatedQuestion: Sendable {
    case choice(name: String, coding: OptionCoding)
    case multiChoice(name: String, coding: OptionCoding)

    var name: String {
        switch self {
        case .choice(let name, _), .multiChoice(let name, _): name
        }
    }

    var coding: OptionCoding {
        switch self {
        case .choice(_, let coding), .multiChoice(_, let coding): coding
        }
    }

    /// How many two- or K-class models the question takes: one, or one yes/no model per option.
    var modelCount: Int {
        switch self {
        case .choice: 1
        case .multiChoice(_, let coding): coding.classCount
        }
    }
}

/// One counted answer, coded: for a multi-choice question, whether each option was ticked.
enum CodedAnswer {
    case label(Int)
    case ticks([Bool])
}

/// The questions of a schema an export aggregates and how to read their answers out of exported annotations.
///
/// Both passes of an export read answers through this one type, so they agree on what counts: an
/// annotation that is not rejected, whose result parses and holds an answer of the question's type (one of
/// the options; for multi-choice, a list of options only).
struct AggregatedAnswerReader: Sendable {
    /// The schema's choice and multi-choice questions, in schema order.
    let questions: [AggregatedQuestion]
    private let parser = JSONParser(maxDepth: 128)

    init(schema: ProjectSchema) {
        questions = schema.questions.compactMap { question in
            switch question.kind.type.optionAnswers {
            case .one(let coding): .choice(name: question.name, coding: coding)
            case .anyOf(let coding): .multiChoice(name: question.name, coding: coding)
            case nil: nil
            }
        }
    }

    /// Calls `body` with (question index, annotator id, answer) for each counted answer of `task`,
    /// annotation by annotation.
    func forEachAnswer(in task: ExportedTask, _ body: (Int, Int64, CodedAnswer) -> Void) {
        guard !questions.isEmpty else { return }
        for annotation in task.annotations where annotation.status != .rejected {
            // Stored results were validated on the way in; one that no longer parses counts for nothing.
            guard let result = try? parser.parse(annotation.resultJSON) else { continue }
            for (index, question) in questions.enumerated() {
                guard let value = result[question.name], let answer = Self.coded(value, for: question) else { continue }
                body(index, annotation.annotatorID.rawValue, answer)
            }
        }
    }

    private static func coded(_ value: JSONValue, for question: AggregatedQuestion) -> CodedAnswer? {
        switch question {
        case .choice(_, let coding):
            return value.stringValue.flatMap(coding.code(of:)).map(CodedAnswer.label)
        case .multiChoice(_, let coding):
            guard let elements = value.arrayValue else { return nil }
            var ticks = [Bool](repeating: false, count: coding.classCount)
            for element in elements {
                guard let code = element.stringValue.flatMap(coding.code(of:)) else { return nil }
                ticks[code] = true
            }
            return .ticks(ticks)
        }
    }
}

/// The first pass of an export: every aggregated question's answers as compact codes, to fit the models
/// that the second pass's aggregates come from.
///
/// It keeps 8 bytes per answer (per answer and option for multi-choice) and per answered task and model,
/// however large the results are.
public struct ExportAnswers: Sendable {
    private let reader: AggregatedAnswerReader
    private var annotators = DenseIndex<Int64>()
    /// Each question's models' observations, choice questions one, multi-choice one per option.
    private var observations: [[LabelObservationsBuilder]]

    /// Nothing read yet, for a project with `schema`.
    public init(schema: ProjectSchema) {
        reader = AggregatedAnswerReader(schema: schema)
        observations = reader.questions.map { question in
            switch question {
            // An option list is never empty in a valid schema; a choice question without one has one class
            // that no answer can name.
            case .choice(_, let coding): [try! LabelObservationsBuilder(classCount: max(coding.classCount, 1))]
            case .multiChoice: (0..<question.modelCount).map { _ in try! LabelObservationsBuilder(classCount: 2) }
            }
        }
    }

    /// Whether the schema has any question an aggregate is computed for; without one the pass can be skipped.
    public var isNeeded: Bool { !reader.questions.isEmpty }

    /// Reads one task's counted answers.
    public mutating func add(_ task: ExportedTask) {
        guard isNeeded else { return }
        var answered = [Bool](repeating: false, count: observations.count)
        reader.forEachAnswer(in: task) { question, annotatorID, answer in
            answered[question] = true
            let annotator = annotators.insert(annotatorID)
            // Codes come from the dense index and the option coding, so they are in range.
            switch answer {
            case .label(let label):
                try! observations[question][0].append(annotator: annotator, label: label)
            case .ticks(let ticks):
                for (option, ticked) in ticks.enumerated() {
                    try! observations[question][option].append(annotator: annotator, label: ticked ? 1 : 0)
                }
            }
        }
        // A task without answers changes no fit, so it takes no place in the question's observations.
        for question in observations.indices where answered[question] {
            for model in observations[question].indices { observations[question][model].finishTask() }
        }
    }

    /// Fits one Dawid-Skene model per choice question and per option of a multi-choice question to what
    /// was read, keeping only each model's parameters.
    public func fit(using dawidSkene: DawidSkene = DawidSkene()) -> ExportAggregation {
        let models = observations.map { builders in
            builders.map { dawidSkene.fit(try! $0.build(annotatorCount: annotators.count)).parameters }
        }
        return ExportAggregation(reader: reader, annotators: annotators, models: models)
    }
}

/// Computes each exported task's aggregates from its own annotations, with models fitted in a first pass.
///
/// An export reads the project twice: `ExportAnswers` fits Dawid-Skene to the first read, and each line of
/// the second read gets the posterior of exactly the annotations on that line under those fitted priors
/// and confusions, and the majority vote of the same annotations. A line is thereby consistent with
/// itself even when annotations arrived between the two reads; an annotator the fit never saw gets the
/// confusion the model gives a newcomer. Multi-choice questions are aggregated option by option as yes/no
/// questions, with the decision rules of `MultiChoiceAggregate`.
public struct ExportAggregation: Sendable {
    private let reader: AggregatedAnswerReader
    private let annotators: DenseIndex<Int64>
    private let models: [[DawidSkeneParameters]]

    init(reader: AggregatedAnswerReader, annotators: DenseIndex<Int64>, models: [[DawidSkeneParameters]]) {
        self.reader = reader
        self.annotators = annotators
        self.models = models
    }

    /// The names of the questions that get aggregates, in schema order.
    public var questionNames: [String] { reader.questions.map(\.name) }

    /// The name of the inference method behind the answers.
    public static let method = "dawid_skene"

    /// One entry per question name, in `questionNames` order: the aggregate of `task`'s counted answers,
    /// or `nil` where it has none.
    public func aggregates(of task: ExportedTask) -> [ExportAggregate?] {
        guard !models.isEmpty else { return [] }
        var answers = [[(annotator: Int, answer: CodedAnswer)]](repeating: [], count: models.count)
        // The fit's annotators are 0..<count; everyone else shares the code just past them.
        let unseen = annotators.count
        reader.forEachAnswer(in: task) { question, annotatorID, answer in
            answers[question].append((annotators.code(of: annotatorID) ?? unseen, answer))
        }
        return answers.enumerated().map { question, answers in
            guard !answers.isEmpty else { return nil }
            switch reader.questions[question] {
            case .choice(let name, let coding):
                return .choice(choiceAggregate(of: answers, name: name, coding: coding, model: models[question][0]))
            case .multiChoice(let name, let coding):
                return .multiChoice(
                    question: name, options: coding.options,
                    selectionAggregate(of: answers, optionCount: coding.classCount, models: models[question]))
            }
        }
    }

    private func choiceAggregate(
        of answers: [(annotator: Int, answer: CodedAnswer)], name: String, coding: OptionCoding,
        model: DawidSkeneParameters
    ) -> ChoiceAggregate {
        let labels = answers.map { answer in
            guard case .label(let label) = answer.answer else { preconditionFailure("a choice answer is a label") }
            return (annotator: answer.annotator, label: label)
        }
        // Codes come from the option coding and the index, so both functions accept them.
        let inferred = try! model.posterior(of: labels)
        let vote = try! MajorityVote.vote(of: labels.lazy.map(\.label), classCount: coding.classCount)
        return ChoiceAggregate(
            question: name, answer: coding.option(coded: inferred.label), confidence: inferred.confidence,
            majorityVote: coding.option(coded: vote.label), majorityConfidence: vote.confidence,
            annotationCount: labels.count)
    }

    private func selectionAggregate(
        of answers: [(annotator: Int, answer: CodedAnswer)], optionCount: Int, models: [DawidSkeneParameters]
    ) -> MultiChoiceAggregate {
        let verdicts = (0..<optionCount).map { option in
            let labels = answers.map { answer in
                guard case .ticks(let ticks) = answer.answer else { preconditionFailure("a selection is ticks") }
                return (annotator: answer.annotator, label: ticks[option] ? 1 : 0)
            }
            let votes = labels.reduce(0) { $0 + $1.label }
            // Labels are 0 or 1 and annotator codes are never negative: both functions accept them.
            let vote = try! MajorityVote.vote(of: labels.lazy.map(\.label), classCount: 2)
            return OptionVerdict(
                votes: votes, voteShare: Double(votes) / Double(labels.count),
                // A tie goes to code 0, absent: an option needs a strict majority, as in MultiChoiceAggregation.
                majorityPresent: vote.label == 1,
                dawidSkeneProbability: try! models[option].probabilities(of: labels)[1])
        }
        return MultiChoiceAggregate(task: 0, annotationCount: answers.count, options: verdicts)
    }
}
