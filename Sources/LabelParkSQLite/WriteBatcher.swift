import GRDB
import Metrics
import Synchronization

/// Group commit: concurrent writes share one transaction, so one fsync covers many of them.
///
/// With `synchronous=FULL` every commit waits for the disk. Writing each submission in its own
/// transaction would cap throughput at the disk's fsync rate; instead the first writer to arrive becomes
/// the leader, runs every write pending at that moment in one transaction (each in its own savepoint, so
/// one failure rolls back only itself), commits once, and wakes the others with their results. Writes that
/// arrive meanwhile form the next batch, led by one of them, so no caller drains forever on others' behalf.
final class WriteBatcher: Sendable {
    private let pool: DatabasePool
    private let state = Mutex(State())
    /// Caps one batch so a burst cannot make a single transaction (and everyone's wait) unbounded.
    private let maxBatchSize: Int
    private let batchSizes = Recorder(label: "labelpark_sqlite_write_batch_size")
    private let commitDurations = Timer(label: "labelpark_sqlite_batch_commit_seconds")

    private struct State {
        var pending: [any BatchedWrite] = []
        var isDraining = false
    }

    init(pool: DatabasePool, maxBatchSize: Int = 512) {
        self.pool = pool
        self.maxBatchSize = maxBatchSize
    }

    /// Whether other writes are waiting or being written: a long job (an import) rests between its writes
    /// while this is so.
    var hasOtherWriters: Bool {
        state.withLock { !$0.pending.isEmpty || $0.isDraining }
    }

    /// Runs `work` inside a shared write transaction and returns once that transaction has committed.
    func write<Value: Sendable>(_ work: @escaping @Sendable (Database) throws -> Value) async throws -> Value {
        let write = PendingWrite(work)
        var isLeader = state.withLock { state in
            state.pending.append(write)
            if state.isDraining { return false }
            state.isDraining = true
            return true
        }
        while true {
            if isLeader { await drainOneBatch() }
            switch await write.outcome() {
            case .finished(let result): return try result.get()
            case .lead: isLeader = true
            }
        }
    }

    private func drainOneBatch() async {
        let batch: [any BatchedWrite] = state.withLock { state in
            let count = min(state.pending.count, maxBatchSize)
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            return batch
        }
        var commitError: (any Error)?
        if !batch.isEmpty {
            batchSizes.record(batch.count)
            let started = ContinuousClock.now
            defer { commitDurations.record(duration: ContinuousClock.now - started) }
            do {
                try await pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        for write in batch { write.execute(in: db) }
                        return .commit
                    }
                }
            } catch {
                commitError = error
            }
        }
        for write in batch { write.finish(commitError: commitError) }
        let nextLeader: (any BatchedWrite)? = state.withLock { state in
            guard let first = state.pending.first else {
                state.isDraining = false
                return nil
            }
            return first
        }
        nextLeader?.handLeadership()
    }
}

/// What the batcher needs from a queued write, whatever its result type.
private protocol BatchedWrite: AnyObject, Sendable {
    /// Runs the work in a savepoint of the shared transaction and keeps its result.
    func execute(in db: Database)
    /// Delivers the kept result, or `commitError` when the shared transaction failed to commit.
    func finish(commitError: (any Error)?)
    /// Wakes the waiting caller to lead the next batch.
    func handLeadership()
}

private enum WriteOutcome<Value: Sendable>: Sendable {
    case finished(Result<Value, any Error>)
    case lead
}

private final class PendingWrite<Value: Sendable>: BatchedWrite {
    private let work: @Sendable (Database) throws -> Value
    private let state = Mutex(Signal())

    private struct Signal {
        var delivered: WriteOutcome<Value>?
        var waiter: CheckedContinuation<WriteOutcome<Value>, Never>?
        /// Set while executing inside the transaction, read only by the same leader afterwards.
        var executed: Result<Value, any Error>?
    }

    init(_ work: @escaping @Sendable (Database) throws -> Value) {
        self.work = work
    }

    func execute(in db: Database) {
        let result: Result<Value, any Error>
        do {
            var value: Value?
            try db.inSavepoint {
                value = try work(db)
                return .commit
            }
            result = .success(value!)
        } catch {
            result = .failure(error)
        }
        state.withLock { $0.executed = result }
    }

    func finish(commitError: (any Error)?) {
        deliver { state in
            if let commitError { return .finished(.failure(commitError)) }
            return .finished(state.executed ?? .failure(CancellationError()))
        }
    }

    func handLeadership() {
        deliver { _ in .lead }
    }

    private func deliver(_ makeOutcome: (Signal) -> WriteOutcome<Value>) {
        state.withLock { state in
            let outcome = makeOutcome(state)
            if let waiter = state.waiter {
                state.waiter = nil
                waiter.resume(returning: outcome)
            } else {
                state.delivered = outcome
            }
        }
    }

    /// Waits for the next outcome: the result, or a request to lead.
    func outcome() async -> WriteOutcome<Value> {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if let delivered = state.delivered {
                    state.delivered = nil
                    continuation.resume(returning: delivered)
                } else {
                    state.waiter = continuation
                }
            }
        }
    }
}
