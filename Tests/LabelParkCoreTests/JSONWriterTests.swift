import LabelParkCore
import Testing

/// Random JSON values for round-trip tests, drawn from a seeded generator so failures reproduce.
struct RandomJSONValues {
    var generator: SplitMix64

    /// Scalars that stress the writer: controls, HTML-significant characters, escapes, CJK, emoji, combining marks.
    private static let awkwardScalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\u{7F}", "\"", "\\", "/", "<", ">",
        "&", "'", "\u{2028}", "\u{2029}", "\u{301}", "\u{FEFF}", "\u{FFFF}", "\u{10FFFF}",
    ]

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func value(depth: Int = 0) -> JSONValue {
        let kinds = depth >= 4 ? 4 : 6
        switch Int.random(in: 0..<kinds, using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .number(numberText())
        case 3: return .string(string())
        case 4: return .array((0..<Int.random(in: 0...5, using: &generator)).map { _ in value(depth: depth + 1) })
        default:
            var keys = Set<String>()
            var members: [JSONMember] = []
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                let key = string()
                // The parser rejects duplicate keys, so a round trip only makes sense for unique ones.
                guard keys.insert(key).inserted else { continue }
                members.append(JSONMember(key, value(depth: depth + 1)))
            }
            return .object(members)
        }
    }

    /// A random text matching the JSON number grammar.
    mutating func numberText() -> String {
        var text = Bool.random(using: &generator) ? "-" : ""
        if Int.random(in: 0..<4, using: &generator) == 0 {
            text += "0"
        } else {
            text += String(Int.random(in: 1...9, using: &generator)) + digits(upTo: 25)
        }
        if Bool.random(using: &generator) {
            text += "." + String(Int.random(in: 0...9, using: &generator)) + digits(upTo: 10)
        }
        if Bool.random(using: &generator) {
            text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &generator)!
            text += String(Int.random(in: 0...9, using: &generator)) + digits(upTo: 3)
        }
        return text
    }

    private mutating func digits(upTo count: Int) -> String {
        String(
            (0..<Int.random(in: 0...count, using: &generator)).map { _ in "0123456789".randomElement(using: &generator)!
            })
    }

    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            scalars.append(scalar())
        }
        return String(scalars)
    }

    mutating func scalar() -> Unicode.Scalar {
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: return Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator))
        case 1: return Self.awkwardScalars.randomElement(using: &generator)!
        case 2: return Unicode.Scalar(UInt32.random(in: 0x4E00...0x9FFF, using: &generator))!
        case 3: return Unicode.Scalar(UInt32.random(in: 0x1F300...0x1FAFF, using: &generator))!
        default:
            // Anywhere in the scalar range, skipping the surrogate block.
            let raw = UInt32.random(in: 0...0x10FFFF - 0x800, using: &generator)
            return Unicode.Scalar(raw < 0xD800 ? raw : raw + 0x800)!
        }
    }
}

@Suite("JSONWriter")
struct JSONWriterTests {
    let parser = JSONParser()

    @Test("writes compact JSON")
    func compact() {
        let value = JSONValue.object([
            "b": .array([.integer(1), .bool(true), .bool(false), .null, .number("-0.5e-3")]),
            "a": .object([JSONMember]()),
            "c": .array([]),
            "d": .string("x"),
        ])
        #expect(value.jsonText == #"{"b":[1,true,false,null,-0.5e-3],"a":{},"c":[],"d":"x"}"#)
    }

    @Test("writes numbers verbatim")
    func numbers() {
        #expect(JSONValue.number("12345678901234567890").jsonText == "12345678901234567890")
        #expect(JSONValue.number("1E+10").jsonText == "1E+10")
    }

    @Test("escapes <, > and & as \\u escapes")
    func htmlSignificantCharacters() {
        #expect(JSONValue.string("</script><!--&-->").jsonText == #""\u003c/script\u003e\u003c!--\u0026--\u003e""#)
        #expect(JSONValue.object(["<k>": .string("&amp;")]).jsonText == #"{"\u003ck\u003e":"\u0026amp;"}"#)
    }

    @Test("escapes quotes, backslashes and every control character")
    func controlCharacters() {
        #expect(JSONValue.string("\"\\").jsonText == #""\"\\""#)
        #expect(JSONValue.string("\n\r\t").jsonText == #""\n\r\t""#)
        #expect(
            JSONValue.string("\u{0}\u{1}\u{8}\u{C}\u{1B}\u{1F}").jsonText == #""\u0000\u0001\u0008\u000c\u001b\u001f""#)
        for byte in UInt8(0)..<0x20 {
            let text = JSONValue.string(String(UnicodeScalar(byte))).jsonText
            #expect(text.utf8.allSatisfy { $0 >= 0x20 }, "U+\(byte) written raw")
        }
    }

    @Test("writes slash, DEL and non-ASCII text unescaped")
    func unescaped() {
        #expect(JSONValue.string("a/b\u{7F}").jsonText == "\"a/b\u{7F}\"")
        #expect(JSONValue.string("中文标注😀").jsonText == "\"中文标注😀\"")
    }

    @Test("appends to the caller's buffer")
    func appends() {
        var buffer = Array("prefix:".utf8)
        JSONValue.array([.integer(1)]).write(to: &buffer)
        JSONValue.writeString("<", to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:[1]"\u003c""#)
    }

    @Test(
        "round-trips hand-picked values",
        arguments: [
            JSONValue.null, .bool(true), .bool(false), .number("0"), .number("-0.5e-3"),
            .number("12345678901234567890"),
            .string(""), .string("中文 <script>alert('x')</script> & 😀"), .string("\u{0}\u{1F}\u{7F}\u{2028}"),
            .string("e\u{301} vs \u{E9}"), .string("🇨🇳👍🏽👨‍👩‍👧"), .array([]), .object([JSONMember]()),
            .object(["z": .integer(1), "a": .array([.null, .object(["": .string("empty key")])])]),
        ])
    func roundTripsExamples(value: JSONValue) throws {
        let text = value.jsonText
        let parsed = try parser.parse(text)
        #expect(parsed == value)
        #expect(parsed.jsonText == text)
    }

    @Test("round-trips 2,000 random values exactly")
    func roundTripsRandomValues() throws {
        var values = RandomJSONValues(seed: 0x5EED_2026)
        for _ in 0..<2_000 {
            let value = values.value()
            var bytes: [UInt8] = []
            value.write(to: &bytes)
            #expect(
                !bytes.contains {
                    $0 < 0x20 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&")
                })
            let parsed = try parser.parse(bytes)
            #expect(parsed == value)
            // Byte equality of the rewritten text also catches differences `==` forgives (canonical equivalence).
            var rewritten: [UInt8] = []
            parsed.write(to: &rewritten)
            #expect(rewritten == bytes)
        }
    }
}
