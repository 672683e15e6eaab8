import Hummingbird
import LabelParkCore
import LabelParkStore
import NIOCore

/// The per-request context: Hummingbird's core storage plus the authenticated principal.
public struct ParkRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `RequestAuthenticator`; `nil` until then and on public routes.
    public var principal: Principal?
    /// The browser session the request came with, when it was authenticated by cookie.
    public var session: WebSession?
    /// The peer's socket address (a proxy's, behind one).
    let peer: SocketAddress?
    /// Who sent the request, believing `X-Forwarded-*` only from trusted proxies; set by `ClientOriginMiddleware`.
    public var client = ClientOrigin(forwardedAddress: nil, isSecure: false, host: nil)

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.session = nil
        self.peer = source.channel.remoteAddress
    }

    /// The client's IP address, for limits on failed sign-ins; a direct peer's is formatted only when asked for.
    public var remoteAddress: String? { client.forwardedAddress ?? peer?.ipAddress }

    /// The principal, or a 401 when the request carried no valid credentials.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError.unauthenticated }
        return principal
    }
}
