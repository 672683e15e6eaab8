import ArgumentParser
import Foundation
import LabelParkSQLite
import LabelParkStore
import Logging

/// Where a park's data lives; every subcommand that reads a database takes these.
struct StorageOptions: ParsableArguments {
    @Option(help: "The park's data directory: the SQLite database and uploaded files.")
    var dataDir: String = "./labelpark-data"

    @Option(help: "A database URL instead of the data directory's SQLite file (sqlite:///path/to/file.sqlite).")
    var databaseURL: String?

    var dataDirectory: URL { URL(fileURLWithPath: dataDir, isDirectory: true).standardizedFileURL }

    /// Opens the park's store, creating the data directory and database on first use.
    func openStore(logger: Logger) throws -> SQLiteParkStore {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        return try SQLiteParkStore(path: try sqlitePath(), logger: logger)
    }

    private func sqlitePath() throws -> String {
        guard let databaseURL else { return dataDirectory.appendingPathComponent("labelpark.sqlite").path }
        if databaseURL.hasPrefix("sqlite://") {
            return String(databaseURL.dropFirst("sqlite://".count))
        }
        if databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") {
            throw ValidationError(
                "this build of LabelPark stores parks in SQLite only; the PostgreSQL engine is not part of it yet")
        }
        throw ValidationError("--database-url must start with sqlite://")
    }
}
