import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("The work queue: claims, renewals, releases and lapsed leases")
struct QueueRouteTests {
    @Test("POST /projects/{id}/next hands out a task and a lease that ends lease_seconds from now")
    func claim() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["only task"], leaseSeconds: 90)
            let reply = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            #expect(reply.status == .ok)
            #expect(reply.int("task.id") != nil)
            #expect(reply.int("task.project_id") == project)
            #expect(reply.string("task.data.text") == "only task")
            let token = try #require(reply.string("lease.token"))
            #expect(LeaseToken(parsing: token) != nil)
            #expect(reply.string("lease.expires_at") == park.clock.now().adding(seconds: 90).iso8601)
        }
    }

    @Test("next answers 204 with no body once nothing is left for the caller")
    func nothingLeft() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["only task"])
            let worker = try await park.makeAnnotator("worker")
            _ = try await park.claim(project, as: park.annotatorA)

            let forWorker = try await park.send(.post, "/api/v1/projects/\(project)/next", as: worker)
            #expect(forWorker.status == .noContent)
            #expect(forWorker.bytes.isEmpty)

            // The holder is not handed a second slot of the task it holds.
            let forHolder = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            #expect(forHolder.status == .noContent)

            let empty = try await park.createProject(as: park.managerA, name: "Empty")
            let fromEmpty = try await park.send(.post, "/api/v1/projects/\(empty)/next", as: worker)
            #expect(fromEmpty.status == .noContent)
        }
    }

    @Test("An annotator who found the queue empty is handed a slot once another lease expires")
    func emptyQueueRefillsOnExpiry() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["contested"], leaseSeconds: 60)
            let worker = try await park.makeAnnotator("worker")
            let first = try await park.claim(project, as: park.annotatorA)
            let empty = try await park.send(.post, "/api/v1/projects/\(project)/next", as: worker)
            #expect(empty.status == .noContent)

            park.clock.advance(seconds: 60)
            let refilled = try await park.claim(project, as: worker)
            #expect(park.realTaskID(of: refilled, by: worker) == park.realTaskID(of: first, by: park.annotatorA))
        }
    }

    @Test("next on an unknown project is 404")
    func claimUnknownProject() async throws {
        try await withTestPark { park in
            for id in ["999999", "x", "0"] {
                let reply = try await park.send(.post, "/api/v1/projects/\(id)/next", as: park.annotatorA)
                #expect(reply.status == .notFound, "\(id)")
                #expect(reply.errorCode == "not_found", "\(id)")
            }
        }
    }

    @Test("POST /leases/{token}/renew extends a live lease from now")
    func renew() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(leaseSeconds: 60)
            let claim = try await park.claim(project, as: park.annotatorA)
            park.clock.advance(seconds: 45)
            let reply = try await park.send(.post, "/api/v1/leases/\(claim.leaseToken)/renew", as: park.annotatorA)
            #expect(reply.status == .ok)
            #expect(reply.string("expires_at") == park.clock.now().adding(seconds: 60).iso8601)

            // Renewed, the lease outlives its first expiry.
            park.clock.advance(seconds: 30)
            let submitted = try await park.submit(claim, as: park.annotatorA)
            #expect(submitted.status == .created)
            #expect(submitted.bool("late") == false)
        }
    }

    @Test("DELETE /leases/{token} gives the slot back; the token is then spent")
    func release() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let worker = try await park.makeAnnotator("worker")
            let claim = try await park.claim(project, as: park.annotatorA)

            let released = try await park.send(.delete, "/api/v1/leases/\(claim.leaseToken)", as: park.annotatorA)
            #expect(released.status == .noContent)
            #expect(released.bytes.isEmpty)
            #expect(try await park.progress(project).int("slots.open") == 1)

            let again = try await park.send(.delete, "/api/v1/leases/\(claim.leaseToken)", as: park.annotatorA)
            #expect(again.status == .conflict)
            #expect(again.errorCode == "lease_lapsed")

            let renewSpent = try await park.send(.post, "/api/v1/leases/\(claim.leaseToken)/renew", as: park.annotatorA)
            #expect(renewSpent.status == .conflict)
            #expect(renewSpent.errorCode == "lease_lapsed")

            let reclaimed = try await park.claim(project, as: worker)
            #expect(park.realTaskID(of: reclaimed, by: worker) == park.realTaskID(of: claim, by: park.annotatorA))
            #expect(reclaimed.leaseToken != claim.leaseToken)
        }
    }

    @Test("Someone else's lease, an unknown token and a malformed token are all 404")
    func unknownLeases() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let worker = try await park.makeAnnotator("worker")
            let claim = try await park.claim(project, as: park.annotatorA)

            for token in [claim.leaseToken, "0123456789abcdef0123456789abcdef", "not-a-token", "../../etc/passwd"] {
                let escaped = token.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? token
                for (method, suffix) in [(HTTPRequest.Method.post, "/renew"), (.delete, "")] {
                    let reply = try await park.send(method, "/api/v1/leases/\(escaped)\(suffix)", as: worker)
                    #expect(reply.status == .notFound, "\(method) \(token)")
                }
            }
            // Other people's probing left the lease intact.
            let renewed = try await park.send(.post, "/api/v1/leases/\(claim.leaseToken)/renew", as: park.annotatorA)
            #expect(renewed.status == .ok)
        }
    }

    @Test("An expired lease cannot be renewed, but can still be released while nobody else has the slot")
    func expiredLease() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(leaseSeconds: 60)
            let claim = try await park.claim(project, as: park.annotatorA)
            park.clock.advance(seconds: 60)

            let renew = try await park.send(.post, "/api/v1/leases/\(claim.leaseToken)/renew", as: park.annotatorA)
            #expect(renew.status == .conflict)
            #expect(renew.errorCode == "lease_lapsed")

            let release = try await park.send(.delete, "/api/v1/leases/\(claim.leaseToken)", as: park.annotatorA)
            #expect(release.status == .noContent)
            #expect(try await park.progress(project).int("slots.open") == 1)
        }
    }

    @Test("Fencing: once an expired slot is re-claimed, the first holder's token renews and releases nothing")
    func fencing() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(leaseSeconds: 60)
            let worker = try await park.makeAnnotator("worker")
            let first = try await park.claim(project, as: park.annotatorA)
            park.clock.advance(seconds: 61)
            let second = try await park.claim(project, as: worker)
            #expect(park.realTaskID(of: second, by: worker) == park.realTaskID(of: first, by: park.annotatorA))
            #expect(second.leaseToken != first.leaseToken)

            let renew = try await park.send(.post, "/api/v1/leases/\(first.leaseToken)/renew", as: park.annotatorA)
            #expect(renew.status == .conflict)
            #expect(renew.errorCode == "lease_lapsed")

            let release = try await park.send(.delete, "/api/v1/leases/\(first.leaseToken)", as: park.annotatorA)
            #expect(release.status == .conflict)
            #expect(release.errorCode == "lease_lapsed")

            // The new holder's lease is untouched by the stale token.
            let progress = try await park.progress(project)
            #expect(progress.int("slots.leased") == 1)
            let renewSecond = try await park.send(.post, "/api/v1/leases/\(second.leaseToken)/renew", as: worker)
            #expect(renewSecond.status == .ok)

            // A submission on the stale token is kept, marked late, and leaves the slot to its holder.
            let late = try await park.submit(first, as: park.annotatorA)
            #expect(late.status == .created)
            #expect(late.bool("late") == true)
            let onTime = try await park.submit(second, result: #"{"sentiment":"neg"}"#, as: worker)
            #expect(onTime.status == .created)
            #expect(onTime.bool("late") == false)
            let after = try await park.progress(project)
            #expect(after.int("slots.submitted") == 1)
            #expect(after.int("annotations") == 2)
            #expect(after.int("late_annotations") == 1)
        }
    }

    @Test("Late submission: stored as late after the lease ran out, and the slot goes to the next annotator")
    func lateSubmission() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["slow task"], leaseSeconds: 60)
            let worker = try await park.makeAnnotator("worker")
            let claim = try await park.claim(project, as: park.annotatorA)
            park.clock.advance(seconds: 61)

            let late = try await park.submit(claim, as: park.annotatorA)
            #expect(late.status == .created)
            #expect(late.bool("late") == true)
            #expect(late.int("task_id") == claim.taskID)
            let lateID = try #require(late.int("id"))

            let stored = try await park.send(.get, "/api/v1/annotations/\(lateID)", as: park.annotatorA)
            #expect(stored.status == .ok)
            #expect(stored.bool("late") == true)

            let next = try await park.claim(project, as: worker)
            #expect(park.realTaskID(of: next, by: worker) == park.realTaskID(of: claim, by: park.annotatorA))
            let onTime = try await park.submit(next, as: worker)
            #expect(onTime.status == .created)
            #expect(onTime.bool("late") == false)

            let progress = try await park.progress(project)
            #expect(progress.int("annotations") == 2)
            #expect(progress.int("late_annotations") == 1)
            #expect(progress.int("completed_tasks") == 1)
            #expect(progress.int("slots.submitted") == 1)

            // The late annotator is not offered the task it already answered.
            let again = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            #expect(again.status == .noContent)
        }
    }
}
