import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkStore
import LabelParkTestSupport
import Testing

/// `GET /api/v1/projects/{id}/quality`, and that gold answers never leave the server any other way.
@Suite struct QualityRouteTests {
    @Test("managers see agreement, annotator records with gold accuracy and aggregated answers; annotators may not")
    func qualityReport() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA, overlap: 1, name: "Quality")
            let lines = [
                #"{"data":{"text":"gold one"},"gold":{"sentiment":"pos"}}"#, #"{"data":{"text":"plain"}}"#,
            ]
            // Gold tasks have no slots of their own: the first claim of each annotator is the gold task.
            let policy = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"quality":{"gold_at_start":1}}"#)
            #expect(policy.status == .ok)
            let imported = try await park.importNDJSON(lines, into: project, as: park.managerA)
            #expect(imported.status == .created)
            for _ in 0..<2 { _ = try await park.annotate(project, as: park.annotatorA) }

            let reply = try await park.send(.get, "/api/v1/projects/\(project)/quality", as: park.managerA)
            #expect(reply.status == .ok)
            let questions = try #require((reply.json as? [String: Any])?["questions"] as? [[String: Any]])
            let sentiment = try #require(questions.first { $0["name"] as? String == "sentiment" })
            #expect(sentiment["annotations"] as? Int == 2)
            let annotators = try #require(sentiment["annotators"] as? [[String: Any]])
            let gold = try #require(annotators.first?["gold"] as? [String: Any])
            #expect(gold["scored"] as? Int == 1 && gold["accuracy"] as? Double == 1)
            #expect((sentiment["aggregated"] as? [[String: Any]])?.count == 2)

            let refused = try await park.send(.get, "/api/v1/projects/\(project)/quality", as: park.annotatorA)
            #expect(refused.status == .forbidden)
            // The export and the task route never carry the gold answer.
            let export = try await park.send(.get, "/api/v1/projects/\(project)/export?format=jsonl", as: park.managerA)
            #expect(!export.text.contains(#""gold""#))
        }
    }

    static let everyKindSchema = """
        {"fields":[{"name":"text","type":"text"}],"questions":[\
        {"name":"label","type":"choice","options":["a","b"]},\
        {"name":"tags","type":"multi_choice","options":["x","y"]},\
        {"name":"score","type":"rating","min":1,"max":5},\
        {"name":"note","type":"text"},\
        {"name":"ents","type":"spans","field":"text","labels":["PER"]}]}
        """

    @Test(
        "every question kind: its type, gold metrics, agreement, confusion, multi-choice aggregation, accuracy by day")
    func everyKind() async throws {
        try await withTestPark { park in
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Kinds","schema":\#(Self.everyKindSchema),"overlap":2,"quality":{"gold_at_start":2}}"#)
            let project = try #require(created.int("id"), "create: \(created.text)")
            let goldAnswer =
                #"{"label":"a","tags":["x"],"score":4,"note":"the cat","ents":[{"start":0,"end":3,"label":"PER"}]}"#
            let imported = try await park.importNDJSON(
                [
                    #"{"data":{"text":"the cat sat"},"gold":\#(goldAnswer)}"#,
                    #"{"data":{"text":"the cat ran"},"gold":\#(goldAnswer)}"#,
                    // Gold is handed out only while work is left.
                    #"{"text":"work to mix the gold into"}"#,
                ],
                into: project, as: park.managerA)
            #expect(imported.status == .created)
            let worker = try await park.makeAnnotator("worker")
            // Both gold tasks come first for each annotator (gold_at_start). Annotator A answers exactly the gold
            // answer; the worker a little off on every question. Each answers one task on 2025-11-24 (the test
            // clock's start) and the other a day later.
            let right = goldAnswer
            let off =
                #"{"label":"b","tags":["x","y"],"score":2,"note":"the bat","ents":[{"start":0,"end":4,"label":"PER"}]}"#
            for _ in 0..<2 {
                _ = try await park.annotate(project, as: park.annotatorA, result: right)
                _ = try await park.annotate(project, as: worker, result: off)
                park.clock.advance(seconds: 86_400)
            }

            let reply = try await park.send(.get, "/api/v1/projects/\(project)/quality", as: park.managerA)
            #expect(reply.status == .ok)
            let questions = try #require((reply.json as? [String: Any])?["questions"] as? [[String: Any]])
            #expect(questions.map { $0["type"] as? String } == ["choice", "multi_choice", "rating", "text", "spans"])
            func question(_ name: String) throws -> [String: Any] {
                try #require(questions.first { $0["name"] as? String == name })
            }
            func annotator(_ question: [String: Any], _ person: Person) throws -> [String: Any] {
                let annotators = try #require(question["annotators"] as? [[String: Any]])
                return try #require(annotators.first { $0["user_id"] as? Int == Int(person.userID) })
            }
            func gold(_ question: [String: Any], _ person: Person) throws -> [String: Any] {
                try #require(try annotator(question, person)["gold"] as? [String: Any])
            }
            func close(_ value: Any?, _ expected: Double) -> Bool {
                guard let number = value as? Double else { return false }
                return abs(number - expected) < 1e-12
            }

            // choice: A 2 of 2 right, the worker 0 of 2; gold is a both times: row a holds [A's 2, the worker's 2].
            let label = try question("label")
            let labelRight = try gold(label, park.annotatorA)
            let labelOff = try gold(label, worker)
            let labelWorker = try annotator(label, worker)
            #expect(close(labelRight["accuracy"], 1) && close(labelOff["accuracy"], 0))
            #expect(label["gold_confusion"] as? [[Int]] == [[2, 2], [0, 0]])
            #expect(labelWorker["gold_confusion"] as? [[Int]] == [[0, 2], [0, 0]])
            let days = try #require(labelWorker["gold_by_day"] as? [[String: Any]])
            #expect(days.map { $0["day"] as? String } == ["2025-11-24", "2025-11-25"])
            #expect(days.map { $0["scored"] as? Int } == [1, 1] && days.allSatisfy { close($0["accuracy"], 0) })

            // multi_choice: {x, y} against {x} is 1/2; the pair A–worker is 1/2 on both tasks. x has 2 of 2 votes,
            // y 1 of 2 (a tie, left out): majority vote {x}.
            let tags = try question("tags")
            let tagsOff = try gold(tags, worker)
            #expect(close(tagsOff["mean_jaccard"], 0.5) && close(tagsOff["accuracy"], 0.5))
            let tagsAgreement = try #require(tags["agreement"] as? [String: Any])
            #expect(close(tagsAgreement["mean_pairwise_jaccard"], 0.5) && tagsAgreement["compared_pairs"] as? Int == 2)
            #expect((tagsAgreement["options"] as? [[String: Any]])?.map { $0["option"] as? String } == ["x", "y"])
            let selections = try #require(tags["aggregated"] as? [[String: Any]])
            #expect(selections.count == 2 && selections.allSatisfy { $0["majority_vote"] as? [String] == ["x"] })
            #expect(selections.allSatisfy { ($0["options"] as? [[String: Any]])?.first?["votes"] as? Int == 2 })

            // rating: the worker is 2 off both times; values 4, 2 on each task → D_o = 16/4 = 4, D_e = 32/12 = 8/3,
            // alpha = 1 − 4 ÷ 8/3 = −0.5. Fleiss does not apply.
            let score = try question("score")
            let scoreOff = try gold(score, worker)
            #expect(close(scoreOff["mean_absolute_error"], 2) && close(scoreOff["accuracy"], 0))
            let scoreAgreement = try #require(score["agreement"] as? [String: Any])
            #expect(close(scoreAgreement["krippendorff_alpha_interval"], -0.5))
            #expect(scoreAgreement["fleiss_kappa"] is NSNull && score["aggregated"] == nil)

            // text: "the bat" for "the cat" twice: 2 character edits of 14, 2 word edits of 4.
            let note = try question("note")
            let noteOff = try gold(note, worker)
            let noteRight = try gold(note, park.annotatorA)
            #expect(close(noteOff["cer"], 1.0 / 7) && close(noteOff["wer"], 0.5) && close(noteRight["cer"], 0))

            // spans: (0, 4) against (0, 3): no exact match (P = R = F1 = 0), one overlap match (all 1).
            let ents = try question("ents")
            let entsOff = try gold(ents, worker)
            let exact = try #require(entsOff["exact"] as? [String: Any])
            let overlap = try #require(entsOff["overlap"] as? [String: Any])
            #expect(close(exact["precision"], 0) && close(exact["recall"], 0) && close(exact["f1"], 0))
            #expect(close(overlap["precision"], 1) && close(overlap["recall"], 1) && close(overlap["f1"], 1))
            let pairwise = try #require(
                (ents["agreement"] as? [String: Any])?["mean_pairwise_span_f1"] as? [String: Any])
            #expect(close(pairwise["exact"], 0) && close(pairwise["overlap"], 1))
        }
    }
}

/// `PATCH /api/v1/projects/{id}`: settings, with the schema frozen by the first annotation.
@Suite struct ProjectSettingsRouteTests {
    @Test("managers rename and re-schema a project until it has annotations; bad values name their field")
    func settings() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA, overlap: 1, name: "Before")
            let schema = sentimentSchemaJSON.replacingOccurrences(of: #""neu""#, with: #""neu","mixed""#)
            let changed = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA,
                json: #"{"name":"After","lease_seconds":120,"schema":\#(schema)}"#)
            #expect(changed.status == .ok)
            let body = try #require(changed.json as? [String: Any])
            #expect(body["name"] as? String == "After" && body["lease_seconds"] as? Int == 120)
            #expect(changed.text.contains(#""mixed""#))

            let invalid = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"lease_seconds":0}"#)
            #expect(invalid.errorField == "lease_seconds")
            let emptyName = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"name":""}"#)
            #expect(emptyName.errorField == "name")
            let annotator = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.annotatorA, json: #"{"name":"Mine"}"#)
            #expect(annotator.status == .forbidden)

            _ = try await park.importNDJSON([#"{"text":"one"}"#], into: project, as: park.managerA)
            _ = try await park.annotate(project, as: park.annotatorA)
            let locked = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"schema":\#(sentimentSchemaJSON)}"#)
            #expect(locked.status == .conflict && locked.errorCode == "schema_locked")
            let renamed = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"name":"Still renamable"}"#)
            #expect(renamed.status == .ok)
        }
    }
}
