import Foundation

/// Hands values from a synchronous producer thread to an async consumer, blocking the producer while
/// `capacity` values wait, so a producer faster than its consumer keeps memory bounded.
///
/// Used where a synchronous world (a database read, a spool replay) meets an async one (a response
/// writer, a database client). The producer ends with `finish(throwing:)`; a consumer that gives up calls
/// `cancel()`, which makes the producer's next `send` throw `CancellationError`.
public final class BlockingHandoff<Element: Sendable>: @unchecked Sendable {
    // Unchecked: every mutable field is guarded by `condition`.
    private let condition = NSCondition()
    private let capacity: Int
    private var waiting: [Element] = []
    private var outcome: Result<Void, any Error>?
    private var isCancelled = false
    private var consumer: CheckedContinuation<Element?, any Error>?

    public init(capacity: Int) {
        precondition(capacity > 0, "a handoff holds at least one value")
        self.capacity = capacity
    }

    /// Hands a value over, waiting for room; throws `CancellationError` once the consumer has gone away.
    public func send(_ value: Element) throws {
        condition.lock()
        while waiting.count >= capacity && !isCancelled { condition.wait() }
        if isCancelled {
            condition.unlock()
            throw CancellationError()
        }
        if let consumer {
            self.consumer = nil
            condition.unlock()
            consumer.resume(returning: value)
            return
        }
        waiting.append(value)
        condition.unlock()
    }

    /// No more values will come; with an error, the consumer gets it after the values already sent.
    public func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        outcome = error.map { .failure($0) } ?? .success(())
        let consumer = self.consumer
        self.consumer = nil
        condition.unlock()
        if let error { consumer?.resume(throwing: error) } else { consumer?.resume(returning: nil) }
    }

    /// The consumer stopped: unblock the producer and make its next `send` throw.
    public func cancel() {
        condition.lock()
        isCancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next value, `nil` once the producer finished, or the error it finished with.
    public func next() async throws -> Element? {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if !waiting.isEmpty {
                let value = waiting.removeFirst()
                condition.signal()
                condition.unlock()
                continuation.resume(returning: value)
            } else if let outcome {
                condition.unlock()
                continuation.resume(with: outcome.map { nil })
            } else {
                consumer = continuation
                condition.unlock()
            }
        }
    }
}
