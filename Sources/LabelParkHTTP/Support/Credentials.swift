import Crypto
import Foundation
import HummingbirdBcrypt
import LabelParkCore
import NIOPosix

/// Hashes and checks passwords with bcrypt on NIO's blocking thread pool, never on an event loop.
public struct PasswordHasher: Sendable {
    /// bcrypt's work factor: 12 in production; tests use the minimum to stay fast.
    public var cost: UInt8

    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        let input = Self.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(input, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        let input = Self.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: hash) }
    }

    /// Spends the same work as a real check, so a sign-in with an unknown email takes as long as one
    /// with a wrong password and response times do not reveal which emails exist.
    public func verifyNothing() async throws {
        let cost = cost
        _ = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash("timing-equaliser", cost: cost) }
    }

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
