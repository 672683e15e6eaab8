import LabelParkCore
import LabelParkFormats
import LabelParkStore
import Testing

@Suite("ExportEncoder")
struct ExportEncoderTests {
    static let schema = ProjectSchema(
        fields: [Field(name: "text", kind: .text)],
        questions: [
            Question(name: "sentiment", kind: .choice(options: ["pos", "neg"]), required: true),
            Question(name: "tags", kind: .multiChoice(options: ["a", "b", "c"], minCount: nil, maxCount: nil)),
            Question(name: "score", kind: .rating(min: 1, max: 5)),
            Question(name: "entities", kind: .spans(field: "text", labels: ["PER"], overlap: .none)),
        ])

    static let created = Timestamp(millisecondsSinceEpoch: 1_795_705_926_123)

    /// Data with a comma, quotes, a line break, Chinese and markup: everything CSV must quote and JSON must keep.
    static let dataJSON = JSONValue.object([
        "text": .string("Alice, \"the\" 大同 <b>\nsecond line"), "id": .number("12345678901234567890"),
    ]).jsonText

    static let firstAnnotation = ExportedAnnotation(
        id: AnnotationID(11), annotatorID: UserID(3), annotatorEmail: "ann<1>@example.com",
        resultJSON: #"{"sentiment":"pos","tags":["a","c"],"score":4,"entities":[{"start":0,"end":5,"label":"PER"}]}"#,
        version: 2, status: .accepted, isLate: false, leadTimeMilliseconds: 5_300, createdAt: created,
        updatedAt: created.adding(seconds: 60))

    static let lateAnnotation = ExportedAnnotation(
        id: AnnotationID(12), annotatorID: UserID(4), annotatorEmail: "late@example.com",
        resultJSON: #"{"sentiment":"neg"}"#,
        version: 1, status: .submitted, isLate: true, leadTimeMilliseconds: nil, createdAt: created.adding(seconds: 5),
        updatedAt: created.adding(seconds: 5))

    static let annotatedTask = ExportedTask(
        id: TaskID(101), dataJSON: dataJSON, priority: 3, annotations: [firstAnnotation, lateAnnotation])
    static let bareTask = ExportedTask(id: TaskID(102), dataJSON: #"{"text":"plain"}"#, priority: 0, annotations: [])

    func encoded(_ format: ExportFormat, _ tasks: [ExportedTask], header: Bool = true) -> [UInt8] {
        let encoder = ExportEncoder(format: format, schema: Self.schema)
        var buffer: [UInt8] = []
        if header { encoder.header(into: &buffer) }
        for task in tasks { encoder.encode(task, into: &buffer) }
        return buffer
    }

    /// The CSV rows of an export, read back with the import splitter.
    func csvRows(_ bytes: [UInt8]) -> [[String]] {
        records(of: bytes) { CSVSplitter(maxRecordBytes: 1 << 20) }.map { record in
            guard case .csv(_, let fields) = record else {
                Issue.record("unexpected record \(record)")
                return []
            }
            return fields
        }
    }

    @Test("writes one JSON line per task with the contract fields")
    func jsonlContract() throws {
        let bytes = encoded(.jsonl, [Self.annotatedTask, Self.bareTask])
        #expect(bytes.last == 0x0A)
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)

        let task = try JSONParser().parse(lines[0])
        #expect(task.objectValue?.map(\.key) == ["id", "data", "priority", "annotations"])
        #expect(task["id"] == .number("101"))
        #expect(task["data"] == (try JSONParser().parse(Self.dataJSON)))
        #expect(task["data"]?["id"] == .number("12345678901234567890"))
        #expect(task["priority"] == .number("3"))

        let annotations = try #require(task["annotations"]?.arrayValue)
        #expect(annotations.count == 2)
        for annotation in annotations {
            #expect(
                annotation.objectValue?.map(\.key) == [
                    "id", "annotator_id", "annotator", "result", "status", "late", "version", "lead_time_ms",
                    "created_at",
                    "updated_at",
                ])
        }
        let first = annotations[0]
        #expect(first["id"] == .number("11"))
        #expect(first["annotator_id"] == .number("3"))
        #expect(first["annotator"] == .string("ann<1>@example.com"))
        #expect(first["result"] == (try JSONParser().parse(Self.firstAnnotation.resultJSON)))
        #expect(first["status"] == .string("accepted"))
        #expect(first["late"] == .bool(false))
        #expect(first["version"] == .number("2"))
        #expect(first["lead_time_ms"] == .number("5300"))
        #expect(first["created_at"] == .string("2026-11-26T15:12:06.123Z"))
        #expect(first["updated_at"] == .string("2026-11-26T15:13:06.123Z"))

        let late = annotations[1]
        #expect(late["status"] == .string("submitted"))
        #expect(late["late"] == .bool(true))
        #expect(late["lead_time_ms"] == .null)

        let bare = try JSONParser().parse(lines[1])
        #expect(
            bare
                == .object([
                    "id": .number("102"), "data": .object(["text": .string("plain")]), "priority": .number("0"),
                    "annotations": .array([]),
                ]))
    }

    @Test("keeps markup out of JSONL lines")
    func jsonlEscapesMarkup() {
        let text = String(decoding: encoded(.jsonl, [Self.annotatedTask]), as: UTF8.self)
        #expect(!text.contains("<"))
        #expect(text.contains(#""annotator":"ann\u003c1\u003e@example.com""#))
    }

    @Test("writes nothing before JSONL rows and appends to the buffer")
    func jsonlAppends() {
        let encoder = ExportEncoder(format: .jsonl, schema: Self.schema)
        var buffer = Array("kept".utf8)
        encoder.header(into: &buffer)
        #expect(buffer == Array("kept".utf8))
        encoder.encode(Self.bareTask, into: &buffer)
        #expect(
            String(decoding: buffer, as: UTF8.self)
                == #"kept{"id":102,"data":{"text":"plain"},"priority":0,"annotations":[]}"# + "\n")
    }

    @Test("writes the CSV header row")
    func csvHeader() {
        #expect(
            String(decoding: encoded(.csv, []), as: UTF8.self)
                == "task_id,data.text,annotation_id,annotator_id,annotator,status,late,version,lead_time_ms,created_at,updated_at,"
                + "sentiment,tags,score,entities,result\r\n")
    }

    @Test("writes one CSV row per annotation, quoting commas, quotes and line breaks")
    func csvRowsPerAnnotation() {
        let rows = csvRows(encoded(.csv, [Self.annotatedTask]))
        #expect(rows.count == 3)
        let header = rows[0]
        #expect(rows.allSatisfy { $0.count == header.count })
        let first = Dictionary(uniqueKeysWithValues: zip(header, rows[1]))
        #expect(first["task_id"] == "101")
        #expect(first["data.text"] == "Alice, \"the\" 大同 <b>\nsecond line")
        #expect(first["annotation_id"] == "11")
        #expect(first["annotator_id"] == "3")
        #expect(first["annotator"] == "ann<1>@example.com")
        #expect(first["status"] == "accepted")
        #expect(first["late"] == "false")
        #expect(first["version"] == "2")
        #expect(first["lead_time_ms"] == "5300")
        #expect(first["created_at"] == "2026-11-26T15:12:06.123Z")
        #expect(first["updated_at"] == "2026-11-26T15:13:06.123Z")
        #expect(first["sentiment"] == "pos")
        #expect(first["tags"] == "a|c")
        #expect(first["score"] == "4")
        #expect(first["entities"] == #"[{"start":0,"end":5,"label":"PER"}]"#)
        #expect(first["result"] == Self.firstAnnotation.resultJSON)

        let late = Dictionary(uniqueKeysWithValues: zip(header, rows[2]))
        #expect(late["annotation_id"] == "12")
        #expect(late["late"] == "true")
        #expect(late["lead_time_ms"] == "")
        #expect(late["sentiment"] == "neg")
        #expect(late["tags"] == "")
        #expect(late["score"] == "")
        #expect(late["entities"] == "")
    }

    @Test("quotes exactly the cells that need it, doubling quotes")
    func csvQuoting() {
        let task = ExportedTask(
            id: TaskID(1), dataJSON: #"{"text":"a,b"}"#, priority: 0,
            annotations: [
                ExportedAnnotation(
                    id: AnnotationID(2), annotatorID: UserID(3), annotatorEmail: "plain@example.com",
                    resultJSON: #"{"sentiment":"pos"}"#, version: 1, status: .submitted, isLate: false,
                    leadTimeMilliseconds: 0, createdAt: Timestamp(millisecondsSinceEpoch: 0),
                    updatedAt: Timestamp(millisecondsSinceEpoch: 0))
            ])
        let text = String(decoding: encoded(.csv, [task], header: false), as: UTF8.self)
        #expect(
            text
                == #"1,"a,b",2,3,plain@example.com,submitted,false,1,0,1970-01-01T00:00:00.000Z,1970-01-01T00:00:00.000Z,pos,,,,"{""sentiment"":""pos""}""#
                + "\r\n")
    }

    @Test("writes one row for a task without annotations")
    func csvBareTask() {
        let rows = csvRows(encoded(.csv, [Self.bareTask]))
        #expect(rows.count == 2)
        #expect(rows[1].count == rows[0].count)
        #expect(rows[1] == ["102", "plain"] + Array(repeating: "", count: rows[0].count - 2))
    }

    @Test("writes non-string data as JSON and missing data as empty cells")
    func csvDataCells() {
        let schema = ProjectSchema(
            fields: [Field(name: "text", kind: .text), Field(name: "title", kind: .text)],
            questions: [Question(name: "q", kind: .text(maxLength: 10))])
        let encoder = ExportEncoder(format: .csv, schema: schema)
        var buffer: [UInt8] = []
        encoder.encode(
            ExportedTask(id: TaskID(5), dataJSON: #"{"text":12345678901234567890}"#, priority: 0, annotations: []),
            into: &buffer)
        #expect(csvRows(buffer).first?.prefix(3) == ["5", "12345678901234567890", ""])
    }
}
