/// The most memory one on-demand quality report may take, checked before any model is built.
///
/// The report is recomputed from every stored answer on each call. What it allocates grows with the
/// schema as well as the data: a choice question of K options fits a Dawid-Skene model of annotators × K²
/// cells, multi-choice aggregation keeps answers × K observations, and every annotator with gold answers
/// gets a K × K confusion matrix. 128 questions of 1,000 options and a few hundred annotators would ask for
/// tens of gigabytes, so a report that would exceed these bounds is refused, naming the question, instead.
/// The bounds are upper estimates from counts over the whole project, so the check costs one pass.
public struct QualityReportBudget: Sendable, Hashable {
    /// Stored answers one report may read (each is parsed and kept while the report is computed).
    public var maxAnswers: Int
    /// Bytes of stored answer and gold JSON one report may read; parsed, they take about seven times as much.
    public var maxAnswerBytes: Int
    /// Cells of one question's models: annotators × K² (three arrays of them), tasks × K, answers × K.
    public var maxModelCells: Int
    /// Cells of one question's confusion matrices: (annotators with gold answers + 1) × K².
    public var maxConfusionCells: Int

    public init(
        maxAnswers: Int = 1_000_000, maxAnswerBytes: Int = 64 << 20, maxModelCells: Int = 16_000_000,
        maxConfusionCells: Int = 1_000_000
    ) {
        self.maxAnswers = maxAnswers
        self.maxAnswerBytes = maxAnswerBytes
        self.maxModelCells = maxModelCells
        self.maxConfusionCells = maxConfusionCells
    }

    /// Refuses a report once the answers read so far are more than `maxAnswers`, or hold more than
    /// `maxAnswerBytes` of JSON; called as they stream in, so nothing past the bounds is kept.
    public func check(answersRead: Int, bytesRead: Int) throws(QualityReportTooLarge) {
        guard answersRead <= maxAnswers, bytesRead <= maxAnswerBytes else {
            throw QualityReportTooLarge(
                field: nil,
                message:
                    "the project has more than \(maxAnswers) answers or \(maxAnswerBytes >> 20) MB of answer JSON, all an on-demand report reads — use the export"
            )
        }
    }

    /// Refuses a report whose models or confusion matrices for some question would exceed the budget.
    public func check(schema: ProjectSchema, tasks: [QualityTaskInput]) throws(QualityReportTooLarge) {
        var annotators = Set<Int64>()
        var goldAnnotators = Set<Int64>()
        var answeredTasks = 0
        var answers = 0
        for task in tasks where !task.answers.isEmpty {
            answeredTasks += 1
            answers += task.answers.count
            for answer in task.answers {
                annotators.insert(answer.annotatorID)
                if task.gold != nil { goldAnnotators.insert(answer.annotatorID) }
            }
        }
        try check(answersRead: answers, bytesRead: 0)
        for (index, question) in schema.questions.enumerated() {
            guard let optionCount = question.kind.optionCoding?.classCount else { continue }
            let squared = Self.product(optionCount, optionCount)
            let model = Self.sum([
                Self.product(3 * annotators.count, squared), Self.product(answeredTasks, optionCount),
                Self.product(answers, optionCount),
            ])
            let confusion = Self.product(goldAnnotators.count + 1, squared)
            let field = "schema.questions[\(index)]"
            if model > maxModelCells {
                throw QualityReportTooLarge(
                    field: field,
                    message:
                        "\(question.name): \(optionCount) options × \(annotators.count) annotators need \(model) model cells; a report computes at most \(maxModelCells)"
                )
            }
            if confusion > maxConfusionCells {
                throw QualityReportTooLarge(
                    field: field,
                    message:
                        "\(question.name): \(goldAnnotators.count) annotators' \(optionCount) × \(optionCount) gold confusion matrices exceed \(maxConfusionCells) cells"
                )
            }
        }
    }

    private static func product(_ a: Int, _ b: Int) -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : value
    }

    private static func sum(_ values: [Int]) -> Int {
        values.reduce(0) { total, value in
            let (next, overflow) = total.addingReportingOverflow(value)
            return overflow ? .max : next
        }
    }
}

/// A quality report that would exceed `QualityReportBudget`; `field` names the question when one is to blame.
public struct QualityReportTooLarge: Error, Sendable, Hashable {
    public var field: String?
    public var message: String
}
