/// Splits NDJSON into lines; blank lines are skipped but still counted, so line numbers match an editor's.
public struct LineSplitter: RecordSplitter {
    public let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var lineNumber = 1
    /// Set while skipping the rest of a line that already exceeded the limit.
    private var discarding = false

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    public mutating func push(_ chunk: UnsafeRawBufferPointer, emit: (ImportRecord) throws -> Void) rethrows {
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                append(UnsafeBufferPointer(rebasing: bytes[start...]))
                // A trailing CR may be the first half of a CRLF split across chunks; it does not count.
                let length = buffer.last == 0x0D ? buffer.count - 1 : buffer.count
                if discarding == false && length > maxLineBytes {
                    try emit(.malformed(line: lineNumber, message: "line is longer than \(maxLineBytes) bytes"))
                    buffer.removeAll(keepingCapacity: false)
                    discarding = true
                }
                return
            }
            append(UnsafeBufferPointer(rebasing: bytes[start..<newline]))
            try completeLine(emit: emit)
            start = newline + 1
        }
    }

    public mutating func finish(emit: (ImportRecord) throws -> Void) rethrows {
        if !buffer.isEmpty || discarding { try completeLine(emit: emit) }
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if !discarding { buffer.append(contentsOf: bytes) }
    }

    private mutating func completeLine(emit: (ImportRecord) throws -> Void) rethrows {
        defer {
            buffer.removeAll(keepingCapacity: buffer.count <= 1 << 16)
            lineNumber += 1
            discarding = false
        }
        if discarding { return }
        if buffer.last == 0x0D { buffer.removeLast() }
        if buffer.count > maxLineBytes {
            try emit(.malformed(line: lineNumber, message: "line is longer than \(maxLineBytes) bytes"))
            return
        }
        if buffer.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        try emit(.json(line: lineNumber, bytes: buffer))
    }
}
