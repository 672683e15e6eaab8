import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Tenancy: another organization's objects are 404, never 403")
struct TenancyRouteTests {
    /// One request a probing tenant sends.
    struct Probe: Sendable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        var json: String?
        var body: [UInt8]?
        var contentType: String?

        var description: String { "\(method) \(path)" }
    }

    /// Manager A's project with a submitted annotation and a live lease held by annotator A.
    struct OwnedWork: Sendable {
        let project: Int
        let annotatedTask: Int
        let annotation: Int
        let heldLease: ClaimedTask
    }

    static func makeOwnedWork(in park: TestPark) async throws -> OwnedWork {
        let project = try await park.makeProject(texts: ["first", "second"])
        let (claim, annotation) = try await park.annotate(project, as: park.annotatorA)
        let held = try await park.claim(project, as: park.annotatorA)
        return OwnedWork(project: project, annotatedTask: claim.taskID, annotation: annotation, heldLease: held)
    }

    static func probes(of work: OwnedWork, vendor: Int) -> [Probe] {
        let p = work.project
        let submit = #"{"lease_token":"\#(work.heldLease.leaseToken)","result":{"sentiment":"pos"}}"#
        return [
            Probe(method: .get, path: "/api/v1/projects/\(p)"),
            Probe(method: .get, path: "/api/v1/projects/\(p)/progress"),
            Probe(method: .post, path: "/api/v1/projects/\(p)/grants", json: #"{"organization_id":\#(vendor)}"#),
            Probe(
                method: .post, path: "/api/v1/projects/\(p)/tasks", body: Array(#"{"text":"planted"}"#.utf8),
                contentType: "application/x-ndjson"),
            // Neither a bad media type nor a bad format may reveal that the project exists.
            Probe(method: .post, path: "/api/v1/projects/\(p)/tasks", body: Array("x".utf8), contentType: "text/plain"),
            Probe(method: .get, path: "/api/v1/projects/\(p)/export"),
            Probe(method: .get, path: "/api/v1/projects/\(p)/export?format=csv"),
            Probe(method: .get, path: "/api/v1/projects/\(p)/export?format=xml"),
            Probe(method: .post, path: "/api/v1/projects/\(p)/next"),
            Probe(method: .get, path: "/api/v1/tasks/\(work.annotatedTask)"),
            Probe(method: .get, path: "/api/v1/tasks/\(work.heldLease.taskID)"),
            Probe(method: .get, path: "/api/v1/annotations/\(work.annotation)"),
            Probe(method: .get, path: "/api/v1/annotations/\(work.annotation)/revisions"),
            Probe(
                method: .put, path: "/api/v1/annotations/\(work.annotation)",
                json: #"{"result":{"sentiment":"neg"},"version":1}"#),
            Probe(method: .post, path: "/api/v1/leases/\(work.heldLease.leaseToken)/renew"),
            Probe(method: .delete, path: "/api/v1/leases/\(work.heldLease.leaseToken)"),
            Probe(method: .post, path: "/api/v1/tasks/\(work.heldLease.taskID)/annotations", json: submit),
        ]
    }

    @Test("Manager B probing client A's project, tasks, annotations and leases gets 404 every time")
    func managerOfAnotherClient() async throws {
        try await withTestPark { park in
            let work = try await Self.makeOwnedWork(in: park)
            for probe in Self.probes(of: work, vendor: park.vendor) {
                let reply = try await park.send(
                    probe.method, probe.path, as: park.managerB, json: probe.json, body: probe.body,
                    contentType: probe.contentType)
                #expect(reply.status == .notFound, "\(probe): \(reply.text)")
                #expect(reply.errorCode == "not_found", "\(probe)")
            }
            try await Self.expectUntouched(work, in: park)
        }
    }

    @Test("The 404 for another tenant's object is byte-for-byte the 404 for an id that never existed")
    func noExistenceOracle() async throws {
        try await withTestPark { park in
            let work = try await Self.makeOwnedWork(in: park)
            let pairs: [(String, String)] = [
                ("/api/v1/projects/\(work.project)", "/api/v1/projects/999999"),
                ("/api/v1/projects/\(work.project)/progress", "/api/v1/projects/999999/progress"),
                ("/api/v1/projects/\(work.project)/export", "/api/v1/projects/999999/export"),
                ("/api/v1/tasks/\(work.annotatedTask)", "/api/v1/tasks/999999"),
                ("/api/v1/annotations/\(work.annotation)", "/api/v1/annotations/999999"),
            ]
            for (existing, missing) in pairs {
                let probed = try await park.send(.get, existing, as: park.managerB)
                let absent = try await park.send(.get, missing, as: park.managerB)
                #expect(probed.status == absent.status, "\(existing)")
                #expect(probed.text == absent.text, "\(existing)")
            }
            let leaseProbe = try await park.send(
                .post, "/api/v1/leases/\(work.heldLease.leaseToken)/renew", as: park.managerB)
            let leaseAbsent = try await park.send(
                .post, "/api/v1/leases/0123456789abcdef0123456789abcdef/renew", as: park.managerB)
            #expect(leaseProbe.text == leaseAbsent.text)
        }
    }

    @Test("Lists never show another tenant's projects, annotations or members")
    func listsAreScoped() async throws {
        try await withTestPark { park in
            _ = try await Self.makeOwnedWork(in: park)
            let projects = try await park.send(.get, "/api/v1/projects", as: park.managerB)
            #expect(projects.array("projects")?.isEmpty == true)
            let annotations = try await park.send(.get, "/api/v1/annotations", as: park.managerB)
            #expect(annotations.array("annotations")?.isEmpty == true)
            let organizations = try await park.send(.get, "/api/v1/organizations", as: park.managerB)
            #expect(organizations.array("organizations")?.count == 1)
            #expect(organizations.int("organizations.0.id") == park.clientB)
            for path in ["members", "workplaces"] {
                let reply = try await park.send(
                    .get, "/api/v1/organizations/\(park.clientA)/\(path)", as: park.managerB)
                #expect(reply.status == .notFound, "\(path)")
            }
        }
    }

    @Test("A vendor's annotator sees nothing before the grant, then works but never manages")
    func vendorAnnotator() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["vendor task"])
            let vendor = park.vendorAnnotator

            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/projects/\(project)"), (.post, "/api/v1/projects/\(project)/next"),
                (.get, "/api/v1/projects/\(project)/progress"), (.get, "/api/v1/projects/\(project)/export"),
            ] {
                let reply = try await park.send(method, path, as: vendor)
                #expect(reply.status == .notFound, "before grant: \(method) \(path)")
            }
            let importBefore = try await park.importNDJSON([#"{"text":"x"}"#], into: project, as: vendor)
            #expect(importBefore.status == .notFound)
            #expect(try await park.send(.get, "/api/v1/projects", as: vendor).array("projects")?.isEmpty == true)

            let grant = try await park.send(
                .post, "/api/v1/projects/\(project)/grants", as: park.managerA,
                json: #"{"organization_id":\#(park.vendor)}"#)
            try #require(grant.status == .created)

            let show = try await park.send(.get, "/api/v1/projects/\(project)", as: vendor)
            #expect(show.status == .ok)
            #expect(show.bool("can_manage") == false)

            let claim = try await park.claim(project, as: vendor)
            let task = try await park.send(.get, "/api/v1/tasks/\(claim.taskID)", as: vendor)
            #expect(task.status == .ok)
            #expect(task.string("data.text") == "vendor task")
            let submitted = try await park.submit(claim, as: vendor)
            #expect(submitted.status == .created)
            let id = try #require(submitted.int("id"))
            let edited = try await park.send(
                .put, "/api/v1/annotations/\(id)", as: vendor, json: #"{"result":{"sentiment":"neg"},"version":1}"#)
            #expect(edited.status == .ok)

            let importAfter = try await park.importNDJSON([#"{"text":"x"}"#], into: project, as: vendor)
            #expect(importAfter.status == .forbidden)
            #expect(importAfter.errorCode == "forbidden")
            for path in ["/api/v1/projects/\(project)/export", "/api/v1/projects/\(project)/progress"] {
                let reply = try await park.send(.get, path, as: vendor)
                #expect(reply.status == .forbidden, "\(path)")
                #expect(reply.errorCode == "forbidden", "\(path)")
            }
            let regrant = try await park.send(
                .post, "/api/v1/projects/\(project)/grants", as: vendor, json: #"{"organization_id":\#(park.vendor)}"#)
            #expect(regrant.status == .forbidden)

            // The owner sees the vendor's work.
            let byOwner = try await park.send(.get, "/api/v1/annotations/\(id)", as: park.managerA)
            #expect(byOwner.status == .ok)
            #expect(byOwner.int("annotator_id") == vendor.userID)
            let export = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            #expect(
                lookUp("0.annotations.0.annotator", in: ndjsonObjects(export.text)) as? String == "annotator@v.test")
            #expect(try await park.progress(project).int("tasks") == 1)
        }
    }

    @Test("A grant to one vendor does not open the project to another tenant")
    func grantIsScoped() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            _ = try await park.send(
                .post, "/api/v1/projects/\(project)/grants", as: park.managerA,
                json: #"{"organization_id":\#(park.vendor)}"#)
            let reply = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.managerB)
            #expect(reply.status == .notFound)
        }
    }

    /// Asserts the probes changed nothing: same tasks, the annotation at version 1, the lease still live.
    static func expectUntouched(_ work: OwnedWork, in park: TestPark) async throws {
        let progress = try await park.progress(work.project)
        #expect(progress.int("tasks") == 2)
        #expect(progress.int("annotations") == 1)
        #expect(progress.int("slots.leased") == 1)
        let annotation = try await park.send(.get, "/api/v1/annotations/\(work.annotation)", as: park.annotatorA)
        #expect(annotation.int("version") == 1)
        let renewed = try await park.send(
            .post, "/api/v1/leases/\(work.heldLease.leaseToken)/renew", as: park.annotatorA)
        #expect(renewed.status == .ok)
        let vendorView = try await park.send(.get, "/api/v1/projects", as: park.vendorAnnotator)
        #expect(vendorView.array("projects")?.isEmpty == true)
    }
}
