import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LabelParkCore
import LabelParkStore

/// How long a browser stays signed in.
public struct SessionPolicy: Sendable {
    /// A session unused this long ends.
    public var idleSeconds: Int
    /// A session ends this long after sign-in, however active.
    public var absoluteSeconds: Int
    /// Activity is written back at most this often, so reading pages does not mean a write per request.
    public var touchEverySeconds: Int

    public init(idleSeconds: Int = 8 * 3_600, absoluteSeconds: Int = 7 * 86_400, touchEverySeconds: Int = 60) {
        self.idleSeconds = idleSeconds
        self.absoluteSeconds = absoluteSeconds
        self.touchEverySeconds = touchEverySeconds
    }

    /// Whether `session` is still valid at `now`.
    func allows(_ session: WebSession, at now: Timestamp) -> Bool {
        now < session.expiresAt && now < session.lastSeenAt.adding(seconds: idleSeconds)
    }
}

/// Browser sessions: the `lp_session` cookie, its stored hash, expiry and sign-out.
struct WebSessions: Sendable {
    let store: any ParkStore
    let policy: SessionPolicy
    let clock: any WallClock

    static let cookieName = "lp_session"

    /// The valid session the request's cookie names, touching it when its activity is stale; `nil` when
    /// there is no cookie or the session is unknown or expired.
    func current(_ request: Request) async throws -> WebSession? {
        guard let token = Self.cookieToken(in: request) else { return nil }
        let hash = Self.hash(token)
        guard let session = try await store.session(forTokenHash: hash) else { return nil }
        let now = clock.now()
        guard policy.allows(session, at: now) else {
            try await store.deleteSession(tokenHash: hash)
            return nil
        }
        if now >= session.lastSeenAt.adding(seconds: policy.touchEverySeconds) {
            try await store.touchSession(tokenHash: hash, at: now)
        }
        return session
    }

    /// Starts a session for `user` and returns the `Set-Cookie` value that hands it to the browser.
    func start(for user: UserID, secure: Bool) async throws -> String {
        let token = Self.randomHex(bytes: 32)
        let expiresAt = clock.now().adding(seconds: policy.absoluteSeconds)
        try await store.createSession(
            tokenHash: Self.hash(token), csrfToken: Self.randomHex(bytes: 24), for: user, expiresAt: expiresAt)
        return Self.cookie(value: token, maxAge: policy.absoluteSeconds, secure: secure)
    }

    /// Ends the request's session, if any, and returns the `Set-Cookie` value that clears the cookie.
    func end(_ request: Request, secure: Bool) async throws -> String {
        if let token = Self.cookieToken(in: request) { try await store.deleteSession(tokenHash: Self.hash(token)) }
        return Self.cookie(value: "", maxAge: 0, secure: secure)
    }

    static func cookie(value: String, maxAge: Int, secure: Bool) -> String {
        "\(cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// Whether the browser reached us over TLS (directly, or as a proxy in front of us says).
    static func cookieToken(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                // Our tokens are 64 hex digits; anything else is not ours and never reaches the database.
                guard value.utf8.count == 64, value.utf8.allSatisfy({ isHexDigit($0) }) else { return nil }
                return value
            }
        }
        return nil
    }

    static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte)
    }
}
