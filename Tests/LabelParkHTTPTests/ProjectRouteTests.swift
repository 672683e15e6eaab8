import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Projects, progress and grants")
struct ProjectRouteTests {
    @Test("POST /projects creates a project in the manager's client organization")
    func create() async throws {
        try await withTestPark { park in
            let reply = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json:
                    #"{"name":"Reviews","description":"Movie reviews","schema":\#(sentimentSchemaJSON),"overlap":3,"lease_seconds":120}"#
            )
            #expect(reply.status == .created)
            #expect(reply.int("id") != nil)
            #expect(reply.int("organization_id") == park.clientA)
            #expect(reply.string("name") == "Reviews")
            #expect(reply.string("description") == "Movie reviews")
            #expect(reply.int("overlap") == 3)
            #expect(reply.int("lease_seconds") == 120)
            #expect(reply.string("your_role") == "manager")
            #expect(reply.bool("can_manage") == true)
            #expect(reply.string("schema.fields.0.name") == "text")
            #expect(reply.string("schema.questions.0.name") == "sentiment")
            #expect(reply.string("schema.questions.1.type") == "spans")
            #expect(reply.string("created_at") == park.clock.now().iso8601)
        }
    }

    @Test("Overlap and lease length default to 1 and 600 seconds")
    func createDefaults() async throws {
        try await withTestPark { park in
            let reply = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Defaults","schema":\#(sentimentSchemaJSON)}"#)
            #expect(reply.status == .created)
            #expect(reply.int("overlap") == 1)
            #expect(reply.int("lease_seconds") == 600)
            #expect(reply.string("description") == "")
        }
    }

    @Test(
        "POST /projects names the field it refuses",
        arguments: [
            (#"{"schema":SCHEMA}"#, "name"),
            (#"{"name":"   ","schema":SCHEMA}"#, "name"),
            (#"{"name":42,"schema":SCHEMA}"#, "name"),
            (#"{"name":"P"}"#, "schema"),
            (#"{"name":"P","schema":[]}"#, "schema"),
            (#"{"name":"P","schema":{"fields":[],"questions":[]}}"#, "schema.questions"),
            (
                #"{"name":"P","schema":{"fields":[],"questions":[{"name":"q","type":"essay"}]}}"#,
                "schema.questions[0].type"
            ),
            (
                #"{"name":"P","schema":{"fields":[],"questions":[{"name":"e","type":"spans","field":"text","labels":["X"]}]}}"#,
                "schema.questions[0].field"
            ),
            (
                #"{"name":"P","schema":{"fields":[],"questions":[{"name":"q","type":"choice","options":[]}]}}"#,
                "schema.questions[0].options"
            ),
            (#"{"name":"P","schema":SCHEMA,"overlap":0}"#, "overlap"),
            (#"{"name":"P","schema":SCHEMA,"overlap":101}"#, "overlap"),
            (#"{"name":"P","schema":SCHEMA,"overlap":"2"}"#, "overlap"),
            (#"{"name":"P","schema":SCHEMA,"overlap":1.5}"#, "overlap"),
            (#"{"name":"P","schema":SCHEMA,"lease_seconds":0}"#, "lease_seconds"),
            (#"{"name":"P","schema":SCHEMA,"lease_seconds":86401}"#, "lease_seconds"),
            (#"{"name":"P","schema":SCHEMA,"description":7}"#, "description"),
        ])
    func createValidation(body: String, field: String) async throws {
        try await withTestPark { park in
            let reply = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: body.replacingOccurrences(of: "SCHEMA", with: sentimentSchemaJSON))
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorCode == "invalid")
            #expect(reply.errorField == field)
            let list = try await park.send(.get, "/api/v1/projects", as: park.managerA)
            #expect(list.array("projects")?.isEmpty == true)
        }
    }

    @Test("POST /projects refuses malformed JSON, non-objects and oversized bodies")
    func createBadBodies() async throws {
        try await withTestPark { park in
            let malformed = try await park.send(.post, "/api/v1/projects", as: park.managerA, json: #"{"name":"P",}"#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "invalid_json")

            let duplicateKey = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"P","name":"Q","schema":\#(sentimentSchemaJSON)}"#)
            #expect(duplicateKey.status == .badRequest)
            #expect(duplicateKey.errorCode == "invalid_json")

            let array = try await park.send(.post, "/api/v1/projects", as: park.managerA, json: "[]")
            #expect(array.status == .badRequest)
            #expect(array.errorCode == "bad_request")

            let empty = try await park.send(
                .post, "/api/v1/projects", as: park.managerA, body: [], contentType: "application/json")
            #expect(empty.status == .badRequest)
            #expect(empty.errorCode == "invalid_json")

            let huge =
                #"{"name":"P","schema":\#(sentimentSchemaJSON),"description":"\#(String(repeating: "d", count: 1 << 20))"}"#
            let tooLarge = try await park.send(.post, "/api/v1/projects", as: park.managerA, json: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.errorCode == "payload_too_large")
        }
    }

    @Test("Who may create a project, and in which organization")
    func createPermissions() async throws {
        try await withTestPark { park in
            let body = #"{"name":"P","schema":\#(sentimentSchemaJSON)}"#
            // An annotator manages no organization, so there is none to default to.
            let annotator = try await park.send(.post, "/api/v1/projects", as: park.annotatorA, json: body)
            #expect(annotator.status == .unprocessableContent)
            #expect(annotator.errorField == "organization_id")

            let annotatorNamed = try await park.send(
                .post, "/api/v1/projects", as: park.annotatorA,
                json: #"{"name":"P","schema":\#(sentimentSchemaJSON),"organization_id":\#(park.clientA)}"#)
            #expect(annotatorNamed.status == .forbidden)
            #expect(annotatorNamed.errorCode == "forbidden")

            let otherTenant = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"P","schema":\#(sentimentSchemaJSON),"organization_id":\#(park.clientB)}"#)
            #expect(otherTenant.status == .notFound)
            #expect(otherTenant.errorCode == "not_found")

            let missingOrganization = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"P","schema":\#(sentimentSchemaJSON),"organization_id":999999}"#)
            #expect(missingOrganization.status == .notFound)

            let vendorAnnotator = try await park.send(.post, "/api/v1/projects", as: park.vendorAnnotator, json: body)
            #expect(vendorAnnotator.status == .unprocessableContent)
            #expect(vendorAnnotator.errorField == "organization_id")
        }
    }

    @Test(
        "A vendor's manager cannot make the vendor own a project by naming it")
    func vendorsOwnNoProjects() async throws {
        try await withTestPark { park in
            let vendorManager = try await park.makePerson("manager@v.test", in: park.fixture.vendor, role: .manager)
            let defaulted = try await park.send(
                .post, "/api/v1/projects", as: vendorManager, json: #"{"name":"P","schema":\#(sentimentSchemaJSON)}"#)
            #expect(defaulted.status == .unprocessableContent)
            #expect(defaulted.errorField == "organization_id")

            let named = try await park.send(
                .post, "/api/v1/projects", as: vendorManager,
                json: #"{"name":"P","schema":\#(sentimentSchemaJSON),"organization_id":\#(park.vendor)}"#)
            #expect(named.status == .unprocessableContent || named.status == .forbidden, "\(named.text)")
        }
    }

    @Test("GET /projects and /projects/{id} show the caller's projects with the caller's role")
    func listAndShow() async throws {
        try await withTestPark { park in
            let first = try await park.createProject(as: park.managerA, name: "First")
            let second = try await park.createProject(as: park.managerA, name: "Second")

            let list = try await park.send(.get, "/api/v1/projects", as: park.annotatorA)
            #expect(list.status == .ok)
            #expect(list.array("projects")?.count == 2)
            #expect(list.int("projects.0.id") == second)
            #expect(list.int("projects.1.id") == first)
            #expect(list.string("projects.0.your_role") == "annotator")
            #expect(list.bool("projects.0.can_manage") == false)

            let show = try await park.send(.get, "/api/v1/projects/\(first)", as: park.managerA)
            #expect(show.status == .ok)
            #expect(show.string("name") == "First")
            #expect(show.bool("can_manage") == true)

            let otherList = try await park.send(.get, "/api/v1/projects", as: park.managerB)
            #expect(otherList.array("projects")?.isEmpty == true)

            for id in ["999999", "abc", "0", "-3", "1.0", "\(first)x"] {
                let missing = try await park.send(.get, "/api/v1/projects/\(id)", as: park.managerA)
                #expect(missing.status == .notFound, "\(id)")
                #expect(missing.errorCode == "not_found", "\(id)")
            }
        }
    }

    @Test("GET /projects/{id}/progress counts tasks, slots, annotations and annotators")
    func progress() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["one", "two", "three"], overlap: 2)
            let fresh = try await park.progress(project)
            #expect(fresh.int("tasks") == 3)
            #expect(fresh.int("slots.total") == 6)
            #expect(fresh.int("slots.open") == 6)
            #expect(fresh.int("slots.leased") == 0)
            #expect(fresh.int("slots.submitted") == 0)
            #expect(fresh.int("completed_tasks") == 0)
            #expect(fresh.array("annotators")?.isEmpty == true)

            _ = try await park.annotate(project, as: park.annotatorA)
            let held = try await park.claim(project, as: park.annotatorA)
            let worker = try await park.makeAnnotator("worker")
            _ = try await park.annotate(project, as: worker)

            let later = try await park.progress(project)
            #expect(later.int("slots.open") == 3)
            #expect(later.int("slots.leased") == 1)
            #expect(later.int("slots.submitted") == 2)
            #expect(later.int("annotations") == 2)
            #expect(later.int("late_annotations") == 0)
            // Slots go out breadth-first (every task's first slot before any second one): nothing is complete yet.
            #expect(later.int("completed_tasks") == 0)
            #expect(later.array("annotators")?.count == 2)

            // The worker's second claim is the first task's second slot, which completes it.
            #expect(try await park.submit(held, as: park.annotatorA).status == .created)
            _ = try await park.annotate(project, as: worker)
            let finished = try await park.progress(project)
            #expect(finished.int("completed_tasks") == 1)
            #expect(finished.int("slots.submitted") == 4)
            #expect(finished.int("annotators.0.annotations") == 2)

            let byAnnotator = try await park.send(.get, "/api/v1/projects/\(project)/progress", as: park.annotatorA)
            #expect(byAnnotator.status == .forbidden)
            #expect(byAnnotator.errorCode == "forbidden")

            let missing = try await park.send(.get, "/api/v1/projects/999999/progress", as: park.managerA)
            #expect(missing.status == .notFound)
        }
    }

    @Test("POST /projects/{id}/grants lets a vendor's annotators see the project")
    func grant() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let path = "/api/v1/projects/\(project)/grants"

            let byAnnotator = try await park.send(
                .post, path, as: park.annotatorA, json: #"{"organization_id":\#(park.vendor)}"#)
            #expect(byAnnotator.status == .forbidden)

            let toClient = try await park.send(
                .post, path, as: park.managerA, json: #"{"organization_id":\#(park.clientB)}"#)
            #expect(toClient.status == .notFound)

            let toNowhere = try await park.send(.post, path, as: park.managerA, json: #"{"organization_id":999999}"#)
            #expect(toNowhere.status == .notFound)

            let noOrganization = try await park.send(.post, path, as: park.managerA, json: "{}")
            #expect(noOrganization.status == .unprocessableContent)
            #expect(noOrganization.errorField == "organization_id")

            let badOrganization = try await park.send(.post, path, as: park.managerA, json: #"{"organization_id":"3"}"#)
            #expect(badOrganization.status == .unprocessableContent)
            #expect(badOrganization.errorField == "organization_id")

            let granted = try await park.send(
                .post, path, as: park.managerA, json: #"{"organization_id":\#(park.vendor)}"#)
            #expect(granted.status == .created)
            #expect(granted.int("project_id") == project)
            #expect(granted.int("organization_id") == park.vendor)

            let again = try await park.send(
                .post, path, as: park.managerA, json: #"{"organization_id":\#(park.vendor)}"#)
            #expect(again.status == .created)

            let vendorView = try await park.send(.get, "/api/v1/projects", as: park.vendorAnnotator)
            #expect(vendorView.array("projects")?.count == 1)
            #expect(vendorView.int("projects.0.id") == project)
            #expect(vendorView.string("projects.0.your_role") == "annotator")
            #expect(vendorView.bool("projects.0.can_manage") == false)

            let missingProject = try await park.send(
                .post, "/api/v1/projects/999999/grants", as: park.managerA,
                json: #"{"organization_id":\#(park.vendor)}"#)
            #expect(missingProject.status == .notFound)
        }
    }
}
