import Hummingbird
import LabelParkCore
import LabelParkStore
import Logging

/// Resolves `Authorization: Bearer …` to a principal, or answers 401.
struct TokenAuthenticator: RouterMiddleware {
    typealias Context = ParkRequestContext
    let store: any ParkStore
    let cache: PrincipalCache

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.unauthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0] == "Bearer" || parts[0].lowercased() == "bearer", parts[1].utf8.count <= 256
        else {
            throw APIError.unauthenticated
        }
        let hash = APIToken.hash(String(parts[1]))
        let principal: Principal
        if let cached = cache.principal(forTokenHash: hash) {
            principal = cached
        } else {
            guard let stored = try await store.principal(forTokenHash: hash) else { throw APIError.unauthenticated }
            cache.remember(stored, forTokenHash: hash)
            principal = stored
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "user"] = "\(principal.userID)"
        return try await next(request, context)
    }
}
