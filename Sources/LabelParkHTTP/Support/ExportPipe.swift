import Foundation
import LabelParkFormats
import LabelParkStore

/// Carries export chunks from a synchronous producer (inside a database read) to the async response
/// writer, blocking the producer while `capacity` chunks wait, so a slow client keeps memory flat.
final class ExportPipe: @unchecked Sendable {
    // Unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private let capacity: Int
    private var chunks: [[UInt8]] = []
    private var isFinished = false
    private var isCancelled = false
    private var waiter: CheckedContinuation<[UInt8]?, Never>?

    init(capacity: Int = 8) {
        self.capacity = capacity
    }

    /// Hands a chunk to the consumer, waiting for room; throws once the consumer has gone away.
    func send(_ chunk: [UInt8]) throws {
        condition.lock()
        while chunks.count >= capacity && !isCancelled { condition.wait() }
        if isCancelled {
            condition.unlock()
            throw CancellationError()
        }
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: chunk)
            return
        }
        chunks.append(chunk)
        condition.unlock()
    }

    /// No more chunks will come.
    func finish() {
        condition.lock()
        isFinished = true
        let waiter = self.waiter
        self.waiter = nil
        condition.unlock()
        waiter?.resume(returning: nil)
    }

    /// The consumer stopped (the client disconnected): unblock and fail the producer.
    func cancel() {
        condition.lock()
        isCancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, or `nil` after `finish()`.
    func next() async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            condition.lock()
            if !chunks.isEmpty {
                let chunk = chunks.removeFirst()
                condition.signal()
                condition.unlock()
                continuation.resume(returning: chunk)
            } else if isFinished {
                condition.unlock()
                continuation.resume(returning: nil)
            } else {
                waiter = continuation
                condition.unlock()
            }
        }
    }
}

/// Encodes tasks into 64 KiB chunks and sends each full chunk down an `ExportPipe`.
final class ExportChunker: @unchecked Sendable {
    // Unchecked: used only from the single export producer, inside one synchronous database read.
    private let encoder: ExportEncoder
    private let pipe: ExportPipe
    private var buffer: [UInt8] = []
    private static let chunkSize = 1 << 16

    init(encoder: ExportEncoder, pipe: ExportPipe) {
        self.encoder = encoder
        self.pipe = pipe
        buffer.reserveCapacity(Self.chunkSize + 4096)
        encoder.header(into: &buffer)
    }

    func add(_ task: ExportedTask) throws {
        encoder.encode(task, into: &buffer)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try pipe.send(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
