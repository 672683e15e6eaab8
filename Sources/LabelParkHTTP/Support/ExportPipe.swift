import Foundation
import LabelParkFormats
import LabelParkStore

/// Export chunks travel from the synchronous database read to the async response writer through a
/// handoff of 8 chunks: a slow client keeps memory flat, a disconnected one cancels the read.
typealias ExportPipe = BlockingHandoff<[UInt8]>

extension BlockingHandoff where Element == [UInt8] {
    convenience init() { self.init(capacity: 8) }
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
