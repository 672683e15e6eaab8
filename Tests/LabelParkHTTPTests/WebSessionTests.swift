import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkStore
import LabelParkTestSupport
import Testing

/// Browser sign-in: the session cookie, CSRF, expiry, sign-out and the limit on failed sign-ins.
@Suite struct WebSessionTests {
    static let password = "correct horse battery"

    /// A person of client A who signs in with `password`.
    private func signInPerson(_ park: TestPark, email: String = "web@a.test") async throws -> Person {
        let hash = try await PasswordHasher(cost: 4).hash(Self.password)
        return try await park.makePerson(email, in: park.fixture.clientA, role: .manager, passwordHash: hash)
    }

    private func signIn(
        _ park: TestPark, email: String, password: String = Self.password, next: String = "/",
        headers: HTTPFields = [:]
    ) async throws -> Reply {
        let form = "email=\(formEncoded(email))&password=\(formEncoded(password))&next=\(formEncoded(next))"
        return try await park.send(
            .post, "/login", as: nil, body: Array(form.utf8), contentType: "application/x-www-form-urlencoded",
            headers: headers)
    }

    /// The `lp_session=…` pair of a sign-in answer, as a browser would send it back.
    private func sessionCookie(_ reply: Reply) throws -> String {
        let setCookie = try #require(reply.headers[.setCookie])
        return String(try #require(setCookie.split(separator: ";").first))
    }

    private func csrf(_ park: TestPark, cookie: String) async throws -> String {
        let reply = try await park.send(.get, "/api/v1/session", as: nil, headers: [.cookie: cookie])
        #expect(reply.status == .ok)
        return try #require((reply.json as? [String: Any])?["csrf"] as? String)
    }

    @Test("signing in sets an HttpOnly, SameSite=Lax session cookie and goes to the page asked for")
    func signInSetsCookie() async throws {
        try await withTestPark { park in
            let person = try await signInPerson(park)
            _ = person
            let reply = try await signIn(park, email: "web@a.test", next: "/my-work")
            #expect(reply.status == .seeOther)
            #expect(reply.headers[.location] == "/my-work")
            let setCookie = try #require(reply.headers[.setCookie])
            #expect(setCookie.hasPrefix("lp_session="))
            #expect(
                setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Path=/"))
            #expect(!setCookie.contains("Secure"))
            // A client's own X-Forwarded-Proto is not believed: only trusted proxies' are (ClientOriginTests).
            let spoofed = try await signIn(
                park, email: "web@a.test", headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(spoofed.headers[.setCookie]?.contains("; Secure") == false)
            #expect(spoofed.headers[.strictTransportSecurity] == nil)
        }
    }

    @Test("a wrong password or an unknown email shows the same error and sets no cookie")
    func wrongCredentials() async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            for email in ["web@a.test", "nobody@a.test"] {
                let reply = try await signIn(park, email: email, password: "wrong password")
                #expect(reply.status == .unauthorized)
                #expect(reply.headers[.setCookie] == nil)
                #expect(reply.text.contains(#"id="login-error""#) && reply.text.contains("Wrong email or password."))
            }
        }
    }

    @Test("the cookie authenticates API reads; writes need the session's CSRF token")
    func csrfGuardsWrites() async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            let cookie = try sessionCookie(try await signIn(park, email: "web@a.test"))
            let me = try await park.send(.get, "/api/v1/me", as: nil, headers: [.cookie: cookie])
            #expect(me.status == .ok)
            let schema = #"{"name":"p","schema":\#(sentimentSchemaJSON)}"#
            let forged = try await park.send(
                .post, "/api/v1/projects", as: nil, json: schema, headers: [.cookie: cookie])
            #expect(forged.status == .forbidden)
            #expect(forged.errorCode == "csrf")
            let wrong = try await park.send(
                .post, "/api/v1/projects", as: nil, json: schema,
                headers: [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: String(repeating: "0", count: 48)])
            #expect(wrong.status == .forbidden)
            let token = try await csrf(park, cookie: cookie)
            let created = try await park.send(
                .post, "/api/v1/projects", as: nil, json: schema,
                headers: [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: token])
            #expect(created.status == .created)
            // Bearer tokens are not cookies: no CSRF token needed, and no session to describe.
            let bearer = try await park.send(.get, "/api/v1/session", as: park.managerA)
            #expect(bearer.status == .unauthorized)
        }
    }

    @Test("sessions end after 8 idle hours or 7 days, and activity keeps them alive in between")
    func expiry() async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            let cookie = try sessionCookie(try await signIn(park, email: "web@a.test"))
            for _ in 0..<3 {
                park.clock.advance(seconds: 7 * 3_600)
                #expect(try await park.send(.get, "/api/v1/me", as: nil, headers: [.cookie: cookie]).status == .ok)
            }
            park.clock.advance(seconds: 8 * 3_600 + 1)
            #expect(
                try await park.send(.get, "/api/v1/me", as: nil, headers: [.cookie: cookie]).status == .unauthorized)

            let second = try sessionCookie(try await signIn(park, email: "web@a.test"))
            for _ in 0..<24 {
                park.clock.advance(seconds: 7 * 3_600)
                _ = try await park.send(.get, "/api/v1/me", as: nil, headers: [.cookie: second])
            }
            // 168 hours of steady activity: the absolute limit ends it anyway.
            #expect(
                try await park.send(.get, "/api/v1/me", as: nil, headers: [.cookie: second]).status == .unauthorized)
        }
    }

    @Test("signing out needs the CSRF token and ends the session")
    func signOut() async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            let cookie = try sessionCookie(try await signIn(park, email: "web@a.test"))
            let form = "application/x-www-form-urlencoded"
            let forged = try await park.send(
                .post, "/logout", as: nil, body: Array("csrf_token=nope".utf8), contentType: form,
                headers: [.cookie: cookie])
            #expect(forged.status == .forbidden)
            #expect(try await park.send(.get, "/api/v1/me", as: nil, headers: [.cookie: cookie]).status == .ok)
            let token = try await csrf(park, cookie: cookie)
            let out = try await park.send(
                .post, "/logout", as: nil, body: Array("csrf_token=\(token)".utf8), contentType: form,
                headers: [.cookie: cookie])
            #expect(out.status == .seeOther && out.headers[.location] == "/login")
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(
                try await park.send(.get, "/api/v1/me", as: nil, headers: [.cookie: cookie]).status == .unauthorized)
        }
    }

    @Test("five failed sign-ins for an account answer 429 with Retry-After, on the form and the token API")
    func failedSignInLimit() async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            for _ in 0..<5 {
                #expect(try await signIn(park, email: "web@a.test", password: "guess").status == .unauthorized)
            }
            let limited = try await signIn(park, email: "web@a.test")
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") == 900)
            let api = try await park.send(
                .post, "/api/v1/tokens", as: nil, json: #"{"email":"web@a.test","password":"\#(Self.password)"}"#)
            #expect(api.status == .tooManyRequests)
            #expect(api.errorCode == "too_many_attempts")
            park.clock.advance(seconds: 901)
            #expect(try await signIn(park, email: "web@a.test").status == .seeOther)
        }
    }

    @Test("a cross-site sign-in post is refused and never sets a cookie")
    func crossSiteSignIn() async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            let reply = try await signIn(
                park, email: "web@a.test", headers: [.origin: "https://evil.example"])
            #expect(reply.status == .forbidden)
            #expect(reply.headers[.setCookie] == nil)
        }
    }

    @Test(
        "after sign-in only paths on this site are followed",
        arguments: [
            "//evil.example/x", "https://evil.example", "/\\evil", "relative", "/\t/evil.example",
            "/\r\n/evil.example", "/\n/evil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example",
            "/%5c%5cevil.example", "%2F%2Fevil.example", "/%09/evil.example", "/%0D%0A/evil.example",
            "\\\\evil.example", "/\\/evil.example", "///evil.example", "/%252F%252Fevil.example",
            "javascript:alert(1)", "/\u{3000}/evil.example", "/\u{0}/evil.example", " //evil.example",
        ])
    func nextStaysOnSite(_ next: String) async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            let reply = try await signIn(park, email: "web@a.test", next: next)
            #expect(reply.headers[.location] == "/")
        }
    }

    @Test(
        "paths on this site survive sign-in, query strings included",
        arguments: ["/projects/3/annotate?x=%2F1", "/my-work"])
    func nextOnSiteKept(_ next: String) async throws {
        try await withTestPark { park in
            _ = try await signInPerson(park)
            let reply = try await signIn(park, email: "web@a.test", next: next)
            #expect(reply.headers[.location] == next)
        }
    }
}

/// Percent-encodes a form field value.
func formEncoded(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
}
