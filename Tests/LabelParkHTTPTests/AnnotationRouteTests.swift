import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Annotations: submissions, idempotent retries, edits and revisions")
struct AnnotationRouteTests {
    @Test("POST /tasks/{id}/annotations stores the result and fills the slot")
    func submit() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["Alice works at Acme"])
            let claim = try await park.claim(project, as: park.annotatorA)
            let reply = try await park.send(
                .post, "/api/v1/tasks/\(claim.taskID)/annotations", as: park.annotatorA,
                json:
                    #"{"lease_token":"\#(claim.leaseToken)","result":{"sentiment":"neu","entities":[{"start":0,"end":5,"label":"PER"},{"start":15,"end":19,"label":"ORG","text":"Acme"}]},"lead_time_ms":1234}"#
            )
            #expect(reply.status == .created)
            #expect(reply.header("Idempotent-Replayed") == nil)
            #expect(reply.int("id") != nil)
            #expect(reply.int("task_id") == claim.taskID)
            #expect(reply.int("project_id") == project)
            #expect(reply.int("annotator_id") == park.annotatorA.userID)
            #expect(reply.string("result.sentiment") == "neu")
            #expect(reply.int("result.entities.1.end") == 19)
            #expect(reply.int("version") == 1)
            #expect(reply.string("status") == "submitted")
            #expect(reply.bool("late") == false)
            #expect(reply.int("lead_time_ms") == 1234)
            #expect(reply.string("created_at") == park.clock.now().iso8601)

            let progress = try await park.progress(project)
            #expect(progress.int("slots.submitted") == 1)
            #expect(progress.int("completed_tasks") == 1)
        }
    }

    @Test("A retry with the same idempotency key replays the first annotation")
    func idempotentReplay() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let claim = try await park.claim(project, as: park.annotatorA)
            let first = try await park.submit(claim, idempotencyKey: "retry-1", as: park.annotatorA)
            #expect(first.status == .created)
            #expect(first.header("Idempotent-Replayed") == nil)

            let replay = try await park.submit(claim, idempotencyKey: "retry-1", as: park.annotatorA)
            #expect(replay.status == .created)
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.int("id") == first.int("id"))
            #expect(replay.string("created_at") == first.string("created_at"))

            let progress = try await park.progress(project)
            #expect(progress.int("annotations") == 1)
        }
    }

    @Test("Submitting again without a key is 409 already_annotated naming the annotation")
    func alreadyAnnotated() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let claim = try await park.claim(project, as: park.annotatorA)
            let first = try await park.submit(claim, as: park.annotatorA)
            let id = try #require(first.int("id"))

            let again = try await park.submit(claim, result: #"{"sentiment":"neg"}"#, as: park.annotatorA)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "already_annotated")
            #expect(again.int("error.annotation_id") == id)

            let withNewKey = try await park.submit(claim, idempotencyKey: "fresh", as: park.annotatorA)
            #expect(withNewKey.status == .conflict)
            #expect(withNewKey.errorCode == "already_annotated")
        }
    }

    @Test("Reusing an idempotency key for another task is 409 idempotency_key_reused")
    func idempotencyKeyReused() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["one", "two"])
            let first = try await park.claim(project, as: park.annotatorA)
            #expect(try await park.submit(first, idempotencyKey: "k", as: park.annotatorA).status == .created)
            let second = try await park.claim(project, as: park.annotatorA)
            let reused = try await park.submit(second, idempotencyKey: "k", as: park.annotatorA)
            #expect(reused.status == .conflict)
            #expect(reused.errorCode == "idempotency_key_reused")
        }
    }

    @Test(
        "A submission names the field it refuses",
        arguments: [
            (#"{"lease_token":"TOKEN"}"#, "result"),
            (#"{"lease_token":"TOKEN","result":"pos"}"#, "result"),
            (#"{"lease_token":"TOKEN","result":{}}"#, "result.sentiment"),
            (#"{"lease_token":"TOKEN","result":{"sentiment":"meh"}}"#, "result.sentiment"),
            (#"{"lease_token":"TOKEN","result":{"sentiment":["pos"]}}"#, "result.sentiment"),
            (#"{"lease_token":"TOKEN","result":{"sentiment":"pos","mood":"ok"}}"#, "result.mood"),
            (#"{"lease_token":"TOKEN","result":{"sentiment":"pos","entities":{}}}"#, "result.entities"),
            (
                #"{"lease_token":"TOKEN","result":{"sentiment":"pos","entities":[{"start":0,"end":2,"label":"LOC"}]}}"#,
                "result.entities[0].label"
            ),
            (
                #"{"lease_token":"TOKEN","result":{"sentiment":"pos","entities":[{"start":0,"end":2,"label":"PER","score":1}]}}"#,
                "result.entities[0].score"
            ),
            (
                #"{"lease_token":"TOKEN","result":{"sentiment":"pos","entities":[{"start":0,"end":3,"label":"PER"},{"start":2,"end":4,"label":"ORG"}]}}"#,
                "result.entities[1]"
            ),
            (#"{"lease_token":"TOKEN","result":{"sentiment":"pos"},"lead_time_ms":-1}"#, "lead_time_ms"),
            (#"{"lease_token":"TOKEN","result":{"sentiment":"pos"},"idempotency_key":5}"#, "idempotency_key"),
            (#"{"result":{"sentiment":"pos"}}"#, "lease_token"),
            (#"{"lease_token":"ZZZ","result":{"sentiment":"pos"}}"#, "lease_token"),
        ])
    func submitValidation(body: String, field: String) async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["Bob and Carol"])
            let claim = try await park.claim(project, as: park.annotatorA)
            let reply = try await park.send(
                .post, "/api/v1/tasks/\(claim.taskID)/annotations", as: park.annotatorA,
                json: body.replacingOccurrences(of: "TOKEN", with: claim.leaseToken))
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorCode == "invalid")
            #expect(reply.errorField == field)
            // Nothing was stored: the lease still holds the slot and a valid submission goes through.
            #expect(try await park.submit(claim, as: park.annotatorA).status == .created)
        }
    }

    @Test("A lease presented for another task is refused naming lease_token; an unknown lease is 404")
    func leaseForAnotherTask() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["one", "two"])
            let claim = try await park.claim(project, as: park.annotatorA)
            let other = ClaimedTask(taskID: claim.taskID + 1, leaseToken: claim.leaseToken, expiresAt: claim.expiresAt)
            let mismatched = try await park.submit(other, as: park.annotatorA)
            #expect(mismatched.status == .unprocessableContent)
            #expect(mismatched.errorField == "lease_token")

            let unknown = ClaimedTask(
                taskID: claim.taskID, leaseToken: "0123456789abcdef0123456789abcdef", expiresAt: claim.expiresAt)
            let notFound = try await park.submit(unknown, as: park.annotatorA)
            #expect(notFound.status == .notFound)
            #expect(notFound.errorCode == "not_found")
        }
    }

    @Test("GET /annotations lists the caller's own work, newest first, in pages")
    func listMine() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["one", "two", "three"], overlap: 2)
            let worker = try await park.makeAnnotator("worker")
            var mine: [Int] = []
            for _ in 0..<3 { mine.append(try await park.annotate(project, as: park.annotatorA).annotationID) }
            _ = try await park.annotate(project, as: worker)

            let all = try await park.send(.get, "/api/v1/annotations", as: park.annotatorA)
            #expect(all.status == .ok)
            #expect((all.array("annotations") ?? []).compactMap { lookUp("id", in: $0) as? Int } == mine.reversed())
            #expect(all.value("next_before") is NSNull)

            let page = try await park.send(.get, "/api/v1/annotations?limit=2", as: park.annotatorA)
            #expect(
                (page.array("annotations") ?? []).compactMap { lookUp("id", in: $0) as? Int } == [mine[2], mine[1]])
            let cursor = try #require(page.int("next_before"))
            let rest = try await park.send(.get, "/api/v1/annotations?limit=2&before=\(cursor)", as: park.annotatorA)
            #expect((rest.array("annotations") ?? []).compactMap { lookUp("id", in: $0) as? Int } == [mine[0]])

            let inProject = try await park.send(.get, "/api/v1/annotations?project=\(project)", as: worker)
            #expect(inProject.array("annotations")?.count == 1)
            let elsewhere = try await park.send(.get, "/api/v1/annotations?project=999999", as: worker)
            #expect(elsewhere.array("annotations")?.isEmpty == true)

            for (query, field) in [
                ("limit=0", "limit"), ("limit=501", "limit"), ("project=abc", "project"), ("before=-1", "before"),
            ] {
                let reply = try await park.send(.get, "/api/v1/annotations?\(query)", as: park.annotatorA)
                #expect(reply.status == .unprocessableContent, "\(query)")
                #expect(reply.errorField == field, "\(query)")
            }
        }
    }

    @Test("GET /annotations/{id}: the annotator and the project's managers read it, other annotators get 404")
    func show() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let worker = try await park.makeAnnotator("worker")
            let (_, id) = try await park.annotate(project, as: park.annotatorA, result: #"{"sentiment":"neg"}"#)

            for reader in [park.annotatorA, park.managerA] {
                let reply = try await park.send(.get, "/api/v1/annotations/\(id)", as: reader)
                #expect(reply.status == .ok)
                #expect(reply.int("id") == id)
                #expect(reply.string("result.sentiment") == "neg")
            }
            let byWorker = try await park.send(.get, "/api/v1/annotations/\(id)", as: worker)
            #expect(byWorker.status == .notFound)
            #expect(byWorker.errorCode == "not_found")

            for missing in ["999999", "abc", "0"] {
                let reply = try await park.send(.get, "/api/v1/annotations/\(missing)", as: park.managerA)
                #expect(reply.status == .notFound, "\(missing)")
            }
        }
    }

    @Test("PUT /annotations/{id} edits the current version and keeps every revision")
    func edit() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let (_, id) = try await park.annotate(project, as: park.annotatorA, result: #"{"sentiment":"pos"}"#)
            park.clock.advance(seconds: 5)

            let edited = try await park.send(
                .put, "/api/v1/annotations/\(id)", as: park.annotatorA,
                json: #"{"result":{"sentiment":"neg"},"version":1,"lead_time_ms":50}"#)
            #expect(edited.status == .ok)
            #expect(edited.int("version") == 2)
            #expect(edited.string("result.sentiment") == "neg")
            #expect(edited.int("lead_time_ms") == 50)
            #expect(edited.string("updated_at") == park.clock.now().iso8601)
            #expect(edited.string("created_at") != edited.string("updated_at"))

            let stale = try await park.send(
                .put, "/api/v1/annotations/\(id)", as: park.annotatorA,
                json: #"{"result":{"sentiment":"neu"},"version":1}"#)
            #expect(stale.status == .conflict)
            #expect(stale.errorCode == "stale_version")
            #expect(stale.int("error.current_version") == 2)

            let third = try await park.send(
                .put, "/api/v1/annotations/\(id)", as: park.annotatorA,
                json: #"{"result":{"sentiment":"neu"},"version":2}"#)
            #expect(third.status == .ok)
            #expect(third.int("version") == 3)

            let revisions = try await park.send(.get, "/api/v1/annotations/\(id)/revisions", as: park.annotatorA)
            #expect(revisions.status == .ok)
            #expect((revisions.array("revisions") ?? []).compactMap { lookUp("version", in: $0) as? Int } == [1, 2])
            #expect(revisions.string("revisions.0.result.sentiment") == "pos")
            #expect(revisions.string("revisions.1.result.sentiment") == "neg")
            #expect(revisions.int("revisions.1.lead_time_ms") == 50)

            let byManager = try await park.send(.get, "/api/v1/annotations/\(id)/revisions", as: park.managerA)
            #expect(byManager.status == .ok)
            #expect(byManager.array("revisions")?.count == 2)
        }
    }

    @Test("PUT /annotations/{id} refuses bad bodies, other people and unknown ids")
    func editRefusals() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let worker = try await park.makeAnnotator("worker")
            let (_, id) = try await park.annotate(project, as: park.annotatorA)
            let path = "/api/v1/annotations/\(id)"

            let invalid: [(String, String)] = [
                (#"{"result":{"sentiment":"meh"},"version":1}"#, "result.sentiment"),
                (#"{"result":{"sentiment":"pos"}}"#, "version"),
                (#"{"result":{"sentiment":"pos"},"version":0}"#, "version"),
                (#"{"version":1}"#, "result"),
            ]
            for (body, field) in invalid {
                let reply = try await park.send(.put, path, as: park.annotatorA, json: body)
                #expect(reply.status == .unprocessableContent, "\(body)")
                #expect(reply.errorField == field, "\(body)")
            }

            let body = #"{"result":{"sentiment":"neg"},"version":1}"#
            let byManager = try await park.send(.put, path, as: park.managerA, json: body)
            #expect(byManager.status == .forbidden)
            #expect(byManager.errorCode == "forbidden")

            let byWorker = try await park.send(.put, path, as: worker, json: body)
            #expect(byWorker.status == .notFound)

            let missing = try await park.send(.put, "/api/v1/annotations/999999", as: park.annotatorA, json: body)
            #expect(missing.status == .notFound)

            let revisionsByWorker = try await park.send(.get, "\(path)/revisions", as: worker)
            #expect(revisionsByWorker.status == .notFound)

            // None of the refusals changed the annotation.
            let current = try await park.send(.get, path, as: park.annotatorA)
            #expect(current.int("version") == 1)
            #expect(current.string("result.sentiment") == "pos")
        }
    }
}
