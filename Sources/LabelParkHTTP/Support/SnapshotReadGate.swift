import Synchronization

/// Bounds how many long snapshot reads (streamed exports, quality reports) run at once on this instance.
///
/// Each holds a database reader (SQLite) or connection (PostgreSQL) for as long as its client takes. The
/// queue's own reads — a submission looks up its lease — need those too, so without a bound a handful of
/// slow export clients could make every annotator wait. Past the limit a read is refused at once with 429
/// `busy` and `Retry-After`; a permit is returned when it is released, however the request ended.
final class SnapshotReadGate: Sendable {
    let limit: Int
    private let inUse = Mutex(0)

    /// Half of SQLite's eight readers by default, leaving the rest to the queue.
    init(limit: Int = 4) {
        self.limit = limit
    }

    /// A permit for one snapshot read; throws `APIError.busy` when `limit` reads are running.
    func enter() throws -> Permit {
        let admitted = inUse.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else { throw APIError.busy(retryAfterSeconds: 10) }
        return Permit(gate: self)
    }

    fileprivate func leave() {
        inUse.withLock { $0 -= 1 }
    }

    /// Held for the duration of one read; gives its place back when released (captured by a response body,
    /// that is when the body has been written or dropped).
    final class Permit: Sendable {
        private let gate: SnapshotReadGate

        fileprivate init(gate: SnapshotReadGate) {
            self.gate = gate
        }

        deinit { gate.leave() }
    }
}
