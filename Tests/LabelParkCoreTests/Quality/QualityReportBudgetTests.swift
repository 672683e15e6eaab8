import LabelParkCore
import Testing

@Suite("The quality report's memory budget")
struct QualityReportBudgetTests {
    static func tasks(annotators: Int, tasks: Int, goldEvery: Int = 0) -> [QualityTaskInput] {
        (0..<tasks).map { task in
            QualityTaskInput(
                taskID: Int64(task), gold: goldEvery > 0 && task % goldEvery == 0 ? .object([]) : nil,
                answers: (0..<annotators).map { (Int64($0), JSONValue.object([])) })
        }
    }

    static func schema(questions: Int, options: Int, kind: (String, [String]) -> QuestionKind) -> ProjectSchema {
        let names = (0..<options).map { "option\($0)" }
        return ProjectSchema(
            fields: [Field(name: "text", kind: .text)],
            questions: (0..<questions).map { Question(name: "q\($0)", kind: kind("q\($0)", names)) })
    }

    @Test("128 questions of 1,000 options over 300 annotators are refused, naming the first question")
    func refusesTheWorstSchema() {
        let schema = Self.schema(questions: 128, options: 1_000) { _, options in .choice(options: options) }
        let tasks = Self.tasks(annotators: 300, tasks: 20)
        #expect(throws: QualityReportTooLarge.self) { try QualityReportBudget().check(schema: schema, tasks: tasks) }
        do {
            try QualityReportBudget().check(schema: schema, tasks: tasks)
        } catch {
            #expect(error.field == "schema.questions[0]")
            #expect(error.message.contains("1000 options"))
        }
    }

    @Test("multi-choice answers × options and gold confusion matrices count too")
    func multiChoiceAndConfusion() {
        let multi = Self.schema(questions: 1, options: 1_000) { _, options in
            .multiChoice(options: options, minCount: nil, maxCount: nil)
        }
        #expect(throws: QualityReportTooLarge.self) {
            try QualityReportBudget().check(schema: multi, tasks: Self.tasks(annotators: 5, tasks: 4_000))
        }
        let choice = Self.schema(questions: 1, options: 200) { _, options in .choice(options: options) }
        // 30 annotators with gold answers × 200² = 1.2M confusion cells: over the 1M default.
        #expect(throws: QualityReportTooLarge.self) {
            try QualityReportBudget().check(schema: choice, tasks: Self.tasks(annotators: 30, tasks: 10, goldEvery: 2))
        }
        // Without gold, the same data fits: 3 × 30 × 40,000 model cells.
        #expect((try? QualityReportBudget().check(schema: choice, tasks: Self.tasks(annotators: 30, tasks: 10))) != nil)
    }

    @Test("an ordinary project fits, and the answer caps are checked as answers stream in")
    func ordinaryProjectFits() throws {
        let schema = Self.schema(questions: 5, options: 10) { _, options in .choice(options: options) }
        try QualityReportBudget().check(schema: schema, tasks: Self.tasks(annotators: 50, tasks: 2_000, goldEvery: 20))
        try QualityReportBudget().check(answersRead: 1_000_000, bytesRead: 64 << 20)
        #expect(throws: QualityReportTooLarge.self) {
            try QualityReportBudget().check(answersRead: 1_000_001, bytesRead: 0)
        }
        #expect(throws: QualityReportTooLarge.self) {
            try QualityReportBudget().check(answersRead: 1, bytesRead: (64 << 20) + 1)
        }
    }
}
