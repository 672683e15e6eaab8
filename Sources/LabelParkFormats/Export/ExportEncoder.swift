import LabelParkCore
import LabelParkStore

/// The export formats of the public contract.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One JSON object per task, with its annotations, per line.
    case jsonl
    /// One row per annotation (a task without annotations gets one row), a column per field and question.
    case csv

    public var contentType: String {
        switch self {
        case .jsonl: "application/x-ndjson; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        }
    }
}

/// Encodes exported tasks into bytes, appending to a reusable buffer.
///
/// JSONL splices the stored JSON texts of data and results in verbatim; CSV parses them to fill one
/// column per field and question. With an `aggregation`, each task also gets the crowd's answer to every
/// choice and multi-choice question (JSONL: an `aggregate` object; CSV: `<question>.aggregate` and
/// `<question>.confidence` columns after `result`), for which results are parsed in both formats.
public struct ExportEncoder: Sendable {
    public let format: ExportFormat
    public let schema: ProjectSchema
    /// Where each task's aggregates come from; `nil` writes none (no `aggregate` key, no columns).
    public let aggregation: ExportAggregation?
    private let parser = JSONParser(maxDepth: 128)

    public init(format: ExportFormat, schema: ProjectSchema, aggregation: ExportAggregation? = nil) {
        self.format = format
        self.schema = schema
        self.aggregation = aggregation
    }

    /// Bytes that start the file: the CSV header row, nothing for JSONL.
    public func header(into buffer: inout [UInt8]) {
        guard format == .csv else { return }
        let columns =
            ["task_id"] + schema.fields.map { "data.\($0.name)" }
            + [
                "annotation_id", "annotator_id", "annotator", "status", "late", "version", "lead_time_ms", "created_at",
                "updated_at",
            ]
            + schema.questions.map(\.name) + ["result"]
            + (aggregation?.questionNames ?? []).flatMap { ["\($0).aggregate", "\($0).confidence"] }
        writeCSVRow(columns, into: &buffer)
    }

    /// Appends one task (a JSONL line, or its CSV rows).
    public func encode(_ task: ExportedTask, into buffer: inout [UInt8]) {
        switch format {
        case .jsonl: encodeJSONL(task, into: &buffer)
        case .csv: encodeCSV(task, into: &buffer)
        }
    }

    private func encodeJSONL(_ task: ExportedTask, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: #"{"id":"#.utf8)
        buffer.append(contentsOf: String(task.id.rawValue).utf8)
        buffer.append(contentsOf: #","data":"#.utf8)
        buffer.append(contentsOf: task.dataJSON.utf8)
        buffer.append(contentsOf: #","priority":"#.utf8)
        buffer.append(contentsOf: String(task.priority).utf8)
        buffer.append(contentsOf: #","annotations":["#.utf8)
        for (index, annotation) in task.annotations.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: #"{"id":"#.utf8)
            buffer.append(contentsOf: String(annotation.id.rawValue).utf8)
            buffer.append(contentsOf: #","annotator_id":"#.utf8)
            buffer.append(contentsOf: String(annotation.annotatorID.rawValue).utf8)
            buffer.append(contentsOf: #","annotator":"#.utf8)
            JSONValue.writeString(annotation.annotatorEmail, to: &buffer)
            buffer.append(contentsOf: #","result":"#.utf8)
            buffer.append(contentsOf: annotation.resultJSON.utf8)
            buffer.append(contentsOf: #","status":""#.utf8)
            buffer.append(contentsOf: annotation.status.rawValue.utf8)
            buffer.append(contentsOf: (annotation.isLate ? #"","late":true"# : #"","late":false"#).utf8)
            buffer.append(contentsOf: #","version":"#.utf8)
            buffer.append(contentsOf: String(annotation.version).utf8)
            buffer.append(contentsOf: #","lead_time_ms":"#.utf8)
            buffer.append(contentsOf: (annotation.leadTimeMilliseconds.map { String($0) } ?? "null").utf8)
            buffer.append(contentsOf: #","created_at":""#.utf8)
            buffer.append(contentsOf: annotation.createdAt.iso8601.utf8)
            buffer.append(contentsOf: #"","updated_at":""#.utf8)
            buffer.append(contentsOf: annotation.updatedAt.iso8601.utf8)
            buffer.append(contentsOf: #""}"#.utf8)
        }
        buffer.append(UInt8(ascii: "]"))
        if let aggregation { encodeJSONLAggregates(aggregation.aggregates(of: task), into: &buffer) }
        buffer.append(contentsOf: "}\n".utf8)
    }

    /// `,"aggregate":{…}` with one member per question that has answers, in schema order.
    private func encodeJSONLAggregates(_ aggregates: [ExportAggregate?], into buffer: inout [UInt8]) {
        buffer.append(contentsOf: #","aggregate":{"#.utf8)
        var isFirst = true
        for aggregate in aggregates {
            guard let aggregate else { continue }
            if !isFirst { buffer.append(UInt8(ascii: ",")) }
            isFirst = false
            JSONValue.writeString(aggregate.question, to: &buffer)
            switch aggregate {
            case .choice(let choice):
                buffer.append(contentsOf: #":{"answer":"#.utf8)
                JSONValue.writeString(choice.answer, to: &buffer)
                buffer.append(contentsOf: #","confidence":"#.utf8)
                buffer.append(contentsOf: numberText(choice.confidence).utf8)
                buffer.append(contentsOf: #","method":""#.utf8)
                buffer.append(contentsOf: ExportAggregation.method.utf8)
                buffer.append(contentsOf: #"","majority_vote":"#.utf8)
                JSONValue.writeString(choice.majorityVote, to: &buffer)
                buffer.append(contentsOf: #","majority_confidence":"#.utf8)
                buffer.append(contentsOf: numberText(choice.majorityConfidence).utf8)
                buffer.append(contentsOf: #","annotations":"#.utf8)
                buffer.append(contentsOf: String(choice.annotationCount).utf8)
            case .multiChoice(_, let options, let selection):
                buffer.append(contentsOf: #":{"answer":"#.utf8)
                writeStrings(selection.dawidSkeneSelection.map { options[$0] }, into: &buffer)
                buffer.append(contentsOf: #","confidence":"#.utf8)
                buffer.append(contentsOf: numberText(selection.dawidSkeneConfidence).utf8)
                buffer.append(contentsOf: #","method":""#.utf8)
                buffer.append(contentsOf: ExportAggregation.method.utf8)
                buffer.append(contentsOf: #"","majority_vote":"#.utf8)
                writeStrings(selection.majoritySelection.map { options[$0] }, into: &buffer)
                buffer.append(contentsOf: #","options":{"#.utf8)
                for (code, verdict) in selection.options.enumerated() {
                    if code > 0 { buffer.append(UInt8(ascii: ",")) }
                    JSONValue.writeString(options[code], to: &buffer)
                    buffer.append(contentsOf: #":{"probability":"#.utf8)
                    buffer.append(contentsOf: numberText(verdict.dawidSkeneProbability).utf8)
                    buffer.append(contentsOf: #","votes":"#.utf8)
                    buffer.append(contentsOf: String(verdict.votes).utf8)
                    buffer.append(UInt8(ascii: "}"))
                }
                buffer.append(contentsOf: #"},"annotations":"#.utf8)
                buffer.append(contentsOf: String(selection.annotationCount).utf8)
            }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: "}"))
    }

    private func writeStrings(_ strings: [String], into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            JSONValue.writeString(string, to: &buffer)
        }
        buffer.append(UInt8(ascii: "]"))
    }

    /// A probability as JSON with every digit a Double carries; never infinite or NaN by construction.
    private func numberText(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }

    private func encodeCSV(_ task: ExportedTask, into buffer: inout [UInt8]) {
        let data = (try? parser.parse(Array(task.dataJSON.utf8))) ?? .null
        let dataColumns = [String(task.id.rawValue)] + schema.fields.map { data[$0.name].map(csvText) ?? "" }
        // The task's aggregates repeat on each of its rows, so any row can be read alone.
        let aggregateColumns =
            aggregation?.aggregates(of: task).flatMap { aggregate in
                aggregate.map { [$0.answerText, numberText($0.confidence)] } ?? ["", ""]
            } ?? []
        guard !task.annotations.isEmpty else {
            writeCSVRow(
                dataColumns + Array(repeating: "", count: 9 + schema.questions.count + 1) + aggregateColumns,
                into: &buffer)
            return
        }
        for annotation in task.annotations {
            let result = (try? parser.parse(Array(annotation.resultJSON.utf8))) ?? .null
            let annotationColumns = [
                String(annotation.id.rawValue), String(annotation.annotatorID.rawValue), annotation.annotatorEmail,
                annotation.status.rawValue, annotation.isLate ? "true" : "false", String(annotation.version),
                annotation.leadTimeMilliseconds.map { String($0) } ?? "", annotation.createdAt.iso8601,
                annotation.updatedAt.iso8601,
            ]
            let answers = schema.questions.map { result[$0.name].map(csvText) ?? "" }
            writeCSVRow(
                dataColumns + annotationColumns + answers + [annotation.resultJSON] + aggregateColumns, into: &buffer)
        }
    }

    /// A cell's text: strings as themselves, multi-choice answers joined with `|`, anything else as JSON.
    private func csvText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .null: return ""
        case .array(let elements) where elements.allSatisfy({ $0.stringValue != nil }):
            return elements.compactMap(\.stringValue).joined(separator: "|")
        default: return value.jsonText
        }
    }

    private func writeCSVRow(_ cells: [String], into buffer: inout [UInt8]) {
        for (index, text) in cells.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            let cell = SpreadsheetFormula.neutralise(text)
            let needsQuotes = cell.utf8.contains {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D
            }
            if needsQuotes {
                buffer.append(UInt8(ascii: "\""))
                for byte in cell.utf8 {
                    if byte == UInt8(ascii: "\"") { buffer.append(byte) }
                    buffer.append(byte)
                }
                buffer.append(UInt8(ascii: "\""))
            } else {
                buffer.append(contentsOf: cell.utf8)
            }
        }
        buffer.append(contentsOf: "\r\n".utf8)
    }
}
