import Foundation
import HTTPTypes
import Hummingbird
import LabelParkCore
import LabelParkStore
import NIOCore

/// The web UI's pages: sign-in and sign-out, and the shells of the pages whose scripts load their data
/// from API v1. Templates receive only translated strings, the CSRF token and the user's name (escaped by
/// Mustache); user data never enters the HTML.
struct PageController {
    let signIn: SignIn
    let sessions: WebSessions
    let assets: WebAssets

    func addRoutes(to router: Router<ParkRequestContext>) {
        router.get("login", use: signInPage)
        router.head("login") { request, context in
            try await signInPage(request: request, context: context).withoutBody()
        }
        router.post("login", use: signIn)
        router.post("logout", use: signOut)
        router.get("i18n/:file", use: translations)
        router.get("/", use: page("home", title: "home.title"))
        router.get("projects/new", use: page("project-new", title: "newProject.title"))
        router.get("projects/:id", use: page("project", title: "project.title", withProject: true))
        router.get("projects/:id/annotate", use: page("annotate", title: "annotate.title", withProject: true))
        router.get("projects/:id/quality", use: page("quality", title: "quality.title", withProject: true))
        router.get("projects/:id/review", use: page("review", title: "review.title", withProject: true))
        router.get("my-work", use: page("my-work", title: "myWork.title"))
        router.get("account", use: page("account", title: "account.title"))
    }

    // MARK: - Sign-in

    @Sendable func signInPage(request: Request, context: ParkRequestContext) async throws -> Response {
        if try await sessions.current(request) != nil { return Self.redirect(to: Self.nextPath(request.query("next"))) }
        return try signInForm(request, next: Self.nextPath(request.query("next")), error: nil, status: .ok)
    }

    @Sendable func signIn(request: Request, context: ParkRequestContext) async throws -> Response {
        guard Self.isSameOrigin(request, context: context) else {
            return try signInForm(request, next: "/", error: "login.crossSite", status: .forbidden)
        }
        let form = try await Self.form(request)
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let next = Self.nextPath(form["next"])
        let userID: UserID
        do {
            userID = try await signIn.verify(email: email, password: password, address: context.remoteAddress)
        } catch APIError.tooManyAttempts(let wait), APIError.busy(let wait) {
            var response = try signInForm(
                request, next: next, error: "login.tooManyAttempts", status: .tooManyRequests,
                parameters: ["seconds": String(wait)])
            response.headers[.retryAfter] = String(wait)
            return response
        } catch APIError.badCredentials {
            return try signInForm(request, next: next, error: "login.badCredentials", status: .unauthorized)
        }
        let cookie = try await sessions.start(for: userID, secure: context.client.isSecure)
        var response = Self.redirect(to: next)
        response.headers[.setCookie] = cookie
        return response
    }

    @Sendable func signOut(request: Request, context: ParkRequestContext) async throws -> Response {
        guard Self.isSameOrigin(request, context: context) else { throw APIError.csrf }
        if let session = try await sessions.current(request) {
            let form = try await Self.form(request)
            guard CSRF.isValid(request, for: session, formValue: form["csrf_token"]) else { throw APIError.csrf }
        }
        var response = Self.redirect(to: "/login")
        response.headers[.setCookie] = try await sessions.end(request, secure: context.client.isSecure)
        return response
    }

    private func signInForm(
        _ request: Request, next: String, error: String?, status: HTTPResponse.Status,
        parameters: [String: String] = [:]
    ) throws -> Response {
        let language = Self.language(request)
        var context = baseContext(language: language, title: "login.title")
        context["next"] = next
        if let error {
            var message = assets.translations.string(error, in: language)
            for (name, value) in parameters { message = message.replacingOccurrences(of: "{\(name)}", with: value) }
            context["error"] = message
        }
        return html(try assets.render("login", context), status: status, language: language, request: request)
    }

    // MARK: - Pages

    /// A handler rendering a page shell for a signed-in person, or sending others to sign in.
    private func page(
        _ template: String, title: String, withProject: Bool = false
    ) -> @Sendable (Request, ParkRequestContext) async throws -> Response {
        { request, context in
            guard let session = try await sessions.current(request) else {
                let path = request.uri.path
                return Self.redirect(
                    to: "/login?next=" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            let language = Self.language(request)
            var values = baseContext(language: language, title: title)
            values["csrf"] = session.csrfToken
            values["user_name"] = session.displayName
            values["signed_in"] = true
            if withProject { values["project_id"] = String(try context.pathID("id", as: ProjectID.self).rawValue) }
            return html(try assets.render(template, values), status: .ok, language: language, request: request)
        }
    }

    private func baseContext(language: String, title: String) -> [String: Any] {
        [
            "lang": language, "t": assets.translations.dictionary(for: language),
            "title": assets.translations.string(title, in: language),
        ]
    }

    /// `GET /i18n/<lang>.json`: every string of the UI in one language, for the pages' scripts.
    @Sendable func translations(request: Request, context: ParkRequestContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        guard file.hasSuffix(".json"), let document = assets.translations.document(for: String(file.dropLast(5)))
        else { throw APIError.notFound }
        var headers: HTTPFields = [:]
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }

    // MARK: - Helpers

    private func html(_ text: String, status: HTTPResponse.Status, language: String, request: Request) -> Response {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentLanguage] = language
        // An explicit choice (?lang=) is remembered for the next pages.
        if let chosen = request.uri.queryParameters.get("lang"), Translations.languages.contains(chosen) {
            headers[.setCookie] = "lp_lang=\(chosen); Path=/; Max-Age=31536000; SameSite=Lax"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func language(_ request: Request) -> String {
        let chosen = request.uri.queryParameters.get("lang") ?? cookie("lp_lang", in: request)
        return Translations.language(chosen: chosen, acceptLanguage: request.headers[.acceptLanguage])
    }

    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    static func redirect(to location: String) -> Response {
        var headers: HTTPFields = [:]
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// Where to go after sign-in: a path on this site only, never another origin.
    ///
    /// Browsers drop TAB, CR and LF inside URLs and read `\` as `/`, so `/\tevil.example` or
    /// `/%5Cevil.example` can become `//evil.example`; anything holding those, in raw or percent-encoded
    /// form, or a second leading slash, is refused rather than cleaned.
    static func nextPath(_ value: String?) -> String {
        guard let value, value.utf8.count <= 2_048, value.hasPrefix("/") else { return "/" }
        var decoded = value
        // Decoding until nothing changes catches double encodings such as `%252F`.
        for _ in 0..<4 {
            guard let once = decoded.removingPercentEncoding, once != decoded else { break }
            decoded = once
        }
        for form in [value, decoded] {
            let start = Array(form.unicodeScalars.prefix(2))
            let isPathOnThisSite = start.first == "/" && !(start.count == 2 && (start[1] == "/" || start[1] == "\\"))
            let hasHazard = form.unicodeScalars.contains {
                $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F || $0.properties.isWhitespace && $0 != " "
            }
            guard isPathOnThisSite, !hasHazard else { return "/" }
        }
        return value
    }

    /// Refuses cross-site form posts: a browser sends `Origin` on POSTs, and it must name the host the
    /// client asked for (behind a trusted proxy, the one it forwarded).
    static func isSameOrigin(_ request: Request, context: ParkRequestContext) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = context.client.host else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// The fields of an `application/x-www-form-urlencoded` body of at most 16 KiB.
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 16 << 10)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}
