import LabelParkCore
import LabelParkFormats
import Testing

/// One import outcome in a comparable form: a task's line, data, gold and priority, or a line error.
struct Outcome: Equatable, CustomStringConvertible {
    var line: Int
    var dataJSON: String?
    var goldJSON: String?
    var priority: Int?
    var error: String?

    static func task(_ line: Int, _ dataJSON: String, gold: String? = nil, priority: Int = 0) -> Outcome {
        Outcome(line: line, dataJSON: dataJSON, goldJSON: gold, priority: priority, error: nil)
    }

    static func error(_ line: Int, _ message: String) -> Outcome {
        Outcome(line: line, dataJSON: nil, goldJSON: nil, priority: nil, error: message)
    }

    init(line: Int, dataJSON: String?, goldJSON: String?, priority: Int?, error: String?) {
        self.line = line
        self.dataJSON = dataJSON
        self.goldJSON = goldJSON
        self.priority = priority
        self.error = error
    }

    init(_ result: Result<ImportedTask, LineError>) {
        switch result {
        case .success(let task):
            self.init(
                line: task.line, dataJSON: task.dataJSON, goldJSON: task.goldJSON, priority: task.priority, error: nil)
        case .failure(let error):
            self.init(line: error.line, dataJSON: nil, goldJSON: nil, priority: nil, error: error.message)
        }
    }

    var description: String {
        if let error { return "line \(line): error \(error)" }
        return "line \(line): \(dataJSON ?? "") gold=\(goldJSON ?? "nil") priority=\(priority ?? 0)"
    }
}

@Suite("TaskImporter")
struct TaskImporterTests {
    static let schema = ProjectSchema(
        fields: [Field(name: "text", kind: .text)],
        questions: [
            Question(name: "sentiment", kind: .choice(options: ["pos", "neg", "neu"]), required: true),
            Question(name: "entities", kind: .spans(field: "text", labels: ["PER", "LOC"], overlap: .none)),
        ])

    func outcomes(
        _ format: ImportFormat, _ bytes: [UInt8], chunking: Chunking = .whole, maxRecordBytes: Int = 1 << 20
    ) throws -> [Outcome] {
        var importer = TaskImporter(format: format, schema: Self.schema, maxRecordBytes: maxRecordBytes)
        var outcomes: [Outcome] = []
        for chunk in chunking.chunks(of: bytes) {
            try Array(chunk).withUnsafeBytes { raw in try importer.push(raw) { outcomes.append(Outcome($0)) } }
        }
        try importer.finish { outcomes.append(Outcome($0)) }
        return outcomes
    }

    /// The outcomes of `text` fed whole, after checking that a few other chunkings give the same.
    func outcomes(_ format: ImportFormat, _ text: String, maxRecordBytes: Int = 1 << 20) throws -> [Outcome] {
        let bytes = Array(text.utf8)
        let whole = try outcomes(format, bytes, maxRecordBytes: maxRecordBytes)
        for chunking in [Chunking.bytewise, .random(seed: 7), .random(seed: 8)] {
            #expect(
                try outcomes(format, bytes, chunking: chunking, maxRecordBytes: maxRecordBytes) == whole, "\(chunking)")
        }
        return whole
    }

    @Test("imports NDJSON lines of plain data objects")
    func plainDataObjects() throws {
        #expect(
            try outcomes(
                .ndjson, "{\"text\":\"hello\"}\n\n{\"text\":\"world\",\"source\":\"web\",\"id\":12345678901234567890}\n"
            )
                == [
                    .task(1, #"{"text":"hello"}"#),
                    .task(3, #"{"text":"world","source":"web","id":12345678901234567890}"#),
                ])
    }

    @Test("imports data, gold and priority wrappers")
    func wrappers() throws {
        let body = """
            {"data":{"text":"Alice in Paris"},"gold":{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER"}]},"priority":5}
            {"priority":-3,"data":{"text":"no gold"}}
            {"data":{"text":"null gold"},"gold":null}
            {"data":{"text":"partial gold"},"gold":{"entities":[]}}
            """
        #expect(
            try outcomes(.ndjson, body) == [
                .task(
                    1, #"{"text":"Alice in Paris"}"#,
                    gold: #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER"}]}"#,
                    priority: 5),
                .task(2, #"{"text":"no gold"}"#, priority: -3),
                .task(3, #"{"text":"null gold"}"#),
                .task(4, #"{"text":"partial gold"}"#, gold: #"{"entities":[]}"#),
            ])
    }

    @Test("treats an object with keys beyond the wrapper's as plain data")
    func notAWrapper() throws {
        #expect(
            try outcomes(.ndjson, #"{"data":{"text":"x"},"text":"plain"}"#)
                == [.task(1, #"{"data":{"text":"x"},"text":"plain"}"#)])
        #expect(
            try outcomes(.ndjson, #"{"data":{"text":"x"},"note":"y"}"#)
                == [.error(1, "data.text: missing (the schema shows this field)")])
    }

    @Test("validates gold answers against the schema and the task's text")
    func goldValidation() throws {
        let body = """
            {"data":{"text":"Alice"},"gold":{"sentiment":"great"}}
            {"data":{"text":"Alice"},"gold":{"entities":[{"start":0,"end":9,"label":"PER"}]}}
            {"data":{"text":"Alice"},"gold":{"mood":"x"}}
            {"data":{"text":"Alice"},"gold":"pos"}
            """
        #expect(
            try outcomes(.ndjson, body) == [
                .error(1, #"gold.sentiment: unknown option "great""#),
                .error(2, "gold.entities[0].end: is past the end of field text (5 characters)"),
                .error(3, "gold.mood: unknown question"),
                .error(4, "gold: must be an object keyed by question name"),
            ])
    }

    @Test("rejects bad priorities")
    func priorities() throws {
        let body = """
            {"data":{"text":"a"},"priority":1.5}
            {"data":{"text":"a"},"priority":"high"}
            {"data":{"text":"a"},"priority":1000001}
            {"data":{"text":"a"},"priority":-1000000}
            """
        let message = "priority: must be an integer from -1000000 to 1000000"
        #expect(
            try outcomes(.ndjson, body) == [
                .error(1, message), .error(2, message), .error(3, message),
                .task(4, #"{"text":"a"}"#, priority: -1_000_000),
            ])
    }

    @Test("names the missing or mistyped schema field")
    func missingField() throws {
        let body = """
            {"body":"no text here"}
            {"text":42}
            {"data":{"title":"x"}}
            """
        #expect(
            try outcomes(.ndjson, body) == [
                .error(1, "data.text: missing (the schema shows this field)"),
                .error(2, "data.text: must be a string, not number"),
                .error(3, "data.text: missing (the schema shows this field)"),
            ])
    }

    @Test("reports invalid JSON and non-objects per line, and goes on")
    func invalidJSON() throws {
        let body =
            "{\"text\":\"ok\"}\n{\"text\":'single'}\n[1,2]\n\"text\"\n{\"text\":\"a\",\"text\":\"b\"}\n{\"text\":\"still ok\"}\n"
        let results = try outcomes(.ndjson, body)
        #expect(results.count == 6)
        #expect(results[0] == .task(1, #"{"text":"ok"}"#))
        #expect(results[1].line == 2)
        #expect(results[1].error?.hasPrefix("invalid JSON: ") == true)
        #expect(results[2] == .error(3, "expected a JSON object, not array"))
        #expect(results[3] == .error(4, "expected a JSON object, not string"))
        #expect(results[4].error?.contains(#"invalid JSON: duplicate key "text""#) == true)
        #expect(results[5] == .task(6, #"{"text":"still ok"}"#))
    }

    @Test("turns 100,000-deep nesting into a line error, not a crash")
    func hostileNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let wrapped = String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        let ndjson = deep + "\n" + #"{"text":"after"}"# + "\n" + wrapped + "\n"
        let results = try outcomes(.ndjson, Array(ndjson.utf8))
        #expect(results.count == 3)
        #expect(results[0].line == 1 && results[0].error?.contains("invalid JSON") == true)
        #expect(results[0].error?.contains("nested deeper than 64 levels") == true)
        #expect(results[1] == .task(2, #"{"text":"after"}"#))
        #expect(results[2].line == 3 && results[2].error?.contains("nested deeper") == true)

        let array = try outcomes(.jsonArray, Array(("[" + deep + "," + #"{"text":"after"}"# + "]").utf8))
        #expect(array.count == 2)
        #expect(array[0].error?.contains("nested deeper") == true)
        #expect(array[1] == .task(1, #"{"text":"after"}"#))
    }

    @Test("keeps Chinese text and markup unchanged in meaning")
    func unicodeAndMarkup() throws {
        let text = "大同云冈石窟 <script>alert('x')</script> & 😀 \u{2028}"
        let line = JSONValue.object(["text": .string(text), "source": .string("</p>")]).jsonText
        let results = try outcomes(.ndjson, line + "\n")
        let dataJSON = try #require(results.first?.dataJSON)
        let data = try JSONParser().parse(dataJSON)
        #expect(data["text"]?.stringValue.map { Array($0.unicodeScalars) } == Array(text.unicodeScalars))
        #expect(data["source"] == .string("</p>"))
        #expect(!dataJSON.contains("<"))
        #expect(dataJSON.contains("大同云冈石窟"))
        #expect(dataJSON.contains(#"\u003cscript\u003e"#))

        let escaped = try outcomes(.ndjson, #"{"text":"\u5927\u540c \ud83d\ude00 \u003cb\u003e"}"#)
        #expect(escaped == [.task(1, #"{"text":"大同 😀 \u003cb\u003e"}"#)])
    }

    @Test("imports CSV, mapping header names to string values")
    func csv() throws {
        let body = "\u{FEFF}text,source\r\n\"Hello, \"\"world\"\"\",web\r\n\r\n大同,\"multi\nline\"\r\n"
        #expect(
            try outcomes(.csv, body) == [
                .task(2, #"{"text":"Hello, \"world\"","source":"web"}"#),
                .task(4, #"{"text":"大同","source":"multi\nline"}"#),
            ])
    }

    @Test("reports CSV rows with the wrong number of columns")
    func csvColumnCount() throws {
        #expect(
            try outcomes(.csv, "text,source\na,b,c\nd\ne,f\n") == [
                .error(2, "expected 2 fields as in the header, found 3"),
                .error(3, "expected 2 fields as in the header, found 1"),
                .task(4, #"{"text":"e","source":"f"}"#),
            ])
    }

    @Test("reports CSV without the schema's fields, malformed rows and an empty body")
    func csvErrors() throws {
        #expect(
            try outcomes(.csv, "body\nx\n") == [.error(2, "data.text: missing (the schema shows this field)")])
        #expect(
            try outcomes(.csv, "text\nbad\"quote\nok\n") == [
                .error(2, "a quote inside an unquoted field (quote the whole field and double the quote)"),
                .task(3, #"{"text":"ok"}"#),
            ])
        #expect(try outcomes(.csv, "") == [.error(1, "empty body: expected a header row naming the fields")])
        #expect(try outcomes(.csv, "text\n").isEmpty)
    }

    @Test("reports duplicate CSV header columns")
    func csvDuplicateHeader() throws {
        let results = try outcomes(.csv, "text,source,text\n")
        #expect(results == [.error(1, #"the header names column "text" twice"#)])
    }

    @Test(
        "never produces task data with duplicate keys from a CSV header naming a column twice"
    )
    func csvDuplicateHeaderRows() throws {
        let results = try outcomes(.csv, "text,text\na,b\n")
        for result in results {
            if let dataJSON = result.dataJSON {
                #expect(throws: Never.self) { try JSONParser().parse(dataJSON) }
            }
        }
        #expect(results.allSatisfy { $0.dataJSON == nil })
    }

    @Test("imports a JSON array of data objects and wrappers")
    func jsonArray() throws {
        let body = """
            [
              {"text":"a"},
              {"data":{"text":"b"},"gold":{"sentiment":"neg"},"priority":2},
              {"text":1},
              "nope"
            ]
            """
        #expect(
            try outcomes(.jsonArray, body) == [
                .task(2, #"{"text":"a"}"#),
                .task(3, #"{"text":"b"}"#, gold: #"{"sentiment":"neg"}"#, priority: 2),
                .error(4, "data.text: must be a string, not number"),
                .error(5, "expected a JSON object, not string"),
            ])
        #expect(try outcomes(.jsonArray, #"{"text":"a"}"#) == [.error(1, "a JSON import must be an array of tasks")])
    }

    @Test("passes splitter errors through as line errors")
    func splitterErrors() throws {
        let long = #"{"text":""# + String(repeating: "x", count: 100) + #""}"#
        #expect(
            try outcomes(.ndjson, long + "\n" + #"{"text":"short"}"# + "\n", maxRecordBytes: 50) == [
                .error(1, "line is longer than 50 bytes"), .task(2, #"{"text":"short"}"#),
            ])
    }

    @Test(
        "recognises content types",
        arguments: [
            ("application/x-ndjson", ImportFormat.ndjson), ("application/ndjson; charset=utf-8", .ndjson),
            ("application/jsonl", .ndjson), ("application/x-jsonlines", .ndjson), ("application/jsonlines", .ndjson),
            ("text/csv", .csv), ("Text/CSV ; charset=UTF-8", .csv), ("application/csv", .csv),
            ("application/json", .jsonArray), ("  application/json\t;charset=utf-8", .jsonArray),
        ])
    func contentTypes(contentType: String, format: ImportFormat) {
        #expect(ImportFormat(contentType: contentType) == format)
    }

    @Test(
        "rejects other content types",
        arguments: ["", "text/plain", "application/xml", "application/json-seq", "multipart/form-data"])
    func otherContentTypes(contentType: String) {
        #expect(ImportFormat(contentType: contentType) == nil)
    }
}
