import LabelParkCore
import Testing

@Suite("Quality by workplace: annotators' gold records pooled per workplace")
struct WorkplaceQualityTests {
    @Test("Gold answers pool per workplace, weighing each answer; the unassigned come last")
    func pooling() {
        let schema = ProjectSchema(
            fields: [Field(name: "text", kind: .text)],
            questions: [Question(name: "label", kind: .choice(options: ["a", "b"]))])
        // Gold is "a" on tasks 1–3. Annotator 10 (Datong) right 3 of 3; 11 (Datong) right 1 of 3; 12 (no
        // workplace) right 0 of 1; 13 (Yungang) right 2 of 2.
        func task(_ id: Int64, _ answers: [(Int64, String)]) -> QualityTaskInput {
            QualityTaskInput(
                taskID: id, gold: .object(["label": .string("a")]),
                answers: answers.map { ($0.0, JSONValue.object(["label": .string($0.1)])) })
        }
        let report = ProjectQuality.report(
            schema: schema,
            tasks: [
                task(1, [(10, "a"), (11, "a"), (12, "b"), (13, "a")]),
                task(2, [(10, "a"), (11, "b"), (13, "a")]),
                task(3, [(10, "a"), (11, "b")]),
            ])
        let affiliations = [
            AnnotatorAffiliation(
                userID: 10, displayName: "Ten", organizationName: "V", workplaceID: 7, workplaceName: "Datong",
                county: "Pingcheng"),
            AnnotatorAffiliation(
                userID: 11, displayName: "Eleven", organizationName: "V", workplaceID: 7, workplaceName: "Datong",
                county: "Pingcheng"),
            AnnotatorAffiliation(
                userID: 13, displayName: "Thirteen", organizationName: "V", workplaceID: 8, workplaceName: "Yungang",
                county: "Yungang"),
        ]
        let grouped = ProjectQuality.byWorkplace(report, affiliations: affiliations)
        #expect(grouped.count == 1 && grouped[0].question == "label")
        let places = grouped[0].workplaces
        #expect(places.map(\.workplaceName) == ["Datong", "Yungang", nil])
        // Datong: (3 + 1) right of 6 answers = 2/3, not the mean of the two people's 1 and 1/3 (also 2/3 here,
        // so check the counts too).
        #expect(places[0].annotators == 2 && places[0].annotations == 6 && places[0].gold.scored == 6)
        #expect(places[0].gold.accuracy == 4.0 / 6)
        #expect(places[1].gold.accuracy == 1 && places[1].annotators == 1)
        // Annotator 12 has no affiliation: unassigned, 0 of 1.
        #expect(places[2].workplaceID == nil && places[2].gold.accuracy == 0 && places[2].gold.scored == 1)
    }

    @Test("Merging gold records adds every sum, so pooled rates equal rates over all answers")
    func merge() {
        var left = GoldRecord()
        left.add(QuestionScore(value: 1, detail: .rating(absoluteError: 0, tolerance: 0)))
        var right = GoldRecord()
        right.add(QuestionScore(value: 0, detail: .rating(absoluteError: 2, tolerance: 0)))
        right.add(QuestionScore(value: 0, detail: .rating(absoluteError: 1, tolerance: 0)))
        left.merge(right)
        // 1 right of 3; errors 0 + 2 + 1 over 3 ratings.
        #expect(left.scored == 3 && left.accuracy == 1.0 / 3 && left.meanAbsoluteError == 1)
        var empty = GoldRecord()
        empty.merge(GoldRecord())
        #expect(empty.accuracy == nil)
    }
}
