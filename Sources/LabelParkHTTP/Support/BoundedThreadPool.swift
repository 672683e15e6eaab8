import NIOPosix
import Synchronization

/// A thread pool of its own for CPU-heavy work (password hashing, quality reports) that refuses work past a
/// fixed queue.
///
/// Swift's cooperative pool has one thread per core; seconds of CPU there would stall every other request
/// on that core, and an unbounded queue would let a flood of such requests wait without end.
final class BoundedThreadPool: Sendable {
    private let threads: NIOThreadPool
    private let capacity: Int
    private let admitted = Mutex(0)

    init(threads count: Int, queueLimitPerThread: Int) {
        threads = NIOThreadPool(numberOfThreads: count)
        threads.start()
        capacity = count * (queueLimitPerThread + 1)
    }

    /// Whether work waits however long the queue is, or is refused when it is full.
    enum Queueing { case always, whileRoom }

    /// Runs `work` on the pool; throws `APIError.busy` when the queue is full and `queueing`
    /// is `.whileRoom`.
    func run<Value: Sendable>(
        queueing: Queueing = .whileRoom, _ work: @escaping @Sendable () throws -> Value
    ) async throws -> Value {
        let isAdmitted = admitted.withLock { count in
            guard count < capacity || queueing == .always else { return false }
            count += 1
            return true
        }
        guard isAdmitted else { throw APIError.busy(retryAfterSeconds: 1) }
        defer { admitted.withLock { $0 -= 1 } }
        return try await threads.runIfActive(work)
    }
}
