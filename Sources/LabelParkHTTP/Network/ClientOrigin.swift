import Foundation
import HTTPTypes
import Hummingbird

/// Who sent a request, as far as it can be believed: the client's address, whether it used HTTPS, and
/// the host it asked for.
///
/// Directly connected clients are taken at their socket; behind a trusted proxy the `X-Forwarded-For`,
/// `X-Forwarded-Proto` and `X-Forwarded-Host` it set are read instead. `X-Forwarded-For` is read from the
/// right, skipping trusted proxies, because its left part is whatever the client itself sent.
public struct ClientOrigin: Sendable, Equatable {
    /// The client's IP address as a trusted proxy reported it; `nil` for a direct client, whose address
    /// is its socket's (`ParkRequestContext.remoteAddress`, formatted only when asked for).
    public var forwardedAddress: String?
    /// Whether the client reached the park over HTTPS (so cookies get `Secure` and HSTS is sent).
    public var isSecure: Bool
    /// The `host[:port]` the client asked for, for the same-origin check of sign-in posts.
    public var host: String?

    static func resolve(
        peer: () -> String?, scheme: String?, authority: String?, headers: HTTPFields, trusted: TrustedProxies
    ) -> ClientOrigin {
        let direct = ClientOrigin(forwardedAddress: nil, isSecure: scheme == "https", host: authority)
        guard !trusted.isEmpty, let peer = peer(), trusted.contains(peer) else { return direct }
        var origin = direct
        let forwardedFor = headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if let client = forwardedFor.reversed().first(where: { !trusted.contains($0) }) ?? forwardedFor.first,
            IPNetwork.bytes(of: client) != nil
        {
            origin.forwardedAddress = client
        }
        if let proto = Self.lastValue(of: .xForwardedProto, in: headers)?.lowercased(),
            proto == "https" || proto == "http"
        {
            origin.isSecure = proto == "https"
        }
        if let host = Self.lastValue(of: .xForwardedHost, in: headers), !host.isEmpty, host.utf8.count <= 255,
            host.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "/" && $0 != "\\" && $0 != "@" })
        {
            origin.host = host
        }
        return origin
    }

    /// The last comma-separated value of a header: the one the nearest proxy added.
    private static func lastValue(of name: HTTPField.Name, in headers: HTTPFields) -> String? {
        headers[values: name].flatMap { $0.split(separator: ",") }.last.map {
            $0.trimmingCharacters(in: .whitespaces)
        }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    static let xForwardedHost = Self("X-Forwarded-Host")!
}

/// Resolves the `ClientOrigin` of every request before anything else reads it.
struct ClientOriginMiddleware: RouterMiddleware {
    typealias Context = ParkRequestContext
    let trusted: TrustedProxies

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.client = ClientOrigin.resolve(
            peer: { context.peer?.ipAddress }, scheme: request.head.scheme, authority: request.head.authority,
            headers: request.headers, trusted: trusted)
        return try await next(request, context)
    }
}
