import LabelParkCore
import LabelParkFormats
import Testing

@Suite("JSONArraySplitter")
struct JSONArraySplitterTests {
    func elements(_ text: String, maxElementBytes: Int = 10_000) -> [ImportRecord] {
        elements(Array(text.utf8), maxElementBytes: maxElementBytes)
    }

    func elements(_ bytes: [UInt8], maxElementBytes: Int = 10_000) -> [ImportRecord] {
        chunkingIndependentRecords(of: bytes) { JSONArraySplitter(maxElementBytes: maxElementBytes) }
    }

    /// Each record's line with its element parsed, so insignificant whitespace does not matter.
    func parsed(_ records: [ImportRecord]) throws -> [(line: Int, value: JSONValue)] {
        try records.map { record in
            guard case .json(let line, let bytes) = record else {
                Issue.record("unexpected record \(record)")
                return (0, .null)
            }
            return (line, try JSONParser().parse(bytes))
        }
    }

    @Test("cuts out each element verbatim")
    func elementsVerbatim() {
        #expect(
            elements(#"[{"a":1},2,"three",null,[4,5]]"#) == [
                json(1, #"{"a":1}"#), json(1, "2"), json(1, #""three""#), json(1, "null"), json(1, "[4,5]"),
            ])
    }

    @Test("handles nested arrays and objects, and strings holding brackets, commas and escaped quotes")
    func nesting() throws {
        let body = #"""
            [
              {"a": [1, [2, {"b": "]"}]], "c": "x,y"},
              "str,with]brackets[and{braces}",
              {"q": "say \"],[\" twice", "bs": "ends with a backslash \\"},
              [[[]]],
              "\u005d"
            ]
            """#
        let values = try parsed(elements(body))
        #expect(values.map(\.line) == [2, 3, 4, 5, 6])
        #expect(
            values.map(\.value) == [
                .object([
                    "a": .array([.number("1"), .array([.number("2"), .object(["b": .string("]")])])]),
                    "c": .string("x,y"),
                ]),
                .string("str,with]brackets[and{braces}"),
                .object(["q": .string(#"say "],[" twice"#), "bs": .string(#"ends with a backslash \"#)]),
                .array([.array([.array([])])]),
                .string("]"),
            ])
    }

    @Test("numbers elements by the line they start on")
    func lineNumbers() throws {
        let values = try parsed(elements("\n\n[\n{\"a\":\n1},\n\n  {\"b\":2}, {\"c\":3}\n]\n"))
        #expect(values.map(\.line) == [4, 7, 7])
    }

    @Test("accepts an empty array")
    func emptyArray() {
        #expect(elements("[]").isEmpty)
        #expect(elements(" \r\n\t[ \n ]\n ").isEmpty)
    }

    @Test("rejects a body that is not an array")
    func notAnArray() {
        #expect(
            elements(#"{"text":"hello"}"#) == [.malformed(line: 1, message: "a JSON import must be an array of tasks")])
        #expect(elements("\n\n  42") == [.malformed(line: 3, message: "a JSON import must be an array of tasks")])
        #expect(elements("\u{FEFF}[1]") == [.malformed(line: 1, message: "a JSON import must be an array of tasks")])
    }

    @Test("rejects an empty body")
    func emptyBody() {
        #expect(elements("") == [.malformed(line: 1, message: "empty body: expected a JSON array")])
        #expect(elements(" \n ") == [.malformed(line: 2, message: "empty body: expected a JSON array")])
    }

    @Test("reports an array that is never closed, after the elements it did hold")
    func unclosedArray() {
        #expect(elements("[1,2") == [json(1, "1"), .malformed(line: 1, message: "the array is not closed with ']'")])
        #expect(elements("[1,\n") == [json(1, "1"), .malformed(line: 2, message: "the array is not closed with ']'")])
        #expect(elements(#"[{"a":"]"#) == [.malformed(line: 1, message: "the array is not closed with ']'")])
        #expect(elements("[") == [.malformed(line: 1, message: "the array is not closed with ']'")])
    }

    @Test("reports content after the closing bracket")
    func contentAfterArray() {
        #expect(elements("[1]  \n") == [json(1, "1")])
        #expect(
            elements("[1]\n[2]") == [
                json(1, "1"), .malformed(line: 2, message: "unexpected content after the closing ']'"),
            ])
        #expect(
            elements("[1] x y z") == [
                json(1, "1"), .malformed(line: 1, message: "unexpected content after the closing ']'"),
            ])
    }

    @Test("reports an element over the limit once, and goes on with the next element")
    func overLongElement() {
        let long = "\"" + String(repeating: "x", count: 100) + "\""
        #expect(
            elements("[1,\(long),{\"b\":[\(long)]},3]", maxElementBytes: 20)
                == [
                    json(1, "1"), .malformed(line: 1, message: "element is longer than 20 bytes"),
                    .malformed(line: 1, message: "element is longer than 20 bytes"), json(1, "3"),
                ])
    }

    @Test("costs no stack for hostile nesting")
    func deepNesting() {
        let depth = 100_000
        let element = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let records = elements("[" + element + ",1]", maxElementBytes: 1 << 20)
        #expect(records == [json(1, element), json(1, "1")])
    }

    @Test(
        "rejects empty elements, as JSON does"
    )
    func emptyElements() {
        for body in ["[1,,2]", "[1,2,]", "[,1]", "[,]"] {
            #expect(elements(body).contains { if case .malformed = $0 { true } else { false } }, "\(body)")
        }
    }
}
