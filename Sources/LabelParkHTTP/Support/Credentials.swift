import Crypto
import Foundation
import HummingbirdBcrypt
import LabelParkCore
import NIOPosix

/// Hashes and checks passwords with bcrypt on a pool of its own, never on an event loop.
///
/// bcrypt at cost 12 takes a quarter of a second of CPU by design. The pool has half the cores (at least
/// one thread), so a flood of sign-ins can never take every core from claims and submissions, and sign-in
/// checks beyond a bounded queue are refused (429 with `Retry-After: 1`) instead of waiting without end.
/// Hashing a new password (an admin adding people) always queues.
public struct PasswordHasher: Sendable {
    /// bcrypt's work factor: 12 in production; tests use the minimum to stay fast.
    public var cost: UInt8

    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        let input = Self.bcryptInput(password)
        return try await Self.pool.run(queueing: .always) { Bcrypt.hash(input, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        let input = Self.bcryptInput(password)
        return try await Self.pool.run { Bcrypt.verify(input, hash: hash) }
    }

    /// Spends the same work as a real check, so a sign-in with an unknown email takes as long as one
    /// with a wrong password and response times do not reveal which emails exist.
    public func verifyNothing() async throws {
        let cost = cost
        _ = try await Self.pool.run { Bcrypt.hash("timing-equaliser", cost: cost) }
    }

    /// Shared by every hasher of the process, so the bound holds however many are made.
    static let pool = BoundedThreadPool(
        threads: max(1, ProcessInfo.processInfo.activeProcessorCount / 2), queueLimitPerThread: 64)

    /// bcrypt reads a C string and only its first 72 bytes, so a password is first reduced to the base64 of
    /// its SHA-256: every byte counts, NUL included, and the input is always 44 bytes.
    static func bcryptInput(_ password: String) -> String {
        Data(SHA256.hash(data: Array(password.utf8))).base64EncodedString()
    }

    /// Passwords shorter than this are refused.
    public static let minimumLength = 8
}

/// API tokens: `lp_` followed by 64 hex digits of randomness; only their SHA-256 is stored.
public enum APIToken {
    /// A new random token.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = "lp_"
        for _ in 0..<4 {
            let digits = String(generator.next() as UInt64, radix: 16)
            text += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return text
    }

    /// The digest under which a token is stored and looked up.
    public static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}
