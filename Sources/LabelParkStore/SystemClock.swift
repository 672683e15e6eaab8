import Foundation
import LabelParkCore

/// The real wall clock.
public struct SystemClock: WallClock {
    public init() {}

    public func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// Mints lease tokens; injected so tests can make them deterministic.
public struct TokenMinter: Sendable {
    private let mint: @Sendable () -> LeaseToken

    public init(_ mint: @escaping @Sendable () -> LeaseToken) {
        self.mint = mint
    }

    /// Tokens from the system's cryptographically secure generator.
    public static let secure = TokenMinter {
        var generator = SystemRandomNumberGenerator()
        return LeaseToken(random: &generator)
    }

    public func next() -> LeaseToken { mint() }
}
