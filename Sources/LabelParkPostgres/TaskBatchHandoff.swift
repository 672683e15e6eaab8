import Foundation
import LabelParkStore

/// Carries imported tasks from a synchronous producer thread to the async database writer in batches,
/// blocking the producer while `capacity` batches wait, so an import of any size uses bounded memory.
final class TaskBatchHandoff: @unchecked Sendable {
    // Unchecked: every mutable field is guarded by `condition`.
    private let condition = NSCondition()
    private let batchSize: Int
    private let capacity: Int
    private var batches: [[NewTask]] = []
    private var outcome: Result<Void, any Error>?
    private var isCancelled = false
    private var waiter: CheckedContinuation<[NewTask]?, any Error>?

    init(batchSize: Int = 2_000, capacity: Int = 4) {
        self.batchSize = batchSize
        self.capacity = capacity
    }

    /// Runs `produce` on the calling thread, handing its tasks over in batches; records how it ended.
    func produce(using produce: (_ insert: (NewTask) throws -> Void) throws -> Void) {
        var batch: [NewTask] = []
        batch.reserveCapacity(batchSize)
        let result = Result {
            try produce { task in
                batch.append(task)
                if batch.count == self.batchSize {
                    try self.send(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try self.send(batch) }
        }
        finish(result)
    }

    /// The next batch, `nil` once the producer finished, or the producer's error.
    func next() async throws -> [NewTask]? {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if !batches.isEmpty {
                let batch = batches.removeFirst()
                condition.signal()
                condition.unlock()
                continuation.resume(returning: batch)
            } else if let outcome {
                condition.unlock()
                switch outcome {
                case .success: continuation.resume(returning: nil)
                case .failure(let error): continuation.resume(throwing: error)
                }
            } else {
                waiter = continuation
                condition.unlock()
            }
        }
    }

    /// The consumer gave up: make the producer's next insert throw so it stops.
    func cancel() {
        condition.lock()
        isCancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func send(_ batch: [NewTask]) throws {
        condition.lock()
        while batches.count >= capacity && !isCancelled { condition.wait() }
        if isCancelled {
            condition.unlock()
            throw CancellationError()
        }
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: batch)
            return
        }
        batches.append(batch)
        condition.unlock()
    }

    private func finish(_ result: Result<Void, any Error>) {
        condition.lock()
        outcome = result
        let waiter = self.waiter
        self.waiter = nil
        condition.unlock()
        switch result {
        case .success: waiter?.resume(returning: nil)
        case .failure(let error): waiter?.resume(throwing: error)
        }
    }
}
