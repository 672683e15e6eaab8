import Hummingbird
import LabelParkCore

/// The per-request context: Hummingbird's core storage plus the authenticated principal.
public struct ParkRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `TokenAuthenticator`; `nil` until then and on public routes.
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// The principal, or a 401 when the request carried no valid credentials.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError.unauthenticated }
        return principal
    }
}
