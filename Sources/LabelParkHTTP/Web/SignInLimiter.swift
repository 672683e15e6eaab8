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

    /// Counts an attempt before its password is checked: `nil` admits it, a number is the seconds to wait.
    ///
    /// The attempt counts as a failure at once, so 500 simultaneous guesses at one account admit only the
    /// limit and never queue 500 password hashes; `recordSuccess` takes it back when the password was right.
    func admit(email: String, address: String?) -> Int? {
        let now = clock.now()
        return failures.withLock { failures in
            if failures.count > maximumKeys { failures.removeAll(keepingCapacity: true) }
            var waits: [Int] = []
            var recents: [(String, [Timestamp])] = []
            for (key, limit) in keys(email: email, address: address) {
                let recent = Self.recent(failures[key] ?? [], now: now, window: limits.windowSeconds)
                if recent.count >= limit, let oldest = recent.first {
                    let freesAt = oldest.adding(seconds: limits.windowSeconds)
                    waits.append(max(1, Int((freesAt.rawValue - now.rawValue + 999) / 1000)))
                }
                recents.append((key, recent))
            }
            if let wait = waits.max() { return wait }
            for (key, recent) in recents { failures[key] = recent + [now] }
            return nil
        }
    }

    /// Takes back the attempt `admit` counted: clears the account's failures and the address's newest one.
    func recordSuccess(email: String, address: String?) {
        failures.withLock { failures in
            failures.removeValue(forKey: "account:" + email.lowercased())
            if let address { _ = failures["address:" + address]?.popLast() }
        }
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
