import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkStore
import LabelParkTestSupport
import Testing

/// The page shells, languages, translations and static files of the web UI.
@Suite struct WebPageTests {
    /// Signs a new manager of client A in and returns the session cookie.
    private func signedInCookie(_ park: TestPark) async throws -> String {
        let hash = try await PasswordHasher(cost: 4).hash("page password")
        _ = try await park.makePerson("pages@a.test", in: park.fixture.clientA, role: .manager, passwordHash: hash)
        let reply = try await park.send(
            .post, "/login", as: nil, body: Array("email=pages%40a.test&password=page+password".utf8),
            contentType: "application/x-www-form-urlencoded")
        return String(try #require(reply.headers[.setCookie]?.split(separator: ";").first))
    }

    static let pages = [
        "/", "/projects/new", "/projects/1", "/projects/1/annotate", "/projects/1/quality", "/projects/1/review",
        "/my-work", "/account",
    ]

    @Test(
        "pages send people who are not signed in to the sign-in page, remembering where they were going",
        arguments: pages)
    func redirectsToSignIn(_ path: String) async throws {
        try await withTestPark { park in
            let reply = try await park.send(.get, path, as: nil)
            #expect(reply.status == .seeOther)
            let location = try #require(reply.headers[.location])
            #expect(location.hasPrefix("/login?next="))
            #expect(location.removingPercentEncoding == "/login?next=" + path)
        }
    }

    @Test("a signed-in page carries the CSRF token, the language and no inline script or style", arguments: pages)
    func pageShell(_ path: String) async throws {
        try await withTestPark { park in
            let cookie = try await signedInCookie(park)
            let reply = try await park.send(.get, path, as: nil, headers: [.cookie: cookie])
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/html; charset=utf-8")
            #expect(reply.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            let html = reply.text
            #expect(html.contains(#"<meta name="csrf-token" content=""#))
            #expect(html.contains(#"<html lang="en">"#))
            #expect(html.contains(#"id="user-name""#))
            // Scripts only by src; no inline handlers or styles the CSP would block anyway.
            #expect(!html.contains("<script>") && !html.contains(" onclick=") && !html.contains("style="))
            if path.hasPrefix("/projects/1") { #expect(html.contains(#"<meta name="project-id" content="1">"#)) }
        }
    }

    @Test("the language follows ?lang=, then the remembered choice, then Accept-Language")
    func language() async throws {
        try await withTestPark { park in
            let chinese = try await park.send(
                .get, "/login", as: nil, headers: [.acceptLanguage: "zh-CN,zh;q=0.9,en;q=0.5"])
            #expect(chinese.text.contains(#"<html lang="zh-CN">"#) && chinese.text.contains("登录"))
            let english = try await park.send(.get, "/login?lang=en", as: nil, headers: [.acceptLanguage: "zh-CN"])
            #expect(english.text.contains(#"<html lang="en">"#) && english.text.contains("Sign in"))
            #expect(english.headers[.setCookie]?.hasPrefix("lp_lang=en;") == true)
            let remembered = try await park.send(
                .get, "/login", as: nil, headers: [.acceptLanguage: "zh-CN", .cookie: "lp_lang=en"])
            #expect(remembered.text.contains(#"<html lang="en">"#))
            let fallback = try await park.send(.get, "/login", as: nil, headers: [.acceptLanguage: "fr-FR"])
            #expect(fallback.text.contains(#"<html lang="en">"#))
        }
    }

    @Test("both languages translate exactly the same keys, and every value is a non-empty string")
    func translationParity() async throws {
        try await withTestPark { park in
            let english = try await park.send(.get, "/i18n/en.json", as: nil)
            let chinese = try await park.send(.get, "/i18n/zh-CN.json", as: nil)
            #expect(english.status == .ok && chinese.status == .ok)
            let englishKeys = try Self.leafKeys(#require(english.json as? [String: Any]))
            let chineseKeys = try Self.leafKeys(#require(chinese.json as? [String: Any]))
            #expect(englishKeys.count > 20)
            #expect(englishKeys.subtracting(chineseKeys).sorted() == [], "missing in zh-CN")
            #expect(chineseKeys.subtracting(englishKeys).sorted() == [], "missing in en")
            #expect(try await park.send(.get, "/i18n/fr.json", as: nil).status == .notFound)
        }
    }

    /// Every dotted key of a translation tree whose value is a non-empty string; anything else fails.
    static func leafKeys(_ tree: [String: Any], prefix: String = "") throws -> Set<String> {
        var keys: Set<String> = []
        for (key, value) in tree {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let child = value as? [String: Any] {
                keys.formUnion(try leafKeys(child, prefix: path))
            } else {
                let text = try #require(value as? String, "\(path) is not a string")
                #expect(!text.isEmpty, "\(path) is empty")
                keys.insert(path)
            }
        }
        return keys
    }

    @Test("static files are served with their types; paths cannot leave the folder")
    func staticFiles() async throws {
        try await withTestPark { park in
            let script = try await park.send(.get, "/static/js/api.js", as: nil)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType]?.contains("javascript") == true)
            let head = try await park.send(.head, "/static/js/api.js", as: nil)
            #expect(head.status == .ok && head.bytes.isEmpty && head.headers[.eTag] == script.headers[.eTag])
            let revalidated = try await park.send(
                .get, "/static/js/api.js", as: nil, headers: [.ifNoneMatch: script.headers[.eTag] ?? ""])
            #expect(revalidated.status == .notModified && revalidated.bytes.isEmpty)
            let style = try await park.send(.get, "/static/css/app.css", as: nil)
            #expect(style.headers[.contentType]?.hasPrefix("text/css") == true)
            let escape = try await park.send(.get, "/static/../Templates/login.mustache", as: nil)
            #expect(escape.status == .notFound || escape.status == .badRequest)
        }
    }

    @Test("no template renders a value unescaped")
    func templatesEscapeEverything() throws {
        let templates = Self.sourceTemplates()
        let names = try FileManager.default.contentsOfDirectory(atPath: templates.path)
        #expect(!names.isEmpty)
        for name in names {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(name) renders something unescaped")
            #expect(!text.contains("<script>") && !text.contains("style="), "\(name) has inline script or style")
        }
    }

    static func sourceTemplates() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/LabelParkHTTP/Templates")
    }

    @Test("the schema editor's check answers valid, or the error with its field path")
    func validateSchema() async throws {
        try await withTestPark { park in
            let valid = try await park.send(
                .post, "/api/v1/schemas/validate", as: park.managerA, json: #"{"schema":\#(sentimentSchemaJSON)}"#)
            #expect(valid.status == .ok)
            #expect((valid.json as? [String: Any])?["valid"] as? Bool == true)
            let invalid = try await park.send(
                .post, "/api/v1/schemas/validate", as: park.managerA,
                json:
                    #"{"schema":{"fields":[{"name":"text","type":"text"}],"questions":[{"name":"q","type":"choice","options":[]}]}}"#
            )
            #expect(invalid.status == .unprocessableContent || invalid.status == .badRequest)
            #expect(invalid.errorField == "schema.questions[0].options")
        }
    }
}
