import LabelParkCore
import Synchronization

/// Remembers which principal a token hash stands for, for a short time.
///
/// Every API request authenticates; without the cache that is a database read (a hop to a reader
/// thread and back) per request, a large share of a claim's cost. Entries live `lifetime` seconds, so a
/// change of memberships reaches running sessions within that time.
final class PrincipalCache: Sendable {
    private struct Entry {
        var principal: Principal
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[[UInt8]: Entry]>([:])
    private let lifetime: Duration
    private let capacity: Int

    init(lifetime: Duration = .seconds(30), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func principal(forTokenHash hash: [UInt8]) -> Principal? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard entry.expires > now else {
                entries[hash] = nil
                return nil
            }
            return entry.principal
        }
    }

    func remember(_ principal: Principal, forTokenHash hash: [UInt8]) {
        let expires = ContinuousClock.now + lifetime
        entries.withLock { entries in
            // Dropping everything at capacity is crude but bounded, and a refill costs one read per token.
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Entry(principal: principal, expires: expires)
        }
    }

    /// Drops every entry of a user, so a revoked token stops working on this instance at once.
    func forget(user: UserID) {
        entries.withLock { entries in entries = entries.filter { $0.value.principal.userID != user } }
    }
}
