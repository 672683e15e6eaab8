/// Splits a top-level JSON array into its elements without parsing the whole document.
///
/// It tracks only nesting depth and string state, so hostile nesting costs an integer, not stack; each
/// element is then parsed on its own with the depth limit of `JSONParser`.
public struct JSONArraySplitter: RecordSplitter {
    public let maxElementBytes: Int
    /// `afterOpening`: just after `[`, an element or `]` may follow; `afterComma`: an element must follow.
    private enum Phase { case beforeArray, afterOpening, afterComma, inElement, afterArray, failed }
    private var phase = Phase.beforeArray
    private var element: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var lineNumber = 1
    private var elementLine = 1
    private var tooLong = false

    public init(maxElementBytes: Int) {
        self.maxElementBytes = maxElementBytes
    }

    public mutating func push(_ chunk: UnsafeRawBufferPointer, emit: (ImportRecord) throws -> Void) rethrows {
        for byte in chunk {
            if byte == 0x0A { lineNumber += 1 }
            switch phase {
            case .failed:
                return
            case .beforeArray:
                if isWhitespace(byte) { continue }
                if byte == UInt8(ascii: "[") {
                    phase = .afterOpening
                } else {
                    phase = .failed
                    try emit(.malformed(line: lineNumber, message: "a JSON import must be an array of tasks"))
                }
            case .afterArray:
                if !isWhitespace(byte) {
                    phase = .failed
                    try emit(.malformed(line: lineNumber, message: "unexpected content after the closing ']'"))
                }
            case .afterOpening, .afterComma:
                if isWhitespace(byte) { continue }
                if byte == UInt8(ascii: "]") && phase == .afterOpening {
                    phase = .afterArray
                    continue
                }
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") {
                    phase = .failed
                    let problem =
                        byte == UInt8(ascii: ",")
                        ? "an empty element (a comma with nothing before it)" : "a trailing comma before ']'"
                    try emit(.malformed(line: lineNumber, message: problem))
                    return
                }
                phase = .inElement
                elementLine = lineNumber
                try take(byte, emit: emit)
            case .inElement:
                try take(byte, emit: emit)
            }
        }
    }

    public mutating func finish(emit: (ImportRecord) throws -> Void) rethrows {
        switch phase {
        case .afterArray, .failed: return
        case .beforeArray: try emit(.malformed(line: lineNumber, message: "empty body: expected a JSON array"))
        case .afterOpening, .afterComma, .inElement:
            try emit(.malformed(line: lineNumber, message: "the array is not closed with ']'"))
        }
    }

    private mutating func take(_ byte: UInt8, emit: (ImportRecord) throws -> Void) rethrows {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            append(byte)
            return
        }
        switch byte {
        case UInt8(ascii: "\""):
            inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
        // A `where` binds to its own pattern only: a stray `}` at depth 0 is left for the element's parser
        // to refuse, never taken as closing something.
        case UInt8(ascii: "}") where depth > 0, UInt8(ascii: "]") where depth > 0:
            depth -= 1
        case UInt8(ascii: "]"):
            try endElement(emit: emit)
            phase = .afterArray
            return
        case UInt8(ascii: ",") where depth == 0:
            try endElement(emit: emit)
            phase = .afterComma
            return
        default:
            break
        }
        append(byte)
    }

    private mutating func append(_ byte: UInt8) {
        if element.count >= maxElementBytes {
            tooLong = true
        } else {
            element.append(byte)
        }
    }

    private mutating func endElement(emit: (ImportRecord) throws -> Void) rethrows {
        defer {
            element.removeAll(keepingCapacity: element.count <= 1 << 16)
            tooLong = false
            depth = 0
        }
        if tooLong {
            try emit(.malformed(line: elementLine, message: "element is longer than \(maxElementBytes) bytes"))
        } else {
            try emit(.json(line: elementLine, bytes: element))
        }
    }

    private func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
}
