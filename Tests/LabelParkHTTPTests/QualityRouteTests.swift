import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkStore
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
}
