import LabelParkCore
import Testing

/// The error a text is rejected with, or `nil` when it parses.
private func rejection(_ bytes: [UInt8], parser: JSONParser = JSONParser()) -> JSONSyntaxError? {
    do {
        _ = try parser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

private func rejection(_ text: String, parser: JSONParser = JSONParser()) -> JSONSyntaxError? {
    rejection(Array(text.utf8), parser: parser)
}

/// A JSON text the parser must reject, with a fragment its message must contain.
struct RejectedText: Sendable, CustomTestStringConvertible {
    var bytes: [UInt8]
    var messageFragment: String
    var testDescription: String

    init(_ text: String, _ messageFragment: String) {
        self.init(bytes: Array(text.utf8), messageFragment: messageFragment, description: text)
    }

    init(bytes: [UInt8], messageFragment: String, description: String) {
        self.bytes = bytes
        self.messageFragment = messageFragment
        self.testDescription = description
    }
}

@Suite("JSONParser")
struct JSONParserTests {
    let parser = JSONParser()

    @Test("parses every JSON type")
    func parsesEveryType() throws {
        #expect(try parser.parse("null") == .null)
        #expect(try parser.parse("true") == .bool(true))
        #expect(try parser.parse("false") == .bool(false))
        #expect(try parser.parse("42") == .number("42"))
        #expect(try parser.parse(#""hi""#) == .string("hi"))
        #expect(try parser.parse("[]") == .array([]))
        #expect(try parser.parse("{}") == .object([JSONMember]()))
        let nested = try parser.parse(#" { "a" : [ 1 , true , null , "x" , { "b" : [ ] } ] } "#)
        #expect(
            nested
                == .object([
                    JSONMember(
                        "a",
                        .array([.number("1"), .bool(true), .null, .string("x"), .object([JSONMember("b", .array([]))])])
                    )
                ]))
    }

    @Test("accepts all four kinds of insignificant whitespace")
    func whitespace() throws {
        #expect(try parser.parse(" \t\r\n[ \t\r\n1 \t\r\n] \t\r\n") == .array([.number("1")]))
    }

    @Test("keeps object members in document order")
    func memberOrder() throws {
        let value = try parser.parse(#"{"zebra":1,"apple":2,"mango":3,"Banana":4}"#)
        #expect(value.objectValue?.map(\.key) == ["zebra", "apple", "mango", "Banana"])
        #expect(value["mango"] == .number("3"))
    }

    @Test(
        "keeps the lexical text of numbers",
        arguments: [
            "12345678901234567890", "-0.5e-3", "0", "-0", "1E+10", "1e-7", "6.02214076E23",
            "3.14159265358979323846264338327950288", "-12345678901234567890123456789.000",
        ])
    func numberText(text: String) throws {
        #expect(try parser.parse(text) == .number(text))
        #expect(try parser.parse("[\(text)]") == .array([.number(text)]))
    }

    @Test("decodes every escape")
    func escapes() throws {
        #expect(try parser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parser.parse(#""\u0041\u00e9\u00E9""#) == .string("Aéé"))
        #expect(try parser.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test("decodes Chinese and emoji from \\u escapes, surrogate pairs and raw UTF-8")
    func unicode() throws {
        #expect(try parser.parse(#""\u4e2d\u6587\u6807\u6ce8""#) == .string("中文标注"))
        #expect(try parser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parser.parse(#""\uD83C\uDDE8\uD83C\uDDF3""#) == .string("🇨🇳"))
        #expect(try parser.parse(#""大同 \ud83d\udc4d🏽 云冈石窟""#) == .string("大同 👍🏽 云冈石窟"))
        let value = try parser.parse(#"{"文本":"😀"}"#)
        #expect(value["文本"] == .string("😀"))
        // Escaped and raw forms give the same scalars, not merely canonically equal strings.
        let escaped = try #require(try parser.parse(#""\u5927\u540c\ud83d\ude00""#).stringValue)
        #expect(Array(escaped.unicodeScalars) == Array("大同😀".unicodeScalars))
    }

    @Test("parses from any collection of bytes")
    func parsesByteCollections() throws {
        let bytes = Array(#"xx{"a":1}yy"#.utf8)
        #expect(try parser.parse(bytes[2..<9]) == .object(["a": .number("1")]))
        #expect(try parser.parse(ContiguousArray(#"[true]"#.utf8)) == .array([.bool(true)]))
    }

    @Test(
        "rejects non-JSON with a useful message",
        arguments: [
            RejectedText("", "unexpected end of input"),
            RejectedText("   ", "unexpected end of input"),
            RejectedText("[1,2,]", "unexpected character ']'"),
            RejectedText(#"{"a":1,}"#, "expected a string key"),
            RejectedText("[1 2]", "expected ',' or ']' in an array"),
            RejectedText(#"{"a" 1}"#, "expected ':' after a key"),
            RejectedText(#"{"a":1 "b":2}"#, "expected ',' or '}' in an object"),
            RejectedText("{'a':1}", "expected a string key"),
            RejectedText("['a']", "unexpected character '''"),
            RejectedText("'a'", "unexpected character '''"),
            RejectedText("{a:1}", "expected a string key"),
            RejectedText("01", "unexpected content after the JSON value"),
            RejectedText("-01", "unexpected content after the JSON value"),
            RejectedText("[00]", "expected ',' or ']' in an array"),
            RejectedText("1.", "digits expected after '.'"),
            RejectedText(".5", "unexpected character '.'"),
            RejectedText("+1", "unexpected character '+'"),
            RejectedText("-", "invalid number"),
            RejectedText("1e", "digits expected in exponent"),
            RejectedText("1e+", "digits expected in exponent"),
            RejectedText("NaN", "unexpected character 'N'"),
            RejectedText("Infinity", "unexpected character 'I'"),
            RejectedText("tru", "invalid literal"),
            RejectedText("nul", "invalid literal"),
            RejectedText("True", "unexpected character 'T'"),
            RejectedText("nulL", "invalid literal"),
            RejectedText(#""abc"#, "unterminated string"),
            RejectedText(#""a\"#, "unterminated"),
            RejectedText(#""\n"#, "unterminated string"),
            RejectedText(#""\x""#, "invalid escape '\\x'"),
            RejectedText(#""\'""#, "invalid escape"),
            RejectedText(#""\u12G4""#, "invalid hex digit"),
            RejectedText(#""\u12xy""#, "invalid hex digit"),
            RejectedText(#""\u1"#, "truncated \\u escape"),
            RejectedText(#""\ud800""#, "lone surrogate"),
            RejectedText(#""\ud800x""#, "lone surrogate"),
            RejectedText(#""\udfff""#, "lone surrogate"),
            RejectedText(#""\ud800\u0041""#, "invalid surrogate pair"),
            RejectedText(#""\ud800\ud800""#, "invalid surrogate pair"),
            RejectedText("\"tab\there\"", "control character in a string"),
            RejectedText("\"line\nbreak\"", "control character in a string"),
            RejectedText("\"\\n then \u{1F}\"", "control character in a string"),
            RejectedText("\"nul\u{0}\"", "control character in a string"),
            RejectedText(#"{"a":1,"a":2}"#, #"duplicate key "a""#),
            RejectedText(#"{"a":{"b":1,"c":2,"b":3}}"#, #"duplicate key "b""#),
            RejectedText(#"{"\u0061":1,"a":2}"#, #"duplicate key "a""#),
            RejectedText("{} {}", "unexpected content after the JSON value"),
            RejectedText("1 2", "unexpected content after the JSON value"),
            RejectedText("nullx", "unexpected content after the JSON value"),
            RejectedText("[1]]", "unexpected content after the JSON value"),
            RejectedText("[1", "unexpected end of input in an array"),
            RejectedText(#"{"a":1"#, "unexpected end of input in an object"),
            RejectedText("[", "unexpected end of input"),
            RejectedText("\u{FEFF}{}", "unexpected character"),
            RejectedText("/* comment */ 1", "unexpected character '/'"),
        ])
    func rejects(_ input: RejectedText) throws {
        let error = try #require(rejection(input.bytes))
        #expect(error.message.contains(input.messageFragment), "message was: \(error.message)")
        #expect(error.offset >= 0 && error.offset <= input.bytes.count)
        #expect(error.description == "\(error.message) at byte \(error.offset)")
    }

    @Test(
        "rejects invalid UTF-8 inside strings",
        arguments: [
            RejectedText(bytes: [0x22, 0xC3, 0x28, 0x22], messageFragment: "invalid UTF-8", description: "C3 28"),
            RejectedText(bytes: [0x22, 0x61, 0xFF, 0x22], messageFragment: "invalid UTF-8", description: "FF"),
            RejectedText(bytes: [0x22, 0xC0, 0xAF, 0x22], messageFragment: "invalid UTF-8", description: "overlong /"),
            RejectedText(
                bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], messageFragment: "invalid UTF-8",
                description: "encoded surrogate"),
            RejectedText(
                bytes: [0x22, 0xE4, 0xB8, 0x22], messageFragment: "invalid UTF-8", description: "truncated 中"),
            RejectedText(
                bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], messageFragment: "invalid UTF-8",
                description: "beyond U+10FFFF"),
            // The same bytes after an escape take the slow path, which must validate too.
            RejectedText(
                bytes: Array(#""\n"#.utf8) + [0xC3, 0x28, 0x22], messageFragment: "invalid UTF-8",
                description: "escape then C3 28"),
            RejectedText(
                bytes: Array(#"{""#.utf8) + [0xC3, 0x28] + Array(#"":1}"#.utf8), messageFragment: "invalid UTF-8",
                description: "in a key"),
        ])
    func rejectsInvalidUTF8(_ input: RejectedText) throws {
        let error = try #require(rejection(input.bytes))
        #expect(error.message.contains(input.messageFragment), "message was: \(error.message)")
    }

    @Test("reports the offset of the problem")
    func offsets() throws {
        #expect(rejection(#"{"a":1,"a":2}"#)?.offset == 7)
        #expect(rejection("[1,2,]")?.offset == 5)
        #expect(rejection("01")?.offset == 1)
        #expect(rejection("  x")?.offset == 2)
        #expect(rejection(#"["ok", "tab\#t"]"#)?.offset == 11)
    }

    @Test("accepts nesting up to the depth limit and rejects one level more")
    func depthLimit() throws {
        let limit = JSONParser.defaultMaxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(rejection(deepest) == nil)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = try #require(rejection(tooDeep))
        #expect(error.message == "JSON nested deeper than \(limit) levels")
        #expect(error.offset == limit)

        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(rejection(objects)?.message.contains("nested deeper") == true)
    }

    @Test("rejects 100,000 nested brackets without exhausting the stack")
    func hostileNesting() throws {
        let arrays = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(rejection(arrays)?.message.contains("nested deeper than 64 levels") == true)

        let balanced = arrays + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(rejection(balanced)?.message.contains("nested deeper") == true)

        let objects = Array(String(repeating: #"{"k":"#, count: 100_000).utf8)
        #expect(rejection(objects)?.message.contains("nested deeper") == true)

        let mixed = Array(String(repeating: #"[{"k":"#, count: 50_000).utf8)
        #expect(rejection(mixed)?.message.contains("nested deeper") == true)
    }

    @Test("honours a custom depth limit")
    func customDepth() throws {
        let shallow = JSONParser(maxDepth: 2)
        #expect(rejection("[[1]]", parser: shallow) == nil)
        #expect(rejection(#"{"a":[1]}"#, parser: shallow) == nil)
        #expect(rejection("[[[1]]]", parser: shallow)?.message == "JSON nested deeper than 2 levels")
        #expect(rejection("1", parser: JSONParser(maxDepth: 0)) == nil)
        #expect(rejection("[]", parser: JSONParser(maxDepth: 0)) != nil)
    }

    @Test(
        "treats keys that differ in code points as different keys, as RFC 8259 compares them"
    )
    func canonicallyEquivalentKeysAreDistinct() throws {
        // "é" (U+00E9) and "e\u0301" are different member names under RFC 8259 §8.3.
        let value = try parser.parse(#"{"\u00e9":1,"e\u0301":2}"#)
        #expect(value.objectValue?.count == 2)
    }
}

@Suite("JSONValue accessors")
struct JSONValueAccessorTests {
    @Test("reads integers only when exact")
    func intValue() {
        #expect(JSONValue.number("42").intValue == 42)
        #expect(JSONValue.number("-7").intValue == -7)
        #expect(JSONValue.number("1e3").intValue == 1000)
        #expect(JSONValue.number("3.0").intValue == 3)
        #expect(JSONValue.number("3.5").intValue == nil)
        #expect(JSONValue.number("12345678901234567890").intValue == nil)
        #expect(JSONValue.number("1e400").intValue == nil)
        #expect(JSONValue.string("3").intValue == nil)
    }

    @Test("typed accessors answer nil for other types")
    func typedAccessors() {
        let object = JSONValue.object(["a": .string("x")])
        #expect(object["a"]?.stringValue == "x")
        #expect(object["missing"] == nil)
        #expect(JSONValue.array([])["a"] == nil)
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.string("true").boolValue == nil)
        #expect(JSONValue.number("2.5").doubleValue == 2.5)
        #expect(JSONValue.null.isNull)
        #expect(!JSONValue.bool(false).isNull)
        #expect(
            [JSONValue.null, .bool(true), .number("1"), .string(""), .array([]), .object([JSONMember]())].map(
                \.typeName)
                == ["null", "boolean", "number", "string", "array", "object"])
    }

    @Test("builds numbers from integers and doubles")
    func numberBuilders() {
        #expect(JSONValue.integer(-42) == .number("-42"))
        #expect(JSONValue.integer(UInt64.max) == .number("18446744073709551615"))
        #expect(JSONValue.double(3.0) == .number("3"))
        #expect(JSONValue.double(0.5) == .number("0.5"))
        #expect(JSONValue.double(.infinity) == .null)
        #expect(JSONValue.double(.nan) == .null)
    }
}
