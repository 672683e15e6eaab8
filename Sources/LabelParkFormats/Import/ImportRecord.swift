/// One unit of an import body, cut out by a format's splitter before it is interpreted.
public enum ImportRecord: Sendable, Equatable {
    /// A JSON text (an NDJSON line, or one element of a JSON array).
    case json(line: Int, bytes: [UInt8])
    /// One CSV record's fields.
    case csv(line: Int, fields: [String])
    /// A unit that could not be cut out at all (too long, unterminated, not UTF-8).
    case malformed(line: Int, message: String)
}

/// A problem with one line (or record) of an import; the public `{line, message}` error.
public struct LineError: Error, Sendable, Equatable {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}

/// A push-based splitter: bytes go in as they arrive from the network, whole records come out.
///
/// Splitters never hold more than one record (bounded by `maxRecordBytes`) plus one chunk in memory,
/// which is what lets a multi-gigabyte import run in flat memory.
public protocol RecordSplitter {
    /// Feeds the next chunk of the body, calling `emit` for every record it completes.
    mutating func push(_ chunk: UnsafeRawBufferPointer, emit: (ImportRecord) throws -> Void) rethrows
    /// Ends the body, emitting what is left (or a `malformed` record for a truncated one).
    mutating func finish(emit: (ImportRecord) throws -> Void) rethrows
}

/// The import formats of the public contract.
public enum ImportFormat: String, Sendable, CaseIterable {
    case ndjson
    case csv
    case jsonArray = "json"

    /// The format a `Content-Type` names, ignoring parameters such as `charset`.
    public init?(contentType: String) {
        let mediaType =
            contentType.split(separator: ";").first.map {
                $0.trimmingCharacters(in: " \t").lowercased()
            } ?? ""
        switch mediaType {
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
            "application/jsonlines":
            self = .ndjson
        case "text/csv", "application/csv":
            self = .csv
        case "application/json":
            self = .jsonArray
        default:
            return nil
        }
    }

    /// A fresh splitter for this format.
    public func makeSplitter(maxRecordBytes: Int) -> any RecordSplitter {
        switch self {
        case .ndjson: LineSplitter(maxLineBytes: maxRecordBytes)
        case .csv: CSVSplitter(maxRecordBytes: maxRecordBytes)
        case .jsonArray: JSONArraySplitter(maxElementBytes: maxRecordBytes)
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
