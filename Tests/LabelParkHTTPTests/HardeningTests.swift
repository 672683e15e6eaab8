import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkStore
import LabelParkTestSupport
import Testing

@testable import LabelParkHTTP

/// Requests that used to crash or stall the server, or to reveal more than they should (issue #11).
@Suite("Hardening: headers, extreme numbers, NUL, sign-in floods, tokens, review history")
struct HardeningTests {
    @Test(
        "Any Accept-Language header, however malformed, gets a page in a supported language",
        arguments: [";", ",", ";,;", ",,;q=0", "*;q=", "en;q=NaN", "zh;", " ; ", String(repeating: ";", count: 5_000)])
    func malformedAcceptLanguage(header: String) async throws {
        try await withTestPark { park in
            let reply = try await park.send(.get, "/login", as: nil, headers: [.acceptLanguage: header])
            #expect(reply.status == .ok)
            #expect(["en", "zh-CN"].contains(reply.headers[.contentLanguage] ?? ""))
            #expect(try await park.send(.get, "/healthz", as: nil).status == .ok)
        }
    }

    @Test(
        "An import's priority out of range is a line error naming it, whatever the number",
        arguments: ["-9223372036854775808", "9223372036854775807", "1e999", "-1e999", "1000001", "-1000001", "1.5"])
    func extremePriority(priority: String) async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.importNDJSON(
                [#"{"data":{"text":"x"},"priority":\#(priority)}"#], into: project, as: park.managerA)
            #expect(reply.status == .unprocessableContent, "\(reply.text)")
            #expect(reply.int("errors.0.line") == 1)
            #expect(reply.string("errors.0.message")?.contains("priority") == true)
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    @Test("A NUL in a stored text is a 400 naming the field, on every engine alike")
    func nulInStoredText() async throws {
        try await withTestPark { park in
            let reply = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"a\u0000b","schema":\#(sentimentSchemaJSON)}"#)
            #expect(reply.status.code / 100 == 4 && reply.errorField == "name", "\(reply.text)")
            let signIn = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"a\u0000@a.test","password":"whatever1"}"#)
            #expect(signIn.status.code / 100 == 4, "\(signIn.text)")
        }
    }

    @Test("500 simultaneous wrong passwords for one account: at most the limit are checked, the rest get 429")
    func signInFlood() async throws {
        try await withTestPark { park in
            let hash = try await PasswordHasher(cost: 4).hash("the right one")
            _ = try await park.makePerson(
                "flood@a.test", in: park.fixture.clientA, role: .annotator, passwordHash: hash)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for attempt in 0..<500 {
                    group.addTask {
                        try await park.send(
                            .post, "/api/v1/tokens", as: nil,
                            json: #"{"email":"flood@a.test","password":"wrong \#(attempt)"}"#
                        ).status.code
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(statuses[401, default: 0] <= 5, "\(statuses)")
            #expect(statuses[429, default: 0] >= 495, "\(statuses)")
            #expect(statuses.keys.allSatisfy { $0 == 401 || $0 == 429 }, "\(statuses)")
        }
    }

    @Test("API tokens are listed without their secret, can expire, and stop working once revoked")
    func tokenLifecycle() async throws {
        try await withTestPark { park in
            let hash = try await PasswordHasher(cost: 4).hash("token owner pw")
            _ = try await park.makePerson("owner@a.test", in: park.fixture.clientA, role: .manager, passwordHash: hash)
            func issue(_ extra: String) async throws -> String {
                let reply = try await park.send(
                    .post, "/api/v1/tokens", as: nil,
                    json: #"{"email":"owner@a.test","password":"token owner pw"\#(extra)}"#)
                try #require(reply.status == .created, "\(reply.text)")
                return try #require(reply.string("token"))
            }
            let lasting = try await issue(#","name":"laptop""#)
            let shortLived = try await issue(#","name":"ci","expires_in_days":1"#)
            let refused = try await park.send(
                .post, "/api/v1/tokens", as: nil,
                json: #"{"email":"owner@a.test","password":"token owner pw","expires_in_days":0}"#)
            #expect(refused.status == .badRequest || refused.status == .unprocessableContent)
            #expect(refused.errorField == "expires_in_days")

            let auth: (String) -> HTTPFields = { [.authorization: "Bearer \($0)"] }
            let listed = try await park.send(.get, "/api/v1/tokens", as: nil, headers: auth(lasting))
            #expect(listed.status == .ok)
            let tokens = try #require(listed.array("tokens") as? [[String: Any]])
            // The fixture's own token for the person plus the two issued here.
            #expect(tokens.count == 3)
            #expect(!listed.text.contains(lasting) && !listed.text.contains(shortLived))
            let ci = try #require(tokens.first { $0["name"] as? String == "ci" })
            #expect(ci["expires_at"] is String)
            #expect(tokens.first { $0["name"] as? String == "laptop" }?["expires_at"] is NSNull)

            park.clock.advance(seconds: 86_401)
            #expect(try await park.send(.get, "/api/v1/me", as: nil, headers: auth(shortLived)).status == .unauthorized)
            let laptopID = try #require(tokens.first { $0["name"] as? String == "laptop" }?["id"] as? String)
            // Another person's token is as missing as an unknown one.
            #expect(
                try await park.send(.delete, "/api/v1/tokens/\(laptopID)", as: park.managerB).status == .notFound)
            #expect(
                try await park.send(.delete, "/api/v1/tokens/zz", as: nil, headers: auth(lasting)).status == .notFound)
            #expect(
                try await park.send(.delete, "/api/v1/tokens/\(laptopID)", as: nil, headers: auth(lasting)).status
                    == .noContent)
            #expect(try await park.send(.get, "/api/v1/me", as: nil, headers: auth(lasting)).status == .unauthorized)
        }
    }

    @Test("Metrics are not served on the public router")
    func noPublicMetrics() async throws {
        try await withTestPark { park in
            let reply = try await park.send(.get, "/metrics", as: nil)
            #expect(reply.status == .notFound)
        }
    }

    @Test("A reviewer reads the review history of items they reviewed, not of others; managers read all")
    func reviewHistoryIsScoped() async throws {
        try await withTestPark { park in
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Checked","schema":\#(sentimentSchemaJSON),"quality":{"review":{"mode":"all"}}}"#)
            let project = try #require(created.int("id"))
            try await park.importTexts(["one", "two"], into: project)
            let first = try await park.annotate(project, as: park.annotatorA)
            _ = try await park.annotate(project, as: park.annotatorA)
            let deciding = try await park.makePerson("r1@a.test", in: park.fixture.clientA, role: .reviewer)
            let bystander = try await park.makePerson("r2@a.test", in: park.fixture.clientA, role: .reviewer)

            let claimed = try await park.send(.post, "/api/v1/projects/\(project)/reviews/next", as: deciding)
            let reviewed = try #require(claimed.int("annotation.id"))
            let token = try #require(claimed.string("review.token"))
            let history = "/api/v1/annotations/\(reviewed)/reviews"
            #expect(try await park.send(.get, history, as: deciding).status == .ok, "holding the review lease")
            let decided = try await park.send(
                .post, "/api/v1/reviews/\(token)/decision", as: deciding, json: #"{"decision":"accept"}"#)
            #expect(decided.status == .ok, "\(decided.text)")

            #expect(try await park.send(.get, history, as: deciding).status == .ok)
            #expect(try await park.send(.get, history, as: bystander).status == .notFound)
            #expect(try await park.send(.get, history, as: park.managerA).status == .ok)
            #expect(try await park.send(.get, history, as: park.annotatorA).status == .ok)
            _ = first
        }
    }

    @Test("CSV exports neutralise formula cells and keep plain numbers")
    func csvFormulaCells() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            try await park.importTexts(
                ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "-2+3", "+1", "-3", "'=x"], into: project)
            let reply = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=csv&aggregate=false", as: park.managerA)
            #expect(reply.status == .ok)
            let text = reply.text
            #expect(text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""))
            #expect(text.contains(",'@SUM(A1),") || text.contains(",'@SUM(A1)\r\n"))
            #expect(text.contains("'-2+3"))
            #expect(text.contains(",+1,") || text.contains(",+1\r\n") || text.contains(",+1"))
            #expect(!text.contains("'+1") && !text.contains("'-3"))
            #expect(text.contains("''=x"))
        }
    }
}

extension HardeningTests {
    @Test("Everything an annotator observes of a gold task is shaped and distributed like a work task")
    func goldLooksLikeWork() async throws {
        try await withTestPark { park in
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Mixed","schema":\#(sentimentSchemaJSON),"quality":{"gold_rate":0.25}}"#)
            let project = try #require(created.int("id"))
            // Work first, then a day later the gold set as its own batch: consecutive ids, later dates.
            try await park.importTexts((0..<150).map { "work \($0)" }, into: project)
            park.clock.advance(seconds: 86_400)
            let gold = try await park.importNDJSON(
                (0..<60).map { #"{"data":{"text":"gold \#($0)"},"gold":{"sentiment":"pos"}}"# }, into: project,
                as: park.managerA)
            #expect(gold.status == .created)

            struct Seen { var handle: Int; var realID: Int; var isGold: Bool; var shapes: [String] }
            var seen: [Seen] = []
            while true {
                let next = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
                if next.status == .noContent { break }
                try #require(next.status == .ok, "\(next.text)")
                let handle = try #require(next.int("task.id"))
                let text = try #require(next.string("task.data.text"))
                let claim = ClaimedTask(
                    taskID: handle, leaseToken: try #require(next.string("lease.token")), expiresAt: "")
                let task = try await park.send(.get, "/api/v1/tasks/\(handle)", as: park.annotatorA)
                let receipt = try await park.submit(claim, as: park.annotatorA)
                try #require(receipt.status == .created, "\(receipt.text)")
                seen.append(
                    Seen(
                        handle: handle, realID: park.realTaskID(handle, seenBy: park.annotatorA),
                        isGold: text.hasPrefix("gold"),
                        shapes: [next, task, receipt].map { shape(of: $0.json) }))
            }
            let golds = seen.filter(\.isGold)
            let work = seen.filter { !$0.isGold }
            try #require(golds.count >= 15 && work.count == 150, "gold \(golds.count), work \(work.count)")

            // The same fields, the same kinds of values, in every response.
            #expect(Set(golds.map(\.shapes)) == Set(work.map(\.shapes)))
            #expect(Set(seen.map(\.shapes)).count == 1)
            // No import time or priority reaches the annotator: both would set a batch apart.
            for view in seen[0].shapes.prefix(2) {
                #expect(!view.contains("priority") && !view.contains("task.created_at"))
            }
            #expect(!seen[0].shapes[1].contains("created_at"))

            // Real ids put the gold set at the very end; handles scatter it like the rest.
            func meanRank(_ key: KeyPath<Seen, Int>) -> Double {
                let order = seen.sorted { $0[keyPath: key] < $1[keyPath: key] }
                let ranks = order.enumerated().filter { $0.element.isGold }.map {
                    Double($0.offset) / Double(seen.count - 1)
                }
                return ranks.reduce(0, +) / Double(ranks.count)
            }
            #expect(meanRank(\.realID) > 0.85)
            #expect(abs(meanRank(\.handle) - 0.5) < 0.15, "gold handles' mean rank \(meanRank(\.handle))")
            #expect(Set(seen.map(\.handle)).count == seen.count)
        }
    }
}

extension HardeningTests {
    @Test("A quality report that would need gigabytes is refused with 422 naming the question, not computed")
    func qualityReportTooLarge() async throws {
        try await withTestPark { park in
            let options = (0..<1_000).map { #""o\#($0)""# }.joined(separator: ",")
            let schema =
                #"{"fields":[{"name":"text","type":"text"}],"questions":[{"name":"kind","type":"choice","options":[\#(options)]}]}"#
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA, json: #"{"name":"Wide","schema":\#(schema),"overlap":6}"#)
            let project = try #require(created.int("id"))
            try await park.importTexts(["one"], into: project)
            for index in 0..<6 {
                let annotator = index == 0 ? park.annotatorA : try await park.makeAnnotator("wide\(index)")
                _ = try await park.annotate(project, as: annotator, result: #"{"kind":"o\#(index)"}"#)
            }
            let report = try await park.send(.get, "/api/v1/projects/\(project)/quality", as: park.managerA)
            #expect(report.status == .unprocessableContent, "\(report.text.prefix(300))")
            #expect(report.errorCode == "report_too_large")
            #expect(report.errorField == "schema.questions[0]")
        }
    }
}

extension HardeningTests {
    @Test("What the fuzzer found: a tiny aql, an over-long sign-in form and a stray } in a JSON array are 4xx")
    func fuzzFindings() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let imported = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?partial=true", as: park.managerA,
                body: Array(#"[{"text":"a"}}, {"text":"b"}]"#.utf8), contentType: "application/json")
            // The stray brace spoils only its own element; the next one still imports.
            #expect(imported.int("created") == 1 && imported.int("error_count") == 1, "\(imported.text)")
            let batch = try #require(
                try await park.send(.get, "/api/v1/projects/\(project)/batches", as: park.managerA)
                    .int("batches.0.id"))
            for aql in ["1e-320", "5e-324", "0.0000004", "0", "-1", "1.5"] {
                let reply = try await park.send(
                    .post, "/api/v1/projects/\(project)/batches/\(batch)/inspections", as: park.managerA,
                    json: #"{"sample_size":1,"aql":\#(aql)}"#)
                #expect(reply.status == .unprocessableContent && reply.errorField == "aql", "\(aql): \(reply.text)")
            }
            let form = "email=a%40a.test&password=" + String(repeating: "x", count: 20_000)
            let signIn = try await park.send(
                .post, "/login", as: nil, body: Array(form.utf8), contentType: "application/x-www-form-urlencoded")
            #expect(signIn.status == .contentTooLarge, "\(signIn.status)")
        }
    }
}

extension HardeningTests {
    @Test("Adding an email that works in another tenant answers exactly as adding a new one; the person accepts")
    func addingMembersRevealsNoOtherTenant() async throws {
        try await withTestPark { park in
            let adminB = try await park.makePerson("admin@b.test", in: park.fixture.clientB, role: .admin)
            let path = "/api/v1/organizations/\(park.clientB)/members"
            func add(_ email: String) async throws -> Reply {
                try await park.send(
                    .post, path, as: adminB,
                    json: #"{"email":"\#(email)","name":"Given Name","password":"long enough","role":"annotator"}"#)
            }
            let existing = try await add("manager@a.test")
            let fresh = try await add("fresh@b.test")
            #expect(existing.status == .created && fresh.status == .created)
            // Same fields, same values but the email: nothing tells that manager@a.test already had an account.
            func scrubbed(_ reply: Reply) -> [String: String] {
                ((reply.json as? [String: Any]) ?? [:]).filter { $0.key != "email" }.mapValues { "\($0)" }
            }
            #expect(scrubbed(existing) == scrubbed(fresh), "\(existing.text) vs \(fresh.text)")
            let listed = try await park.send(.get, path, as: adminB)
            let rows = (listed.array("members") as? [[String: Any]]) ?? []
            let invited = rows.first { $0["email"] as? String == "manager@a.test" }
            #expect(invited?["name"] as? String == "Given Name" && invited?["id"] is NSNull)
            #expect(invited?["status"] as? String == "pending")
            let again = try await add("manager@a.test")
            #expect(again.status == .conflict && again.errorCode == "duplicate_email")

            // The person sees the invitation; until they accept, client B's projects stay out of reach.
            let projectB = try await park.createProject(as: park.managerB)
            #expect(try await park.send(.get, "/api/v1/projects/\(projectB)", as: park.managerA).status == .notFound)
            let invitations = try await park.send(.get, "/api/v1/invitations", as: park.managerA)
            #expect(invitations.int("invitations.0.organization_id") == park.clientB)
            #expect(
                try await park.send(.post, "/api/v1/invitations/\(park.clientB)/accept", as: park.managerA).status
                    == .noContent)
            #expect(try await park.send(.get, "/api/v1/projects/\(projectB)", as: park.managerA).status == .ok)
            #expect(
                try await park.send(.post, "/api/v1/invitations/\(park.clientB)/accept", as: park.managerA).status
                    == .notFound)
        }
    }
}

/// The structure of a JSON reply: every key path with its value's type, sorted (values themselves left out).
private func shape(of json: Any?, at path: String = "") -> String {
    var lines: [String] = []
    func walk(_ value: Any?, _ path: String) {
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() { walk(object[key], path.isEmpty ? key : "\(path).\(key)") }
        case let array as [Any]:
            lines.append("\(path):array")
            if let first = array.first { walk(first, path + "[]") }
        case is String: lines.append("\(path):string")
        case is NSNumber: lines.append("\(path):number")
        case is NSNull, nil: lines.append("\(path):null")
        default: lines.append("\(path):other")
        }
    }
    walk(json, path)
    return lines.joined(separator: ",")
}

@Suite("Client origin: X-Forwarded-* believed only from trusted proxies")
struct ClientOriginTests {
    let trusted = try! TrustedProxies(cidrs: ["127.0.0.1/32", "10.0.0.0/8", "::1"])

    func headers(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    @Test("a direct client's forwarding headers are ignored")
    func untrustedPeer() {
        let origin = ClientOrigin.resolve(
            peer: { "203.0.113.9" }, scheme: nil, authority: "park.example",
            headers: headers([
                ("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil"),
            ]),
            trusted: trusted)
        #expect(origin == ClientOrigin(forwardedAddress: nil, isSecure: false, host: "park.example"))
    }

    @Test("behind a trusted proxy the client is the rightmost untrusted address, with the proxy's proto and host")
    func trustedPeer() {
        let origin = ClientOrigin.resolve(
            peer: { "10.1.2.3" }, scheme: nil, authority: "backend:8080",
            headers: headers([
                ("X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.0.0.5"), ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "park.example"),
            ]),
            trusted: trusted)
        #expect(origin == ClientOrigin(forwardedAddress: "198.51.100.7", isSecure: true, host: "park.example"))
    }

    @Test("junk forwarding headers from a trusted proxy change nothing")
    func junkFromTrustedPeer() {
        let origin = ClientOrigin.resolve(
            peer: { "::1" }, scheme: "http", authority: "park.example",
            headers: headers([
                ("X-Forwarded-For", "not-an-ip"), ("X-Forwarded-Proto", "gopher"), ("X-Forwarded-Host", "a/b@c"),
            ]),
            trusted: trusted)
        #expect(origin == ClientOrigin(forwardedAddress: nil, isSecure: false, host: "park.example"))
    }

    @Test(
        "CIDR blocks parse and match IPv4, IPv6 and IPv4-mapped addresses",
        arguments: [
            ("10.255.0.1", true), ("11.0.0.1", false), ("127.0.0.1", true), ("::1", true), ("::ffff:10.0.0.1", true),
            ("fe80::1", false), ("", false), ("10.0.0", false), ("1.2.3.4.5", false), ("::::", false),
        ])
    func matching(address: String, expected: Bool) {
        #expect(trusted.contains(address) == expected)
    }

    @Test("bad CIDR blocks are refused", arguments: ["10.0.0.0/33", "10.0.0.0/-1", "abc", "::1/129", "1.2.3.256", ""])
    func refused(cidr: String) {
        #expect(throws: TrustedProxyError.self) { try TrustedProxies(cidrs: [cidr]) }
    }
}
