import LabelParkCore
import LabelParkFormats
import Testing

/// How a body is cut into the chunks a splitter is fed, as a network would deliver it.
enum Chunking: CustomStringConvertible, Sendable {
    case whole
    case bytewise
    /// Chunks of 0 to 17 bytes, drawn from a seeded generator.
    case random(seed: UInt64)

    /// Whole, one byte at a time, and twenty random cuttings.
    static let all: [Chunking] = [.whole, .bytewise] + (1...20).map { .random(seed: $0) }

    var description: String {
        switch self {
        case .whole: "whole"
        case .bytewise: "bytewise"
        case .random(let seed): "random(\(seed))"
        }
    }

    func chunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole:
            return [bytes[...]]
        case .bytewise:
            return bytes.indices.map { bytes[$0..<($0 + 1)] }
        case .random(let seed):
            var generator = SplitMix64(seed: seed)
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 0...17, using: &generator))
                chunks.append(bytes[start..<end])
                start = end
            }
            return chunks
        }
    }
}

/// Feeds `bytes` to a fresh splitter in the given chunks and collects every record, finish included.
func records<Splitter: RecordSplitter>(
    of bytes: [UInt8], chunking: Chunking = .whole, splitter makeSplitter: () -> Splitter
) -> [ImportRecord] {
    var splitter = makeSplitter()
    var records: [ImportRecord] = []
    for chunk in chunking.chunks(of: bytes) {
        Array(chunk).withUnsafeBytes { raw in splitter.push(raw) { records.append($0) } }
    }
    splitter.finish { records.append($0) }
    return records
}

/// The records of `bytes` fed whole, after checking that every other chunking yields exactly the same.
func chunkingIndependentRecords<Splitter: RecordSplitter>(
    of bytes: [UInt8], splitter makeSplitter: () -> Splitter, sourceLocation: SourceLocation = #_sourceLocation
) -> [ImportRecord] {
    let whole = records(of: bytes, chunking: .whole, splitter: makeSplitter)
    for chunking in Chunking.all.dropFirst() {
        let chunked = records(of: bytes, chunking: chunking, splitter: makeSplitter)
        #expect(chunked == whole, "chunking \(chunking) differs", sourceLocation: sourceLocation)
    }
    return whole
}

func json(_ line: Int, _ text: String) -> ImportRecord { .json(line: line, bytes: Array(text.utf8)) }

@Suite("LineSplitter")
struct LineSplitterTests {
    func lines(_ text: String, maxLineBytes: Int = 1_000) -> [ImportRecord] {
        chunkingIndependentRecords(of: Array(text.utf8)) { LineSplitter(maxLineBytes: maxLineBytes) }
    }

    @Test("splits lines and numbers them like an editor, counting blank lines")
    func lineNumbers() {
        #expect(
            lines("{\"a\":1}\n\n{\"b\":2}\n   \n\t\n{\"c\":3}\n")
                == [json(1, #"{"a":1}"#), json(3, #"{"b":2}"#), json(6, #"{"c":3}"#)])
    }

    @Test("strips CR from CRLF line ends")
    func crlf() {
        #expect(lines("{\"a\":1}\r\n\r\n{\"b\":2}\r\n") == [json(1, #"{"a":1}"#), json(3, #"{"b":2}"#)])
        // Only the CR right before the LF is a line end; others are data.
        #expect(lines("a\rb\r\r\n") == [json(1, "a\rb\r")])
    }

    @Test("emits a last line without a newline at finish")
    func lastLine() {
        #expect(lines("{\"a\":1}\n{\"b\":2}") == [json(1, #"{"a":1}"#), json(2, #"{"b":2}"#)])
        #expect(lines("only") == [json(1, "only")])
    }

    @Test("emits nothing for an empty or blank body")
    func emptyBody() {
        #expect(lines("").isEmpty)
        #expect(lines("\n\n\r\n  \n").isEmpty)
    }

    @Test("keeps line bytes verbatim, whatever they are")
    func verbatim() {
        let body: [UInt8] = Array("{\"t\":\"中文😀\"}\n".utf8) + [0xC3, 0x28, 0x0A] + Array("  padded  \n".utf8)
        let records = chunkingIndependentRecords(of: body) { LineSplitter(maxLineBytes: 100) }
        #expect(
            records == [
                json(1, "{\"t\":\"中文😀\"}"), .json(line: 2, bytes: [0xC3, 0x28]), json(3, "  padded  "),
            ])
    }

    @Test("reports a line over the limit once, and goes on with the next line")
    func overLongLine() {
        let long = String(repeating: "x", count: 50)
        #expect(
            lines("short\n\(long)\nnext\n", maxLineBytes: 10)
                == [json(1, "short"), .malformed(line: 2, message: "line is longer than 10 bytes"), json(3, "next")])
        #expect(
            lines("\(long)\n\(long)\n", maxLineBytes: 10)
                == [
                    .malformed(line: 1, message: "line is longer than 10 bytes"),
                    .malformed(line: 2, message: "line is longer than 10 bytes"),
                ])
    }

    @Test("reports an over-long last line without a newline once")
    func overLongLastLine() {
        let long = String(repeating: "y", count: 1_000)
        #expect(
            lines("ok\n\(long)", maxLineBytes: 10) == [
                json(1, "ok"), .malformed(line: 2, message: "line is longer than 10 bytes"),
            ])
    }

    @Test("accepts a line of exactly the limit")
    func lineAtLimit() {
        #expect(
            lines("1234567890\n12345678901\n", maxLineBytes: 10)
                == [json(1, "1234567890"), .malformed(line: 2, message: "line is longer than 10 bytes")])
    }

    @Test(
        "counts a CRLF line against the limit without its CR, however the body is chunked"
    )
    func crlfLineAtLimit() {
        #expect(lines("1234567890\r\nnext\r\n", maxLineBytes: 10) == [json(1, "1234567890"), json(2, "next")])
    }
}
