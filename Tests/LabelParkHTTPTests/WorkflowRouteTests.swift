import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Quality control and review over HTTP: policies, gold, pauses, review, inspections, dynamic overlap")
struct WorkflowRouteTests {
    /// Creates a project of client A with a quality policy (JSON text); returns its id.
    func createProject(_ park: TestPark, overlap: Int = 1, quality: String) async throws -> Int {
        let reply = try await park.send(
            .post, "/api/v1/projects", as: park.managerA,
            json: #"{"name":"Checked","schema":\#(sentimentSchemaJSON),"overlap":\#(overlap),"quality":\#(quality)}"#)
        try #require(reply.status == .created, "create: \(reply.text)")
        return try #require(reply.int("id"))
    }

    func reviewer(_ park: TestPark) async throws -> Person {
        try await park.makePerson("reviewer@a.test", in: park.fixture.clientA, role: .reviewer)
    }

    @Test("A project's quality policy is stored, shown, changed, and refused with the field named")
    func qualityPolicy() async throws {
        try await withTestPark { park in
            let project = try await createProject(
                park,
                quality:
                    #"{"gold_rate":0.1,"auto_pause":{"window":10,"min_accuracy":0.8},"review":{"mode":"sample","sample_percent":20}}"#
            )
            let shown = try await park.send(.get, "/api/v1/projects/\(project)", as: park.managerA)
            #expect(shown.value("quality.gold_rate") as? Double == 0.1)
            #expect(shown.int("quality.auto_pause.window") == 10)
            #expect(shown.string("quality.review.mode") == "sample")
            #expect(shown.value("quality.dynamic_overlap") is NSNull)
            let patched = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA,
                json: #"{"quality":{"dynamic_overlap":{"max_overlap":3,"confidence_target":0.9}}}"#)
            #expect(patched.status == .ok)
            #expect(patched.int("quality.dynamic_overlap.max_overlap") == 3)
            #expect(patched.value("quality.auto_pause") is NSNull)
            for (quality, field) in [
                (#"{"gold_rate":2}"#, "quality.gold_rate"),
                (#"{"review":{"mode":"some"}}"#, "quality.review.mode"),
                (#"{"auto_pause":{"window":0,"min_accuracy":0.5}}"#, "quality.auto_pause.window"),
                (
                    #"{"dynamic_overlap":{"max_overlap":0,"confidence_target":0.9}}"#,
                    "quality.dynamic_overlap.max_overlap"
                ),
                (#"[]"#, "quality"),
            ] {
                let refused = try await park.send(
                    .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"quality":\#(quality)}"#)
                #expect(refused.status.code / 100 == 4 && refused.errorField == field, "\(quality): \(refused.text)")
            }
        }
    }

    @Test("Gold tasks look like any task, never show their answer, and a wrong one pauses until reinstated")
    func goldAndPause() async throws {
        try await withTestPark { park in
            let project = try await createProject(
                park, quality: #"{"gold_rate":0,"gold_at_start":1,"auto_pause":{"window":1,"min_accuracy":1}}"#)
            let imported = try await park.importNDJSON(
                [#"{"data":{"text":"gold"},"gold":{"sentiment":"pos"}}"#, #"{"text":"work"}"#], into: project,
                as: park.managerA)
            #expect(imported.status == .created && imported.int("batch_id") != nil)
            let claim = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            #expect(claim.string("task.data.text") == "gold")
            #expect(!claim.text.contains("gold\":") && !claim.text.contains("\"pos\""))
            let taskID = try #require(claim.int("task.id"))
            let task = try await park.send(.get, "/api/v1/tasks/\(taskID)", as: park.annotatorA)
            #expect(task.status == .ok && !task.text.contains("pos"))
            let held = ClaimedTask(
                taskID: taskID, leaseToken: try #require(claim.string("lease.token")), expiresAt: "")
            #expect(
                try await park.submit(held, result: #"{"sentiment":"neg"}"#, as: park.annotatorA).status == .created)
            let paused = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            #expect(paused.status == .forbidden && paused.errorCode == "annotator_paused")
            #expect(paused.value("error.accuracy") as? Int == 0 && paused.int("error.window") == 1)
            let list = try await park.send(.get, "/api/v1/projects/\(project)/pauses", as: park.managerA)
            #expect(list.int("paused.0.user_id") == park.annotatorA.userID)
            let byAnnotator = try await park.send(
                .delete, "/api/v1/projects/\(project)/pauses/\(park.annotatorA.userID)", as: park.annotatorA)
            #expect(byAnnotator.status == .forbidden)
            let reinstated = try await park.send(
                .delete, "/api/v1/projects/\(project)/pauses/\(park.annotatorA.userID)", as: park.managerA)
            #expect(reinstated.status == .noContent)
            let again = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            #expect(again.status == .ok && again.string("task.data.text") == "work")
        }
    }

    @Test("Reject with a comment → rework by the annotator → fix by the reviewer, with the history kept")
    func reviewRoundTrip() async throws {
        try await withTestPark { park in
            let project = try await createProject(park, quality: #"{"review":{"mode":"all"}}"#)
            try await park.importTexts(["Alice joined Acme"], into: project)
            let reviewer = try await reviewer(park)
            let (_, annotationID) = try await park.annotate(
                project, as: park.annotatorA, result: #"{"sentiment":"neg"}"#)
            let byAnnotator = try await park.send(
                .post, "/api/v1/projects/\(project)/reviews/next", as: park.annotatorA)
            #expect(byAnnotator.status == .forbidden)
            let item = try await park.send(.post, "/api/v1/projects/\(project)/reviews/next", as: reviewer)
            #expect(item.status == .ok && item.int("annotation.id") == annotationID)
            #expect(item.string("task.data.text") == "Alice joined Acme")
            let token = try #require(item.string("review.token"))
            let silent = try await park.send(
                .post, "/api/v1/reviews/\(token)/decision", as: reviewer, json: #"{"decision":"reject"}"#)
            #expect(silent.status.code == 422 || silent.status == .badRequest)
            #expect(silent.errorField == "comment")
            let rejected = try await park.send(
                .post, "/api/v1/reviews/\(token)/decision", as: reviewer,
                json: #"{"decision":"reject","comment":"joining is neutral"}"#)
            #expect(rejected.status == .ok && rejected.string("annotation.status") == "rejected")
            let rework = try await park.send(.get, "/api/v1/rework?project=\(project)", as: park.annotatorA)
            #expect(rework.int("rework.0.annotation.id") == annotationID)
            #expect(rework.string("rework.0.rejection.comment") == "joining is neutral")
            let edited = try await park.send(
                .put, "/api/v1/annotations/\(annotationID)", as: park.annotatorA,
                json: #"{"result":{"sentiment":"pos"},"version":1}"#)
            #expect(edited.string("status") == "submitted" && edited.int("version") == 2)
            let second = try await park.send(.post, "/api/v1/projects/\(project)/reviews/next", as: reviewer)
            let secondToken = try #require(second.string("review.token"))
            let invalid = try await park.send(
                .post, "/api/v1/reviews/\(secondToken)/decision", as: reviewer,
                json: #"{"decision":"fix","result":{"sentiment":"happy"}}"#)
            #expect(invalid.status.code / 100 == 4 && invalid.errorField?.contains("sentiment") == true)
            let fixed = try await park.send(
                .post, "/api/v1/reviews/\(secondToken)/decision", as: reviewer,
                json: #"{"decision":"fix","result":{"sentiment":"neu","entities":[{"start":0,"end":5,"label":"PER"}]}}"#
            )
            #expect(fixed.status == .ok && fixed.string("annotation.status") == "accepted")
            #expect(fixed.int("annotation.version") == 3 && fixed.string("annotation.result.sentiment") == "neu")
            let history = try await park.send(.get, "/api/v1/annotations/\(annotationID)/reviews", as: park.annotatorA)
            #expect((history.array("reviews") ?? []).count == 2)
            #expect(history.string("reviews.1.decision") == "fix")
            let unknown = try await park.send(
                .post, "/api/v1/reviews/\(secondToken)/decision", as: reviewer, json: #"{"decision":"accept"}"#)
            #expect(unknown.status == .notFound)
            let empty = try await park.send(.post, "/api/v1/projects/\(project)/reviews/next", as: reviewer)
            #expect(empty.status == .noContent)
        }
    }

    @Test("A batch's inspection samples its work and passes at the AQL")
    func inspection() async throws {
        try await withTestPark { park in
            let project = try await createProject(park, quality: #"{"gold_rate":0}"#)
            try await park.importTexts(["a", "b", "c"], into: project)
            for _ in 0..<3 { _ = try await park.annotate(project, as: park.annotatorA) }
            let batches = try await park.send(.get, "/api/v1/projects/\(project)/batches", as: park.managerA)
            let batch = try #require(batches.int("batches.0.id"))
            #expect(batches.int("batches.0.task_count") == 3 && batches.string("batches.0.status") == "open")
            let bad = try await park.send(
                .post, "/api/v1/projects/\(project)/batches/\(batch)/inspections", as: park.managerA,
                json: #"{"sample_size":2,"aql":1.5}"#)
            #expect(bad.status.code / 100 == 4 && bad.errorField == "aql")
            let started = try await park.send(
                .post, "/api/v1/projects/\(project)/batches/\(batch)/inspections", as: park.managerA,
                json: #"{"sample_size":2,"aql":0.5}"#)
            #expect(started.status == .created && started.int("sampled") == 2)
            let inspection = try #require(started.int("id"))
            let inspector = try await reviewer(park)
            var decided = 0
            while true {
                let item = try await park.send(
                    .post, "/api/v1/projects/\(project)/reviews/next?inspection=\(inspection)", as: inspector)
                guard item.status == .ok, let token = item.string("review.token") else { break }
                let decision = decided == 0 ? #"{"decision":"reject","comment":"off"}"# : #"{"decision":"accept"}"#
                let reply = try await park.send(
                    .post, "/api/v1/reviews/\(token)/decision", as: inspector, json: decision)
                decided += 1
                #expect((reply.value("closed_inspection") is NSNull) == (decided < 2))
            }
            #expect(decided == 2)
            let closed = try await park.send(.get, "/api/v1/inspections/\(inspection)", as: park.managerA)
            #expect(closed.string("status") == "passed" && closed.int("defects") == 1)
            #expect(closed.value("accuracy") as? Double == 0.5)
            let after = try await park.send(.get, "/api/v1/projects/\(project)/batches", as: park.managerA)
            #expect(after.string("batches.0.status") == "accepted")
            #expect(after.int("batches.0.inspections.0.id") == inspection)
            #expect(after.string("batches.0.inspections.0.status") == "passed")
            let foreign = try await park.send(.get, "/api/v1/inspections/\(inspection)", as: park.managerB)
            #expect(foreign.status == .notFound)
        }
    }

    @Test("Dynamic overlap asks another annotator while the crowd disagrees, up to the maximum")
    func dynamicOverlap() async throws {
        try await withTestPark { park in
            let project = try await createProject(
                park, quality: #"{"gold_rate":0,"dynamic_overlap":{"max_overlap":3,"confidence_target":0.999}}"#)
            try await park.importTexts(["contested"], into: project)
            let workers = [
                park.annotatorA, try await park.makeAnnotator("w1"), try await park.makeAnnotator("w2"),
                try await park.makeAnnotator("w3"),
            ]
            _ = try await park.annotate(project, as: workers[0], result: #"{"sentiment":"pos"}"#)
            _ = try await park.annotate(project, as: workers[1], result: #"{"sentiment":"neg"}"#)
            _ = try await park.annotate(project, as: workers[2], result: #"{"sentiment":"neu"}"#)
            let fourth = try await park.send(.post, "/api/v1/projects/\(project)/next", as: workers[3])
            #expect(fourth.status == .noContent)
            let progress = try await park.progress(project)
            #expect(progress.int("slots.total") == 3 && progress.int("completed_tasks") == 1)
        }
    }
}
