import LabelParkCore
import Synchronization

/// Limits failed sign-ins per account and per address, so passwords cannot be guessed at speed.
///
/// Counts live in this instance's memory: with several instances behind a load balancer an attacker gets
/// the limit once per instance, which still bounds guessing to a handful a minute. A success clears the
/// account's count.
final class SignInLimiter: Sendable {
    struct Limits: Sendable {
        var perAccount = 5
        var perAddress = 30
        var windowSeconds = 900
    }

    private let limits: Limits
    private let clock: any WallClock
    private let failures = Mutex<[String: [Timestamp]]>([:])
    /// Bounds memory under a spray of made-up emails: beyond it, the oldest keys are dropped.
    private let maximumKeys = 100_000

    init(limits: Limits = Limits(), clock: any WallClock) {
        self.limits = limits
        self.clock = clock
    }

    /// Seconds to wait before another attempt is allowed for this email or address, or `nil` if allowed.
    func retryAfter(email: String, address: String?) -> Int? {
        let now = clock.now()
        return failures.withLock { failures in
            var waits: [Int] = []
            for (key, limit) in keys(email: email, address: address) {
                let recent = Self.recent(failures[key] ?? [], now: now, window: limits.windowSeconds)
                if recent.count >= limit, let oldest = recent.first {
                    let freesAt = oldest.adding(seconds: limits.windowSeconds)
                    waits.append(max(1, Int((freesAt.rawValue - now.rawValue + 999) / 1000)))
                }
            }
            return waits.max()
        }
    }

    func recordFailure(email: String, address: String?) {
        let now = clock.now()
        failures.withLock { failures in
            if failures.count > maximumKeys { failures.removeAll(keepingCapacity: true) }
            for (key, _) in keys(email: email, address: address) {
                var recent = Self.recent(failures[key] ?? [], now: now, window: limits.windowSeconds)
                recent.append(now)
                failures[key] = recent
            }
        }
    }

    func recordSuccess(email: String) {
        _ = failures.withLock { $0.removeValue(forKey: "account:" + email.lowercased()) }
    }

    private func keys(email: String, address: String?) -> [(String, Int)] {
        var keys = [("account:" + email.lowercased(), limits.perAccount)]
        if let address { keys.append(("address:" + address, limits.perAddress)) }
        return keys
    }

    private static func recent(_ times: [Timestamp], now: Timestamp, window: Int) -> [Timestamp] {
        let start = now.adding(seconds: -window)
        return times.filter { $0 > start }
    }
}
