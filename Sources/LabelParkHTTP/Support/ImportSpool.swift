import Foundation
import LabelParkStore

/// A temporary file of validated tasks between receiving an import and storing it.
///
/// The body is validated while it streams in, but the database write waits until the whole body has
/// arrived and passed: holding a write transaction open across network reads would stall every claim
/// and submission for as long as the slowest uploader. The spool keeps memory flat meanwhile.
// Unchecked: one request owns a spool and uses it sequentially, first appending, then replaying inside
// the store's write transaction, which runs on another thread but never concurrently with the appends.
final class ImportSpool: @unchecked Sendable {
    private let url: URL
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private static let flushThreshold = 1 << 20
    private(set) var count = 0

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("import-\(UUID().uuidString).spool")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        handle = try FileHandle(forUpdating: url)
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    /// Appends one task: its data, its gold answer, its priority and its prefill, each length-prefixed.
    func append(_ task: NewTask) throws {
        appendFrame(Array(task.dataJSON.utf8))
        appendOptionalFrame(task.goldJSON)
        appendLength(UInt32(bitPattern: Int32(task.priority)))
        appendOptionalFrame(task.prefillJSON)
        count += 1
        if pending.count >= Self.flushThreshold { try flush() }
    }

    private func appendFrame(_ bytes: [UInt8]) {
        appendLength(UInt32(bytes.count))
        pending.append(contentsOf: bytes)
    }

    private func appendOptionalFrame(_ text: String?) {
        if let text { appendFrame(Array(text.utf8)) } else { appendLength(UInt32.max) }
    }

    private func appendLength(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { pending.append(contentsOf: $0) }
    }

    private func flush() throws {
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Reads every task back in order, leaving out the ones appended at the positions in `skipping`; called
    /// after all appends (once to check prefills, once to store).
    func replay(skipping: Set<Int> = [], _ body: (_ task: NewTask, _ position: Int) throws -> Void) throws {
        try flush()
        try handle.seek(toOffset: 0)
        var reader = FrameReader()
        var position = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            reader.buffer.append(contentsOf: chunk)
            while let task = reader.nextTask() {
                if !skipping.contains(position) { try body(task, position) }
                position += 1
            }
            reader.compact()
        }
    }

    private struct FrameReader {
        var buffer: [UInt8] = []
        var position = 0

        mutating func compact() {
            buffer.removeFirst(position)
            position = 0
        }

        mutating func nextTask() -> NewTask? {
            let start = position
            guard let data = frame(), let gold = optionalFrame(), let priority = length(),
                let prefill = optionalFrame()
            else {
                position = start
                return nil
            }
            return NewTask(
                dataJSON: String(decoding: data, as: UTF8.self),
                goldJSON: gold.map { String(decoding: $0, as: UTF8.self) },
                priority: Int(Int32(bitPattern: priority)),
                prefillJSON: prefill.map { String(decoding: $0, as: UTF8.self) })
        }

        private mutating func length() -> UInt32? {
            guard buffer.count - position >= 4 else { return nil }
            var value: UInt32 = 0
            for index in 0..<4 { value |= UInt32(buffer[position + index]) << (8 * index) }
            position += 4
            return value
        }

        private mutating func frame() -> ArraySlice<UInt8>? {
            guard let count = length() else { return nil }
            guard buffer.count - position >= Int(count) else { return nil }
            defer { position += Int(count) }
            return buffer[position..<position + Int(count)]
        }

        /// `.some(nil)` for an absent gold answer or prefill, `nil` when the frame is incomplete.
        private mutating func optionalFrame() -> ArraySlice<UInt8>?? {
            guard buffer.count - position >= 4 else { return nil }
            let save = position
            guard let count = length() else { return nil }
            if count == UInt32.max { return .some(nil) }
            position = save
            guard let bytes = frame() else { return nil }
            return .some(bytes)
        }
    }
}
