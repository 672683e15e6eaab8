import ArgumentParser
import Foundation
import LabelParkPostgres
import LabelParkSQLite
import LabelParkStore
import Logging
import Synchronization

/// `labelpark db …`: operations on a park's database as a whole.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Operate on a park's database as a whole.", subcommands: [Copy.self])

    /// `labelpark db copy`: moves a whole park between SQLite and PostgreSQL, either way, and verifies it.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole park to another database and verify the copy.",
            discussion: """
                Stop every server using either database first. Tables are copied in batches; afterwards each \
                table's row count and checksum are compared between the two databases. A target that already \
                holds a park is refused unless --replace is given.
                """)

        @Option(help: "The park to copy: a data directory (its labelpark.sqlite), sqlite:///file or postgres://….")
        var from: String

        @Option(help: "Where to copy it: a data directory (created if missing), sqlite:///file or postgres://….")
        var to: String

        @Flag(help: "Empty the target's LabelPark tables first when it already holds a park.")
        var replace = false

        @Option(help: "Rows per batch read and written.")
        var batchSize = 5_000

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
            let source = try ParkDatabase(from, option: "--from")
            let target = try ParkDatabase(to, option: "--to")
            if case .sqlite(let path) = source.location, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("--from names no park: \(path) does not exist")
            }
            guard !source.isSame(as: target) else {
                throw ValidationError("--from and --to name the same database")
            }
        }

        func run() async throws {
            let logger = Logger(label: "labelpark.cli")
            let source = try ParkDatabase(from, option: "--from")
            let target = try ParkDatabase(to, option: "--to")
            let started = ContinuousClock.now
            let progressLine = ProgressLine()
            let report: ParkCopyReport
            do {
                report = try await source.withTables(logger: logger) { sourceTables in
                    try await target.withTables(logger: logger) { targetTables in
                        try await ParkCopy(
                            from: sourceTables, to: targetTables, replacingTarget: replace, batchSize: batchSize
                        ).run { progressLine.show($0) }
                    }
                }
                progressLine.finish()
            } catch {
                progressLine.finish()
                throw Self.explained(error, target: target)
            }
            let seconds = max((ContinuousClock.now - started) / .seconds(1), 0.001)
            print(Self.summary(of: report))
            print(
                "verified: \(report.totalRows) rows in \(report.tables.count) tables copied from \(source.name) to "
                    + "\(target.name) in \(String(format: "%.1f", seconds)) s "
                    + "(\(Int(Double(report.totalRows) / seconds)) rows/s)")
        }

        /// The error with what to do next, in the command's terms.
        static func explained(_ error: any Error, target: ParkDatabase) -> any Error {
            let partial =
                "\(target.name) may now hold part of the park; once the cause is fixed, copy again with --replace"
            switch error {
            case ParkCopyError.targetNotEmpty:
                return CopyFailure("\(target.name) already holds a park; pass --replace to empty it first")
            case ParkCopyError.sourceChanged, ParkCopyError.verificationFailed, is ParkTableError:
                return CopyFailure("\(error)\n\(partial)")
            default:
                return error
            }
        }

        /// A table of every copied table's rows and checksum.
        static func summary(of report: ParkCopyReport) -> String {
            let width = report.tables.map(\.table.count).max() ?? 5
            func padded(_ text: String, _ count: Int, right: Bool = false) -> String {
                let padding = String(repeating: " ", count: max(count - text.count, 0))
                return right ? padding + text : text + padding
            }
            var lines = ["\(padded("table", width))  \(padded("rows", 10, right: true))  checksum"]
            for table in report.tables {
                lines.append(
                    "\(padded(table.table, width))  \(padded(String(table.rows), 10, right: true))  \(table.checksum)")
            }
            lines.append("\(padded("total", width))  \(padded(String(report.totalRows), 10, right: true))")
            return lines.joined(separator: "\n")
        }
    }
}

/// A park's database named on the command line: a data directory, or a sqlite:// or postgres:// URL.
struct ParkDatabase {
    var location: StorageLocation
    /// How messages name it (a PostgreSQL password never appears).
    var name: String

    init(_ text: String, option: String) throws {
        if text.contains("://") {
            location = try StorageLocation(url: text, option: option)
        } else {
            let directory = URL(fileURLWithPath: text, isDirectory: true).standardizedFileURL
            location = .sqlite(path: directory.appendingPathComponent("labelpark.sqlite").path)
        }
        switch location {
        case .sqlite(let path): name = path
        case .postgres(let url): name = url.redacted
        }
    }

    /// Whether both name one database, so copying would read and replace the same rows.
    func isSame(as other: ParkDatabase) -> Bool {
        switch (location, other.location) {
        case (.sqlite(let path), .sqlite(let otherPath)):
            func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
            return resolved(path) == resolved(otherPath)
        case (.postgres(let url), .postgres(let otherURL)):
            return url.host == otherURL.host && url.port == otherURL.port
                && (url.database ?? url.username) == (otherURL.database ?? otherURL.username)
                && (url.schema ?? "public") == (otherURL.schema ?? "public")
        default:
            return false
        }
    }

    /// Runs `body` on the opened, migrated database (a data directory is created first), then closes it.
    func withTables<Value: Sendable>(
        logger: Logger, _ body: @Sendable (any ParkTableAccess) async throws -> Value
    ) async throws -> Value {
        if case .sqlite(let path) = location {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        switch try location.open(logger: logger) {
        case .sqlite(let store):
            defer { try? store.close() }
            return try await body(store)
        case .postgres(let engine):
            return try await engine.withRunningClient { engine in try await body(engine.store) }
        }
    }
}

/// The copy's progress on standard error: one line per table, rewritten in place as batches land.
private final class ProgressLine: Sendable {
    private let current = Mutex<(table: String?, width: Int)>((nil, 0))

    func show(_ progress: ParkCopyProgress) {
        current.withLock { state in
            let sameTable = state.table == progress.table
            var text = sameTable ? "\r" : (state.table == nil ? "" : "\n")
            // An empty table is done as soon as it starts.
            let filled =
                progress.rowsTotal == 0
                ? Self.barWidth : min(progress.rowsDone, progress.rowsTotal) * Self.barWidth / progress.rowsTotal
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.barWidth - filled)
            let phase = progress.phase == .copying ? "copying  " : "verifying"
            let line = "\(phase) \(progress.table) [\(bar)] \(progress.rowsDone)/\(progress.rowsTotal) rows"
            // Blank out the rest of a longer previous line.
            text += line + String(repeating: " ", count: sameTable ? max(state.width - line.count, 0) : 0)
            state = (progress.table, line.count)
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// Ends the last line.
    func finish() {
        current.withLock { state in
            if state.table != nil { FileHandle.standardError.write(Data("\n".utf8)) }
            state = (nil, 0)
        }
    }

    static let barWidth = 24
}

/// A copy that could not be done, with the reason to show.
private struct CopyFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
