import LabelParkFormats
import Testing

@Suite("CSVSplitter")
struct CSVSplitterTests {
    func rows(_ bytes: [UInt8], maxRecordBytes: Int = 1_000) -> [ImportRecord] {
        chunkingIndependentRecords(of: bytes) { CSVSplitter(maxRecordBytes: maxRecordBytes) }
    }

    func rows(_ text: String, maxRecordBytes: Int = 1_000) -> [ImportRecord] {
        rows(Array(text.utf8), maxRecordBytes: maxRecordBytes)
    }

    @Test("splits records into fields with their line numbers")
    func simple() {
        #expect(
            rows("name,age\nAlice,30\n\nBob,41\n")
                == [
                    .csv(line: 1, fields: ["name", "age"]), .csv(line: 2, fields: ["Alice", "30"]),
                    .csv(line: 4, fields: ["Bob", "41"]),
                ])
    }

    @Test("keeps empty fields and surrounding spaces")
    func emptyFields() {
        #expect(
            rows("a,,c\n,\n x , y \nlast,\n")
                == [
                    .csv(line: 1, fields: ["a", "", "c"]), .csv(line: 2, fields: ["", ""]),
                    .csv(line: 3, fields: [" x ", " y "]),
                    .csv(line: 4, fields: ["last", ""]),
                ])
    }

    @Test("reads quoted commas, doubled quotes and empty quoted fields")
    func quoting() {
        #expect(
            rows(#""a,b",c"# + "\n" + #""say ""hi""","""",x"# + "\n" + #""","""# + "\n")
                == [
                    .csv(line: 1, fields: ["a,b", "c"]), .csv(line: 2, fields: [#"say "hi""#, #"""#, "x"]),
                    .csv(line: 3, fields: ["", ""]),
                ])
    }

    @Test("keeps line breaks inside quotes, numbering the record by its first line")
    func newlinesInQuotes() {
        #expect(
            rows("text,n\n\"line one\nline two\n\nline four\",1\nnext,2\n\"a\r\nb\",3\n")
                == [
                    .csv(line: 1, fields: ["text", "n"]),
                    .csv(line: 2, fields: ["line one\nline two\n\nline four", "1"]),
                    .csv(line: 6, fields: ["next", "2"]), .csv(line: 7, fields: ["a\r\nb", "3"]),
                ])
    }

    @Test("strips CRLF line ends, after quoted and unquoted fields")
    func crlf() {
        #expect(
            rows("a,b\r\n\"c\",\"d\"\r\n\r\ne,\"f\"\r\n")
                == [
                    .csv(line: 1, fields: ["a", "b"]), .csv(line: 2, fields: ["c", "d"]),
                    .csv(line: 4, fields: ["e", "f"]),
                ])
    }

    @Test("drops a byte-order mark at the start only")
    func byteOrderMark() {
        #expect(
            rows("\u{FEFF}name,age\n1,2\n") == [
                .csv(line: 1, fields: ["name", "age"]), .csv(line: 2, fields: ["1", "2"]),
            ])
        #expect(rows("\u{FEFF}\"name\"\n") == [.csv(line: 1, fields: ["name"])])
        #expect(rows("a\n\u{FEFF}b\n") == [.csv(line: 1, fields: ["a"]), .csv(line: 2, fields: ["\u{FEFF}b"])])
    }

    @Test("emits the last record without a newline at finish")
    func lastRecord() {
        #expect(rows("a,b\nc,d") == [.csv(line: 1, fields: ["a", "b"]), .csv(line: 2, fields: ["c", "d"])])
        #expect(rows("a,\"b\"") == [.csv(line: 1, fields: ["a", "b"])])
        #expect(rows("a,") == [.csv(line: 1, fields: ["a", ""])])
    }

    @Test("emits nothing for an empty body")
    func emptyBody() {
        #expect(rows("").isEmpty)
        #expect(rows("\u{FEFF}").isEmpty)
        #expect(rows("\n\r\n\n").isEmpty)
    }

    @Test("keeps Chinese and emoji intact")
    func unicode() {
        #expect(
            rows("文本,标签\n\"大同, 山西 😀\",正面\n")
                == [.csv(line: 1, fields: ["文本", "标签"]), .csv(line: 2, fields: ["大同, 山西 😀", "正面"])])
    }

    @Test("reports an unterminated quote at the line where the record starts")
    func unterminatedQuote() {
        #expect(
            rows("a,b\n\"open,x\nmore\n")
                == [.csv(line: 1, fields: ["a", "b"]), .malformed(line: 2, message: "unterminated quoted field")])
        #expect(rows("\"") == [.malformed(line: 1, message: "unterminated quoted field")])
    }

    @Test("reports a quote inside an unquoted field, and goes on with the next record")
    func quoteInUnquotedField() {
        let records = rows("ab\"c,d\nnext,1\n")
        #expect(records.count == 2)
        guard case .malformed(1, let message) = records.first else {
            Issue.record("expected a malformed record on line 1, got \(records)")
            return
        }
        #expect(message.contains("quote inside an unquoted field"))
        #expect(records.last == .csv(line: 2, fields: ["next", "1"]))
    }

    @Test("reports text after a closing quote")
    func textAfterClosingQuote() {
        #expect(
            rows("\"ab\"c,d\nok\n")
                == [.malformed(line: 1, message: "text after a closing quote"), .csv(line: 2, fields: ["ok"])])
    }

    @Test("reports a field that is not UTF-8")
    func invalidUTF8() {
        let body = Array("ok,".utf8) + [0xC3, 0x28] + Array("\nnext\n".utf8)
        #expect(
            rows(body) == [.malformed(line: 1, message: "field 2 is not valid UTF-8"), .csv(line: 2, fields: ["next"])])
    }

    @Test("reports a record over the limit once, and goes on with the next record")
    func overLongRecord() {
        let long = String(repeating: "x", count: 40)
        #expect(
            rows("a,b\n\(long),\"\(long)\n\(long)\"\nc,d\n", maxRecordBytes: 20)
                == [
                    .csv(line: 1, fields: ["a", "b"]), .malformed(line: 2, message: "record is longer than 20 bytes"),
                    .csv(line: 4, fields: ["c", "d"]),
                ])
    }

    @Test("handles every kind of record in one body, however it is chunked")
    func mixedBody() {
        let body =
            "\u{FEFF}id,text\r\n1,\"quoted, with \"\"quotes\"\"\r\nand a break\"\r\n2,plain\r\n\r\n3,bad\"quote\r\n4,\"中文\"\r\n5,\"open"
        #expect(
            rows(body)
                == [
                    .csv(line: 1, fields: ["id", "text"]),
                    .csv(line: 2, fields: ["1", "quoted, with \"quotes\"\r\nand a break"]),
                    .csv(line: 4, fields: ["2", "plain"]),
                    .malformed(
                        line: 6,
                        message: "a quote inside an unquoted field (quote the whole field and double the quote)"),
                    .csv(line: 7, fields: ["4", "中文"]), .malformed(line: 8, message: "unterminated quoted field"),
                ])
    }

    @Test(
        "keeps reading records after stray quotes in two fields of one record"
    )
    func recordWithTwoStrayQuotes() {
        #expect(
            rows("id,screen,tablet\n1,5\" wide,7\" wide\n2,ok,ok\n3,ok,ok\n")
                == [
                    .csv(line: 1, fields: ["id", "screen", "tablet"]),
                    .malformed(
                        line: 2,
                        message: "a quote inside an unquoted field (quote the whole field and double the quote)"),
                    .csv(line: 3, fields: ["2", "ok", "ok"]), .csv(line: 4, fields: ["3", "ok", "ok"]),
                ])
        #expect(
            rows("xxxxxxxxxx,ab\"c\nnext,1\nmore,2\n", maxRecordBytes: 8)
                == [
                    .malformed(line: 1, message: "record is longer than 8 bytes"),
                    .csv(line: 2, fields: ["next", "1"]),
                    .csv(line: 3, fields: ["more", "2"]),
                ])
    }
}
