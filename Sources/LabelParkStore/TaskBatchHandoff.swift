import Foundation

/// Carries imported tasks from a synchronous producer thread to the async database writer in batches of
/// `batchSize`, at most `capacity` batches waiting, so an import of any size uses bounded memory.
public struct TaskBatchHandoff: Sendable {
    private let batches: BlockingHandoff<[NewTask]>
    private let batchSize: Int

    public init(batchSize: Int = 2_000, capacity: Int = 4) {
        self.batches = BlockingHandoff(capacity: capacity)
        self.batchSize = batchSize
    }

    /// Runs `produce` on the calling thread, handing its tasks over in batches; records how it ended.
    public func produce(using produce: (_ insert: (NewTask) throws -> Void) throws -> Void) {
        var batch: [NewTask] = []
        batch.reserveCapacity(batchSize)
        do {
            try produce { task in
                batch.append(task)
                if batch.count == batchSize {
                    try batches.send(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try batches.send(batch) }
            batches.finish()
        } catch {
            batches.finish(throwing: error)
        }
    }

    /// The next batch, `nil` once the producer finished, or the producer's error.
    public func next() async throws -> [NewTask]? { try await batches.next() }

    /// The consumer gave up: make the producer's next insert throw so it stops.
    public func cancel() { batches.cancel() }
}

extension TaskBatchHandoff {
    /// Runs an import: `produce` (a synchronous reader of the import spool) on a thread of its own, handing
    /// tasks over in batches, while `consume` writes them; memory stays bounded by a few batches whatever the
    /// import's size. If `consume` fails, the producer is stopped before this returns, so `produce` never
    /// outlives the call.
    public static func importing<Value: Sendable>(
        batchSize: Int = 2_000,
        produce: @Sendable (_ insert: (NewTask) throws -> Void) throws -> Void,
        consume: (TaskBatchHandoff) async throws -> Value
    ) async throws -> Value {
        let batches = TaskBatchHandoff(batchSize: batchSize)
        return try await withoutActuallyEscaping(produce) { produce in
            let producer = BorrowedClosure(produce)
            defer { producer.release() }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                        DispatchQueue.global().async {
                            batches.produce(using: producer.borrowed)
                            done.resume()
                        }
                    }
                }
                do {
                    let value = try await consume(batches)
                    try await group.waitForAll()
                    return value
                } catch {
                    batches.cancel()
                    try? await group.waitForAll()
                    throw error
                }
            }
        }
    }
}
