import HTTPTypes
import Hummingbird
import LabelParkCore
import LabelParkStore
import Logging

/// Resolves the caller of an API request: `Authorization: Bearer …` (scripts, the SDK) or the browser's
/// session cookie, which must come with the session's CSRF token on anything but a read. Otherwise 401.
struct RequestAuthenticator: RouterMiddleware {
    typealias Context = ParkRequestContext
    let store: any ParkStore
    let cache: PrincipalCache
    let sessions: WebSessions

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            context.principal = try await principal(forAuthorization: header)
        } else if let session = try await sessions.current(request) {
            guard request.method.isSafe || CSRF.isValid(request, for: session) else { throw APIError.csrf }
            context.principal = session.principal
            context.session = session
        } else {
            throw APIError.unauthenticated
        }
        context.logger[metadataKey: "user"] = "\(context.principal!.userID)"
        return try await next(request, context)
    }

    private func principal(forAuthorization header: String) async throws -> Principal {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].utf8.count <= 256 else {
            throw APIError.unauthenticated
        }
        let hash = APIToken.hash(String(parts[1]))
        if let cached = cache.principal(forTokenHash: hash) { return cached }
        guard let stored = try await store.principal(forTokenHash: hash) else { throw APIError.unauthenticated }
        cache.remember(stored, forTokenHash: hash)
        return stored
    }
}

extension HTTPRequest.Method {
    /// GET and HEAD change nothing, so they need no CSRF token.
    var isSafe: Bool { self == .get || self == .head }
}

/// The synchronizer-token check: a state-changing request made with the session cookie must echo the
/// session's CSRF token (header `X-CSRF-Token`, or the `csrf_token` field of a posted form), which a page
/// on another site cannot read.
enum CSRF {
    static let headerName = HTTPField.Name("X-CSRF-Token")!

    static func isValid(_ request: Request, for session: WebSession, formValue: String? = nil) -> Bool {
        guard let presented = request.headers[headerName] ?? formValue else { return false }
        return constantTimeEqual(Array(presented.utf8), Array(session.csrfToken.utf8))
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
