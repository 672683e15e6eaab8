import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Health, sign-in and identity")
struct AccountRouteTests {
    @Test("GET /healthz answers without credentials")
    func health() async throws {
        try await withTestPark { park in
            let reply = try await park.send(.get, "/healthz", as: nil)
            #expect(reply.status == .ok)
            #expect(reply.string("status") == "ok")
        }
    }

    @Test("POST /tokens exchanges a real password for a token that authenticates /me")
    func signIn() async throws {
        try await withTestPark { park in
            let hash = try await PasswordHasher(cost: 4).hash("correct horse")
            let user = try await park.store.createUser(
                email: "reader@a.test", displayName: "Reader", passwordHash: hash,
                organization: park.fixture.clientA.id,
                role: .annotator, workplace: nil)

            let signIn = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"reader@a.test","password":"correct horse"}"#)
            #expect(signIn.status == .created)
            #expect(signIn.int("user_id") == Int(user.id.rawValue))
            let token = try #require(signIn.string("token"))
            #expect(token.hasPrefix("lp_") && token.count == 67)

            let me = try await park.send(
                .get, "/api/v1/me", as: nil, headers: [.authorization: "Bearer \(token)"])
            #expect(me.status == .ok)
            #expect(me.int("user_id") == Int(user.id.rawValue))
            #expect(me.string("organizations.0.name") == "Client A")
            #expect(me.string("organizations.0.role") == "annotator")
            #expect(me.string("organizations.0.kind") == "client")
        }
    }

    @Test("Emails match case-insensitively at sign-in")
    func signInIgnoresEmailCase() async throws {
        try await withTestPark { park in
            _ = try await park.store.createUser(
                email: "reader@a.test", displayName: "Reader",
                passwordHash: try await PasswordHasher(cost: 4).hash("correct horse"),
                organization: park.fixture.clientA.id, role: .annotator, workplace: nil)
            let reply = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"Reader@A.TEST","password":"correct horse"}"#)
            #expect(reply.status == .created)
        }
    }

    @Test("Wrong passwords, unknown emails and unverifiable hashes are all 401 bad_credentials")
    func signInFailures() async throws {
        try await withTestPark { park in
            _ = try await park.store.createUser(
                email: "reader@a.test", displayName: "Reader",
                passwordHash: try await PasswordHasher(cost: 4).hash("correct horse"),
                organization: park.fixture.clientA.id, role: .annotator, workplace: nil)
            let attempts = [
                #"{"email":"reader@a.test","password":"wrong horse"}"#,
                #"{"email":"nobody@a.test","password":"correct horse"}"#,
                #"{"email":"' OR 1=1 --","password":"x"}"#,
                // The fixture's people carry a placeholder hash that no password matches.
                #"{"email":"manager@a.test","password":"anything at all"}"#,
            ]
            for body in attempts {
                let reply = try await park.send(.post, "/api/v1/tokens", as: nil, json: body)
                #expect(reply.status == .unauthorized, "\(body)")
                #expect(reply.errorCode == "bad_credentials", "\(body)")
            }
        }
    }

    @Test("POST /tokens names the missing or malformed field")
    func signInValidation() async throws {
        try await withTestPark { park in
            let missingPassword = try await park.send(.post, "/api/v1/tokens", as: nil, json: #"{"email":"a@a.test"}"#)
            #expect(missingPassword.status == .unprocessableContent)
            #expect(missingPassword.errorCode == "invalid")
            #expect(missingPassword.errorField == "password")

            let emptyEmail = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"  ","password":"x"}"#)
            #expect(emptyEmail.status == .unprocessableContent)
            #expect(emptyEmail.errorField == "email")

            let numberPassword = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"a@a.test","password":12345678}"#)
            #expect(numberPassword.status == .unprocessableContent)
            #expect(numberPassword.errorField == "password")

            let malformed = try await park.send(.post, "/api/v1/tokens", as: nil, json: #"{"email":"#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "invalid_json")

            let notAnObject = try await park.send(.post, "/api/v1/tokens", as: nil, json: #"["a@a.test","x"]"#)
            #expect(notAnObject.status == .badRequest)
            #expect(notAnObject.errorCode == "bad_request")
        }
    }

    @Test(
        "Every API v1 route refuses a request without a bearer token",
        arguments: [
            (HTTPRequest.Method.get, "/api/v1/me"),
            (.get, "/api/v1/organizations"), (.post, "/api/v1/organizations"),
            (.get, "/api/v1/organizations/1/workplaces"), (.post, "/api/v1/organizations/1/workplaces"),
            (.get, "/api/v1/organizations/1/members"), (.post, "/api/v1/organizations/1/members"),
            (.get, "/api/v1/projects"), (.post, "/api/v1/projects"), (.get, "/api/v1/projects/1"),
            (.get, "/api/v1/projects/1/progress"), (.post, "/api/v1/projects/1/grants"),
            (.post, "/api/v1/projects/1/tasks"), (.get, "/api/v1/tasks/1"), (.post, "/api/v1/projects/1/next"),
            (.post, "/api/v1/leases/0123456789abcdef0123456789abcdef/renew"),
            (.delete, "/api/v1/leases/0123456789abcdef0123456789abcdef"),
            (.post, "/api/v1/tasks/1/annotations"), (.get, "/api/v1/annotations"), (.get, "/api/v1/annotations/1"),
            (.put, "/api/v1/annotations/1"), (.get, "/api/v1/annotations/1/revisions"),
            (.get, "/api/v1/projects/1/export"),
        ])
    func unauthenticated(method: HTTPRequest.Method, path: String) async throws {
        try await withTestPark { park in
            let reply = try await park.send(method, path, as: nil, json: "{}")
            #expect(reply.status == .unauthorized)
            #expect(reply.errorCode == "unauthenticated")
            #expect(reply.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test(
        "Malformed, unknown and oversized credentials are 401 unauthenticated",
        arguments: [
            "Bearer lp_0000000000000000000000000000000000000000000000000000000000000000",
            "Basic bWFuYWdlckBhLnRlc3Q6eA==",
            "Bearer",
            "",
            "Bearer " + String(repeating: "x", count: 10_000),
        ])
    func badCredentials(authorization: String) async throws {
        try await withTestPark { park in
            let reply = try await park.send(.get, "/api/v1/me", as: nil, headers: [.authorization: authorization])
            #expect(reply.status == .unauthorized)
            #expect(reply.errorCode == "unauthenticated")
            #expect(reply.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test("The bearer scheme is case-insensitive")
    func bearerSchemeCase() async throws {
        try await withTestPark { park in
            let reply = try await park.send(
                .get, "/api/v1/me", as: nil, headers: [.authorization: "bearer \(park.managerA.token)"])
            #expect(reply.status == .ok)
            #expect(reply.int("user_id") == park.managerA.userID)
        }
    }

    @Test("GET /organizations lists only the caller's organizations, with the caller's role")
    func listOrganizations() async throws {
        try await withTestPark { park in
            let reply = try await park.send(.get, "/api/v1/organizations", as: park.managerA)
            #expect(reply.status == .ok)
            let organizations = try #require(reply.array("organizations"))
            #expect(organizations.count == 1)
            #expect(reply.int("organizations.0.id") == park.clientA)
            #expect(reply.string("organizations.0.role") == "manager")
        }
    }

    @Test("Only the operator's admins create organizations")
    func createOrganization() async throws {
        try await withTestPark { park in
            let denied = try await park.send(
                .post, "/api/v1/organizations", as: park.managerA, json: #"{"name":"Vendor W","kind":"vendor"}"#)
            #expect(denied.status == .forbidden)
            #expect(denied.errorCode == "forbidden")

            let root = try await park.makeOperatorAdmin()
            let created = try await park.send(
                .post, "/api/v1/organizations", as: root, json: #"{"name":"Vendor W","kind":"vendor"}"#)
            #expect(created.status == .created)
            #expect(created.string("name") == "Vendor W")
            #expect(created.string("kind") == "vendor")
            #expect(created.int("id") != nil)

            let duplicate = try await park.send(
                .post, "/api/v1/organizations", as: root, json: #"{"name":"Vendor W","kind":"client"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorCode == "duplicate_name")

            let operatorKind = try await park.send(
                .post, "/api/v1/organizations", as: root, json: #"{"name":"Second Operator","kind":"operator"}"#)
            #expect(operatorKind.status == .unprocessableContent)
            #expect(operatorKind.errorField == "kind")

            let noName = try await park.send(.post, "/api/v1/organizations", as: root, json: #"{"kind":"client"}"#)
            #expect(noName.status == .unprocessableContent)
            #expect(noName.errorField == "name")
        }
    }

    @Test("Workplaces: members list them, only admins add them, other tenants get 404")
    func workplaces() async throws {
        try await withTestPark { park in
            let path = "/api/v1/organizations/\(park.clientA)/workplaces"
            let adminA = try await park.makePerson("admin@a.test", in: park.fixture.clientA, role: .admin)
            let body = #"{"name":"Harbour office","county":"Tallinn"}"#

            let empty = try await park.send(.get, path, as: park.managerA)
            #expect(empty.status == .ok)
            #expect(empty.array("workplaces")?.isEmpty == true)

            let byManager = try await park.send(.post, path, as: park.managerA, json: body)
            #expect(byManager.status == .forbidden)
            #expect(byManager.errorCode == "forbidden")

            let created = try await park.send(.post, path, as: adminA, json: body)
            #expect(created.status == .created)
            #expect(created.string("name") == "Harbour office")
            #expect(created.string("county") == "Tallinn")
            #expect(created.int("organization_id") == park.clientA)

            let duplicate = try await park.send(.post, path, as: adminA, json: body)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorCode == "duplicate_name")

            let noCounty = try await park.send(.post, path, as: adminA, json: #"{"name":"Annex"}"#)
            #expect(noCounty.status == .unprocessableContent)
            #expect(noCounty.errorField == "county")

            let listed = try await park.send(.get, path, as: park.annotatorA)
            #expect(listed.status == .ok)
            #expect(listed.string("workplaces.0.name") == "Harbour office")

            for (method, payload) in [(HTTPRequest.Method.get, nil), (.post, body)] as [(HTTPRequest.Method, String?)] {
                let foreign = try await park.send(method, path, as: park.managerB, json: payload)
                #expect(foreign.status == .notFound)
                #expect(foreign.errorCode == "not_found")
            }
            for id in ["999999", "abc", "0", "-1"] {
                let missing = try await park.send(.get, "/api/v1/organizations/\(id)/workplaces", as: adminA)
                #expect(missing.status == .notFound, "\(id)")
            }
        }
    }

    @Test("Members: admins add people who can then sign in; duplicates and bad fields are refused")
    func members() async throws {
        try await withTestPark { park in
            let path = "/api/v1/organizations/\(park.clientA)/members"
            let adminA = try await park.makePerson("admin@a.test", in: park.fixture.clientA, role: .admin)

            let listed = try await park.send(.get, path, as: park.managerA)
            #expect(listed.status == .ok)
            let emails = (listed.array("members") ?? []).compactMap { lookUp("email", in: $0) as? String }
            #expect(emails.contains("manager@a.test"))
            #expect(emails.contains("annotator@a.test"))
            #expect(!emails.contains("manager@b.test"))

            let body = #"{"email":"new@a.test","name":"New Person","password":"long enough","role":"reviewer"}"#
            let byManager = try await park.send(.post, path, as: park.managerA, json: body)
            #expect(byManager.status == .forbidden)

            let created = try await park.send(.post, path, as: adminA, json: body)
            #expect(created.status == .created)
            #expect(created.string("email") == "new@a.test")
            #expect(created.string("role") == "reviewer")
            #expect(created.int("organization_id") == park.clientA)
            #expect(created.value("workplace_id") is NSNull)

            // Pending until the person signs in: a new account then becomes an active member.
            #expect(created.string("status") == "pending" && created.value("id") is NSNull)
            let signIn = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"new@a.test","password":"long enough"}"#)
            #expect(signIn.status == .created)
            let members = try await park.send(.get, path, as: adminA)
            let joined = (members.array("members") as? [[String: Any]])?.first {
                $0["email"] as? String == "new@a.test"
            }
            #expect(joined?["status"] as? String == "active")
            #expect(joined?["id"] as? Int == signIn.int("user_id"))

            let duplicate = try await park.send(
                .post, path, as: adminA, json: #"{"email":"NEW@a.test","password":"long enough","role":"annotator"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.errorCode == "duplicate_email")

            let invalid: [(String, String)] = [
                (#"{"email":"x@a.test","password":"short","role":"annotator"}"#, "password"),
                (#"{"email":"x@a.test","password":"long enough","role":"overlord"}"#, "role"),
                (#"{"email":"not an email","password":"long enough","role":"annotator"}"#, "email"),
                (#"{"email":"x@nowhere","password":"long enough","role":"annotator"}"#, "email"),
                (#"{"email":"x@a.test","password":"long enough","role":"annotator","workplace_id":0}"#, "workplace_id"),
            ]
            for (payload, field) in invalid {
                let reply = try await park.send(.post, path, as: adminA, json: payload)
                #expect(reply.status == .unprocessableContent, "\(payload)")
                #expect(reply.errorField == field, "\(payload)")
            }

            // A workplace of another organization cannot be named.
            let foreignWorkplace = try await park.store.ensureWorkplace(
                named: "B office", county: "Tartu", in: park.fixture.clientB.id)
            let crossTenant = try await park.send(
                .post, path, as: adminA,
                json:
                    #"{"email":"y@a.test","password":"long enough","role":"annotator","workplace_id":\#(foreignWorkplace.id.rawValue)}"#
            )
            #expect(crossTenant.status == .notFound)

            let foreign = try await park.send(.get, path, as: park.managerB)
            #expect(foreign.status == .notFound)
            #expect(foreign.errorCode == "not_found")
        }
    }

    @Test(
        "Passwords longer than 72 bytes are compared in full")
    func longPasswordsComparedInFull() async throws {
        try await withTestPark { park in
            let adminA = try await park.makePerson("admin@a.test", in: park.fixture.clientA, role: .admin)
            let prefix = String(repeating: "p", count: 72)
            let created = try await park.send(
                .post, "/api/v1/organizations/\(park.clientA)/members", as: adminA,
                json: #"{"email":"long@a.test","password":"\#(prefix)-the-real-ending","role":"annotator"}"#)
            try #require(created.status == .created)
            let guessed = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"long@a.test","password":"\#(prefix)-guessed"}"#)
            #expect(guessed.status == .unauthorized)
        }
    }

    @Test(
        "A NUL in a password does not end it")
    func passwordsWithNulComparedInFull() async throws {
        try await withTestPark { park in
            let adminA = try await park.makePerson("admin@a.test", in: park.fixture.clientA, role: .admin)
            let created = try await park.send(
                .post, "/api/v1/organizations/\(park.clientA)/members", as: adminA,
                json: #"{"email":"nul@a.test","password":"correct\u0000horse battery","role":"annotator"}"#)
            try #require(created.status == .created)
            let prefixOnly = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"nul@a.test","password":"correct"}"#)
            #expect(prefixOnly.status == .unauthorized)
        }
    }
}
