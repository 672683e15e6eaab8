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
