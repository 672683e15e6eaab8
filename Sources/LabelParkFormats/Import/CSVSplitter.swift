/// Splits RFC 4180 CSV into records: quoted fields may hold commas, doubled quotes and line breaks.
///
/// A byte-order mark at the start is dropped (spreadsheets write one). Fields must be UTF-8.
public struct CSVSplitter: RecordSplitter {
    public let maxRecordBytes: Int
    private var fields: [String] = []
    private var field: [UInt8] = []
    /// Whether the current field has any byte, kept even when a failed record stops storing them.
    private var fieldHasContent = false
    private var recordBytes = 0
    private var inQuotes = false
    /// The previous byte was a quote inside a quoted field: either an escaped quote or the closing one.
    private var quotePending = false
    private var fieldWasQuoted = false
    private var lineNumber = 1
    private var recordStartLine = 1
    private var atStart = true
    private var bomBytesSeen = 0
    private var failure: String?

    public init(maxRecordBytes: Int) {
        self.maxRecordBytes = maxRecordBytes
    }

    public mutating func push(_ chunk: UnsafeRawBufferPointer, emit: (ImportRecord) throws -> Void) rethrows {
        for byte in chunk {
            if atStart {
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if bomBytesSeen < 3 && byte == bom[bomBytesSeen] {
                    bomBytesSeen += 1
                    if bomBytesSeen == 3 { atStart = false }
                    continue
                }
                atStart = false
                for replayed in bom.prefix(bomBytesSeen) { try consume(replayed, emit: emit) }
            }
            try consume(byte, emit: emit)
        }
    }

    public mutating func finish(emit: (ImportRecord) throws -> Void) rethrows {
        if inQuotes && !quotePending {
            try emit(.malformed(line: recordStartLine, message: "unterminated quoted field"))
            return
        }
        if fieldHasContent || !fields.isEmpty || fieldWasQuoted { try endRecord(emit: emit) }
    }

    private mutating func consume(_ byte: UInt8, emit: (ImportRecord) throws -> Void) rethrows {
        recordBytes += 1
        if byte == 0x0A { lineNumber += 1 }
        if recordBytes > maxRecordBytes && failure == nil {
            failure = "record is longer than \(maxRecordBytes) bytes"
        }
        if inQuotes {
            if quotePending {
                quotePending = false
                if byte == UInt8(ascii: "\"") {
                    appendToField(byte)
                    return
                }
                inQuotes = false
                // Fall through: the byte after a closing quote is handled as outside quotes.
            } else if byte == UInt8(ascii: "\"") {
                quotePending = true
                return
            } else {
                appendToField(byte)
                return
            }
        }
        switch byte {
        case UInt8(ascii: ","):
            endField()
        case 0x0A:
            if field.last == 0x0D && !fieldWasQuoted { field.removeLast() }
            try endRecord(emit: emit)
        case 0x0D where fieldWasQuoted:
            break
        case UInt8(ascii: "\""):
            if !fieldHasContent && !fieldWasQuoted {
                inQuotes = true
                fieldWasQuoted = true
            } else if failure == nil {
                failure = "a quote inside an unquoted field (quote the whole field and double the quote)"
            }
        default:
            if fieldWasQuoted && failure == nil { failure = "text after a closing quote" }
            appendToField(byte)
        }
    }

    private mutating func appendToField(_ byte: UInt8) {
        fieldHasContent = true
        if failure == nil { field.append(byte) }
    }

    private mutating func endField() {
        if failure == nil {
            if let text = String(validating: field, as: UTF8.self) {
                fields.append(text)
            } else {
                failure = "field \(fields.count + 1) is not valid UTF-8"
            }
        }
        field.removeAll(keepingCapacity: true)
        fieldHasContent = false
        fieldWasQuoted = false
    }

    private mutating func endRecord(emit: (ImportRecord) throws -> Void) rethrows {
        endField()
        let line = recordStartLine
        let record = fields
        let problem = failure
        fields.removeAll(keepingCapacity: true)
        failure = nil
        recordBytes = 0
        inQuotes = false
        quotePending = false
        recordStartLine = lineNumber
        if let problem {
            try emit(.malformed(line: line, message: problem))
        } else if !(record.count == 1 && record[0].isEmpty) {
            try emit(.csv(line: line, fields: record))
        }
    }
}
