import LabelParkCore

/// A task read from an import, validated against the project's schema.
public struct ImportedTask: Sendable, Equatable {
    public var line: Int
    public var dataJSON: String
    public var goldJSON: String?
    public var priority: Int
    public var prefillJSON: String? = nil
}

/// Turns an import body into validated tasks and line errors, as bytes arrive.
///
/// Accepted shapes: an NDJSON line or array element is either the task's data object, or a wrapper
/// `{"data": {…}, "gold"?: {…}, "prefill"?: {…}, "priority"?: n}`; a CSV record maps header names to string
/// values. A gold answer and a prefill (the starting answer annotators correct) are results that may be
/// partial; a task is not both gold and prefilled (annotators would be scored against what they were shown).
/// Nothing here stores anything: the caller decides what to do with tasks and errors.
public struct TaskImporter {
    public let format: ImportFormat
    public let schema: ProjectSchema
    private var splitter: any RecordSplitter
    private var csvHeader: [String]?
    /// Why the CSV header cannot be used; every row under it is refused with this reason.
    private var csvHeaderProblem: String?
    private let parser = JSONParser(maxDepth: 64)
    /// The priorities a task may carry; higher ones are handed out first.
    public static let priorityRange = -1_000_000...1_000_000

    public init(format: ImportFormat, schema: ProjectSchema, maxRecordBytes: Int) {
        self.format = format
        self.schema = schema
        self.splitter = format.makeSplitter(maxRecordBytes: maxRecordBytes)
    }

    /// Feeds a chunk of the body; `handle` receives each task or line error in order.
    public mutating func push(
        _ chunk: UnsafeRawBufferPointer, handle: (Result<ImportedTask, LineError>) throws -> Void
    ) throws {
        var records: [ImportRecord] = []
        splitter.push(chunk) { records.append($0) }
        for record in records { if let outcome = interpret(record) { try handle(outcome) } }
    }

    /// Ends the body.
    public mutating func finish(handle: (Result<ImportedTask, LineError>) throws -> Void) throws {
        var records: [ImportRecord] = []
        splitter.finish { records.append($0) }
        for record in records { if let outcome = interpret(record) { try handle(outcome) } }
        if format == .csv && csvHeader == nil {
            try handle(.failure(LineError(line: 1, message: "empty body: expected a header row naming the fields")))
        }
    }

    /// The task or error a record stands for; `nil` for a CSV header row, which only names columns.
    private mutating func interpret(_ record: ImportRecord) -> Result<ImportedTask, LineError>? {
        switch record {
        case .malformed(let line, let message):
            return .failure(LineError(line: line, message: message))
        case .json(let line, let bytes):
            return Result { () throws(LineError) in try task(fromJSON: bytes, line: line) }
        case .csv(let line, let fields):
            guard let header = csvHeader else {
                csvHeader = fields
                if let duplicate = Self.firstDuplicate(fields) {
                    let problem = "the header names column \"\(duplicate)\" twice"
                    csvHeaderProblem = problem
                    return .failure(LineError(line: line, message: problem))
                }
                return nil
            }
            if let problem = csvHeaderProblem {
                return .failure(LineError(line: line, message: "not imported: \(problem) (line 1)"))
            }
            return Result { () throws(LineError) in try task(fromCSV: fields, header: header, line: line) }
        }
    }

    private static func firstDuplicate(_ names: [String]) -> String? {
        var seen = Set<String>()
        return names.first { !seen.insert($0).inserted }
    }

    private func task(fromJSON bytes: [UInt8], line: Int) throws(LineError) -> ImportedTask {
        let value: JSONValue
        do {
            value = try parser.parse(bytes)
        } catch {
            throw LineError(line: line, message: "invalid JSON: \(error)")
        }
        guard let members = value.objectValue else {
            throw LineError(line: line, message: "expected a JSON object, not \(value.typeName)")
        }
        let wrapperKeys: Set<String> = ["data", "gold", "prefill", "priority"]
        guard let data = value["data"], data.objectValue != nil, members.allSatisfy({ wrapperKeys.contains($0.key) })
        else { return try validated(data: value, gold: nil, prefill: nil, priority: 0, line: line) }
        var priority = 0
        if let priorityJSON = value["priority"] {
            guard let parsed = priorityJSON.intValue, Self.priorityRange.contains(parsed) else {
                throw LineError(line: line, message: "priority: must be an integer from -1000000 to 1000000")
            }
            priority = parsed
        }
        let gold = value["gold"].flatMap { $0.isNull ? nil : $0 }
        let prefill = value["prefill"].flatMap { $0.isNull ? nil : $0 }
        if gold != nil && prefill != nil {
            throw LineError(
                line: line, message: "prefill: a gold task cannot have a prefill (its answer would be shown)")
        }
        return try validated(data: data, gold: gold, prefill: prefill, priority: priority, line: line)
    }

    private func task(fromCSV fields: [String], header: [String], line: Int) throws(LineError) -> ImportedTask {
        guard fields.count == header.count else {
            throw LineError(
                line: line, message: "expected \(header.count) fields as in the header, found \(fields.count)")
        }
        let data = JSONValue.object(zip(header, fields).map { JSONMember($0, .string($1)) })
        return try validated(data: data, gold: nil, prefill: nil, priority: 0, line: line)
    }

    private func validated(
        data: JSONValue, gold: JSONValue?, prefill: JSONValue?, priority: Int, line: Int
    ) throws(LineError) -> ImportedTask {
        do {
            try schema.validate(taskData: data)
            if let gold { try schema.validate(result: gold, against: data, requireAnswers: false, path: "gold") }
            if let prefill {
                try schema.validate(result: prefill, against: data, requireAnswers: false, path: "prefill")
            }
        } catch {
            throw LineError(line: line, message: error.description)
        }
        return ImportedTask(
            line: line, dataJSON: data.jsonText, goldJSON: gold?.jsonText, priority: priority,
            prefillJSON: prefill?.jsonText)
    }
}
