import LabelParkCore
import Testing

@Suite struct ProjectQualityTests {
    static let schema = try! ProjectSchema(
        json: try! JSONParser().parse(
            #"{"fields":[{"name":"text","type":"text"}],"questions":[{"name":"label","type":"choice","options":["a","b"]},{"name":"note","type":"text"}]}"#
        ))

    static func answer(_ label: String?) -> JSONValue {
        label.map { .object([JSONMember("label", .string($0))]) } ?? .object([JSONMember("note", .string("x"))])
    }

    @Test("one choice question: counts, majority vote with ties to the first option, consensus and gold accuracy")
    func handComputed() {
        // Annotators 1, 2, 3. Task 10: a, a, b (gold a). Task 11: b, b, b. Task 12: a, b (3 did not answer).
        // Task 13: only a text answer, so it has no label and is not counted.
        let tasks = [
            QualityTaskInput(
                taskID: 10, gold: Self.answer("a"),
                answers: [(1, Self.answer("a")), (2, Self.answer("a")), (3, Self.answer("b"))]),
            QualityTaskInput(
                taskID: 11, gold: nil, answers: [(1, Self.answer("b")), (2, Self.answer("b")), (3, Self.answer("b"))]),
            QualityTaskInput(taskID: 12, gold: nil, answers: [(1, Self.answer("a")), (2, Self.answer("b"))]),
            QualityTaskInput(taskID: 13, gold: nil, answers: [(1, Self.answer(nil))]),
        ]
        let report = ProjectQuality.choiceQuestions(schema: Self.schema, tasks: tasks)
        #expect(report.count == 1)
        let label = report[0]
        #expect(label.question == "label" && label.options == ["a", "b"])
        #expect(label.annotations == 8 && label.tasks == 3)
        // Majority: 10 → a (2 of 3), 11 → b (3 of 3), 12 → a (a tie goes to the first option, 1 of 2).
        #expect(label.aggregated.map(\.taskID) == [10, 11, 12])
        #expect(label.aggregated.map(\.majorityVote) == ["a", "b", "a"])
        #expect(label.aggregated.map(\.majorityConfidence) == [2.0 / 3.0, 1, 0.5])
        let byUser = Dictionary(uniqueKeysWithValues: label.annotators.map { ($0.userID, $0) })
        // Gold (task 10 is a): 1 and 2 right, 3 wrong.
        #expect(byUser[1]?.goldScored == 1 && byUser[1]?.goldAccuracy == 1)
        #expect(byUser[3]?.goldScored == 1 && byUser[3]?.goldAccuracy == 0)
        // Consensus of 3: task 10 others say a, a (3 says b: miss); task 11 others b, b (match) → 1 of 2.
        #expect(byUser[3]?.consensusAgreement == 0.5)
        // Consensus of 1: task 10 others a, b tie (skipped); 11 b, b (match); 12 only 2 says b (miss) → 1 of 2.
        #expect(byUser[1]?.consensusAgreement == 0.5)
        #expect(byUser[1]?.annotations == 3 && byUser[3]?.annotations == 2)
        #expect(label.fleissKappa != nil && label.krippendorffAlphaNominal != nil)
        #expect(label.aggregated.allSatisfy { (0...1).contains($0.dawidSkeneConfidence) })
    }

    @Test("a project without answers reports empty questions, never a crash or a NaN")
    func noAnswers() {
        let report = ProjectQuality.choiceQuestions(schema: Self.schema, tasks: [])
        #expect(report.count == 1)
        #expect(report[0].annotations == 0 && report[0].aggregated.isEmpty && report[0].annotators.isEmpty)
        #expect(report[0].fleissKappa == nil && report[0].krippendorffAlphaNominal == nil)
    }
}
