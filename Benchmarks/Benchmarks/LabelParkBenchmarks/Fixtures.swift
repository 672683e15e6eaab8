import LabelParkCore
import LabelParkStore

/// The seed every fixture starts from, so each run measures the same bytes.
let fixtureSeed: UInt64 = 20_261_126

/// A sentiment-and-entities project: two text fields, five questions (one of each type of schema v1).
let reviewSchemaJSON = """
    {"fields": [{"name": "text", "type": "text", "label": "评论"}, {"name": "source", "type": "text"}],
     "questions": [
       {"name": "sentiment", "type": "choice", "options": ["正面", "中性", "负面"], "required": true, "label": "情感"},
       {"name": "topics", "type": "multi_choice", "options": ["物流", "价格", "质量", "客服", "包装", "外观", "电池", "屏幕"],
        "min": 1, "max": 3},
       {"name": "quality", "type": "rating", "min": 1, "max": 5},
       {"name": "comment", "type": "text", "max_length": 500},
       {"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "ORG", "LOC", "PRODUCT"], "overlap": "none"}
     ]}
    """

let reviewSources = ["weibo", "jd.com", "taobao", "dianping", "zhihu"]
private let sentiments = ["正面", "中性", "负面"]
private let topics = ["物流", "价格", "质量", "客服", "包装", "外观", "电池", "屏幕"]
private let entityLabels = ["PER", "ORG", "LOC", "PRODUCT"]

/// The review schema, decoded.
func reviewSchema() -> ProjectSchema {
    try! ProjectSchema(json: try! JSONParser().parse(reviewSchemaJSON))
}

/// A task's data: `{"text": …, "source": …}`.
func taskData(text: String, using generator: inout TextGenerator) -> JSONValue {
    .object(["text": .string(text), "source": .string(generator.pick(reviewSources))])
}

/// An answer to the choice, multi-choice, rating and text questions (spans left out, as most annotators do).
func reviewResult(using generator: inout TextGenerator) -> JSONValue {
    var chosen: [String] = []
    for _ in 0..<generator.int(in: 1...3) {
        let topic = generator.pick(topics)
        if !chosen.contains(topic) { chosen.append(topic) }
    }
    return .object([
        "sentiment": .string(generator.pick(sentiments)),
        "topics": .array(chosen.map(JSONValue.string)),
        "quality": .integer(generator.int(in: 1...5)),
        "comment": .string(generator.text(scalars: generator.int(in: 8...40))),
    ])
}

/// One NDJSON import line: usually the `{"data", "priority"}` wrapper, sometimes bare data or with gold.
func taskLine(textScalars: Int, using generator: inout TextGenerator) -> String {
    let data = taskData(text: generator.text(scalars: textScalars), using: &generator)
    switch generator.int(in: 1...10) {
    case 1...2:
        return data.jsonText
    case 3:
        return JSONValue.object(["data": data, "gold": reviewResult(using: &generator)]).jsonText
    default:
        return JSONValue.object(["data": data, "priority": .integer(generator.int(in: 0...9))]).jsonText
    }
}

/// `count` NDJSON task lines with texts of 20 to 80 characters, newline-terminated.
func ndjsonBody(lines count: Int, seed: UInt64) -> [UInt8] {
    var generator = TextGenerator(seed: seed)
    var body: [UInt8] = []
    for _ in 0..<count {
        body.append(contentsOf: taskLine(textScalars: generator.int(in: 20...80), using: &generator).utf8)
        body.append(UInt8(ascii: "\n"))
    }
    return body
}

/// A `text,source` header and `count` CSV records with the same texts as `ndjsonBody`'s shape.
func csvBody(records count: Int, seed: UInt64) -> [UInt8] {
    var generator = TextGenerator(seed: seed)
    var body = Array("text,source\r\n".utf8)
    for _ in 0..<count {
        let text = generator.text(scalars: generator.int(in: 20...80))
        body.append(contentsOf: csvCell(text).utf8)
        body.append(UInt8(ascii: ","))
        body.append(contentsOf: csvCell(generator.pick(reviewSources)).utf8)
        body.append(contentsOf: "\r\n".utf8)
    }
    return body
}

private func csvCell(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingQuotes() + "\""
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var escaped = ""
        for character in self {
            if character == "\"" { escaped.append("\"") }
            escaped.append(character)
        }
        return escaped
    }
}

/// A JSON document of at least `bytes` bytes: a batch of review records with nested metadata.
func largeDocument(bytes: Int, seed: UInt64) -> [UInt8] {
    var generator = TextGenerator(seed: seed)
    var records: [JSONValue] = []
    var size = 0
    while size < bytes {
        let record = JSONValue.object([
            "id": .integer(100_000 + records.count),
            "text": .string(generator.text(scalars: generator.int(in: 20...120))),
            "score": .double(Double(generator.int(in: 0...1000)) / 1000),
            "tags": .array((0..<generator.int(in: 0...3)).map { _ in .string(generator.pick(topics)) }),
            "reviewed": .bool(generator.chance(percent: 50)),
            "meta": .object([
                "source": .string(generator.pick(reviewSources)), "likes": .integer(generator.int(in: 0...50_000)),
                "reply_to": generator.chance(percent: 20) ? .integer(generator.int(in: 1...99_999)) : .null,
            ]),
        ])
        size += record.jsonText.utf8.count + 1
        records.append(record)
    }
    return Array(JSONValue.object(["batch": .string("2026-11-26"), "records": .array(records)]).jsonText.utf8)
}

/// A task with a long text, and a result marking spans in it.
struct SpanDocument {
    var data: JSONValue
    var result: JSONValue
}

/// A text of about `textBytes` bytes with `count` non-overlapping spans, each quoting its text if `quoteText`.
func spanDocument(textBytes: Int, spans count: Int, quoteText: Bool, seed: UInt64) -> SpanDocument {
    var generator = TextGenerator(seed: seed)
    let text = generator.text(utf8Bytes: textBytes)
    let scalars = Array(text.unicodeScalars)
    // One span per equal slice of the text keeps them apart without sorting.
    let slice = scalars.count / count
    var spans: [JSONValue] = []
    for index in 0..<count {
        let start = index * slice + generator.int(in: 0...(slice / 3))
        let end = start + generator.int(in: 1...(slice / 2))
        var members = [
            JSONMember("start", .integer(start)), JSONMember("end", .integer(end)),
            JSONMember("label", .string(generator.pick(entityLabels))),
        ]
        if quoteText {
            var covered = String.UnicodeScalarView()
            covered.append(contentsOf: scalars[start..<end])
            members.append(JSONMember("text", .string(String(covered))))
        }
        spans.append(.object(members))
    }
    return SpanDocument(
        data: taskData(text: text, using: &generator),
        result: .object(["sentiment": .string("中性"), "entities": .array(spans)])
    )
}

/// `count` exported tasks with `annotationsPerTask` annotations each, as a store hands them to the encoder.
func exportedTasks(count: Int, annotationsPerTask: Int, seed: UInt64) -> [ExportedTask] {
    var generator = TextGenerator(seed: seed)
    let firstCreated = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    return (0..<count).map { index in
        let data = taskData(text: generator.text(scalars: generator.int(in: 20...80)), using: &generator)
        let annotations = (0..<annotationsPerTask).map { slot in
            let annotator = generator.int(in: 1...32)
            let created = firstCreated.adding(seconds: index * 7 + slot)
            return ExportedAnnotation(
                id: AnnotationID(Int64(index * annotationsPerTask + slot + 1)),
                annotatorID: UserID(Int64(annotator)),
                annotatorEmail: "annotator\(annotator)@example.com",
                resultJSON: reviewResult(using: &generator).jsonText,
                version: generator.chance(percent: 10) ? 2 : 1,
                status: generator.pick(AnnotationStatus.allCases),
                isLate: generator.chance(percent: 2),
                leadTimeMilliseconds: Int64(generator.int(in: 3_000...180_000)),
                createdAt: created,
                updatedAt: created.adding(milliseconds: Int64(generator.int(in: 0...60_000)))
            )
        }
        return ExportedTask(
            id: TaskID(Int64(index + 1)), dataJSON: data.jsonText, priority: generator.int(in: 0...9),
            annotations: annotations)
    }
}

/// One submission the queue must judge: the lease presented, by whom, for what, and when.
struct SubmissionCase {
    var lease: LeaseRecord?
    var task: TaskID
    var annotator: UserID
    var now: Timestamp
}

/// `count` submissions, mostly live leases, with expired, superseded, missing and foreign ones mixed in.
func submissionCases(count: Int, seed: UInt64) -> [SubmissionCase] {
    var generator = TextGenerator(seed: seed)
    var random = SplitMix64(seed: seed)
    let start = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    return (0..<count).map { index in
        let task = TaskID(Int64(generator.int(in: 1...1_000_000)))
        let annotator = UserID(Int64(generator.int(in: 1...32)))
        let expiresAt = start.adding(seconds: index + 600)
        let lease = LeaseRecord(
            token: LeaseToken(random: &random), taskID: task, slotIndex: generator.int(in: 0...2),
            annotatorID: annotator, isCurrent: true, expiresAt: expiresAt)
        switch generator.int(in: 1...100) {
        case 1...70:
            return SubmissionCase(lease: lease, task: task, annotator: annotator, now: expiresAt.adding(seconds: -60))
        case 71...80:
            return SubmissionCase(lease: lease, task: task, annotator: annotator, now: expiresAt.adding(seconds: 5))
        case 81...90:
            var superseded = lease
            superseded.isCurrent = false
            return SubmissionCase(lease: superseded, task: task, annotator: annotator, now: expiresAt)
        case 91...95:
            return SubmissionCase(lease: nil, task: task, annotator: annotator, now: expiresAt)
        default:
            return SubmissionCase(lease: lease, task: task, annotator: UserID(999), now: expiresAt)
        }
    }
}

/// `count` token texts as clients send them: mostly well-formed, some upper-cased, truncated or junk.
func presentedTokens(count: Int, seed: UInt64) -> [String] {
    var generator = TextGenerator(seed: seed)
    var random = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        let token = LeaseToken(random: &random).rawValue
        switch generator.int(in: 1...100) {
        case 1...90: return token
        case 91...94: return token.uppercased()
        case 95...97: return String(token.dropLast(4))
        default: return "not-a-token-" + token.prefix(20)
        }
    }
}
