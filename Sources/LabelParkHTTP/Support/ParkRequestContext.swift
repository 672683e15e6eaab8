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
    /// The peer's socket address (a proxy's, behind one); only sign-in reads it.
    let peer: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.session = nil
        self.peer = source.channel.remoteAddress
    }

    /// The peer's IP address, for limits on failed sign-ins; formatted only when asked for.
    public var remoteAddress: String? { peer?.ipAddress }

    /// The principal, or a 401 when the request carried no valid credentials.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError.unauthenticated }
        return principal
    }
}
