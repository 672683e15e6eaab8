import LabelParkStore

/// Carries imported tasks from a synchronous producer thread to the async database writer in batches of
/// `batchSize`, at most `capacity` batches waiting, so an import of any size uses bounded memory.
struct TaskBatchHandoff: Sendable {
    private let batches: BlockingHandoff<[NewTask]>
    private let batchSize: Int

    init(batchSize: Int = 2_000, capacity: Int = 4) {
        self.batches = BlockingHandoff(capacity: capacity)
        self.batchSize = batchSize
    }

    /// Runs `produce` on the calling thread, handing its tasks over in batches; records how it ended.
    func produce(using produce: (_ insert: (NewTask) throws -> Void) throws -> Void) {
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
    func next() async throws -> [NewTask]? { try await batches.next() }

    /// The consumer gave up: make the producer's next insert throw so it stops.
    func cancel() { batches.cancel() }
}
