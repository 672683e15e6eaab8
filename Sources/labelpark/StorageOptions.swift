import ArgumentParser
import Foundation
import LabelParkPostgres
import LabelParkSQLite
import LabelParkStore
import Logging
import ServiceLifecycle

/// Where a park's data lives; every subcommand that reads a database takes these.
struct StorageOptions: ParsableArguments {
    @Option(help: "The park's data directory: the SQLite database and uploaded files.")
    var dataDir: String = "./labelpark-data"

    @Option(
        help: """
            A database instead of the data directory's SQLite file: sqlite:///path/to/file.sqlite or \
            postgres://user:password@host:5432/database[?sslmode=disable|prefer|require&schema=NAME].
            """)
    var databaseURL: String?

    var dataDirectory: URL { URL(fileURLWithPath: dataDir, isDirectory: true).standardizedFileURL }

    func validate() throws {
        _ = try location()
    }

    /// Opens the park's storage engine, creating the data directory on first use. Nothing is read yet:
    /// a PostgreSQL engine needs its client running (see `ParkStorage`).
    func open(logger: Logger) throws -> ParkStorage {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        return try location().open(logger: logger)
    }

    /// Runs `body` on the opened, migrated store, for one-shot commands.
    func withStore<Value: Sendable>(
        logger: Logger, _ body: @Sendable (any ParkStore) async throws -> Value
    ) async throws -> Value {
        switch try open(logger: logger) {
        case .sqlite(let store):
            defer { try? store.close() }
            return try await body(store)
        case .postgres(let engine):
            return try await engine.withRunningClient { engine in try await body(engine.store) }
        }
    }

    private func location() throws -> StorageLocation {
        guard let databaseURL else {
            return .sqlite(path: dataDirectory.appendingPathComponent("labelpark.sqlite").path)
        }
        return try StorageLocation(url: databaseURL, option: "--database-url")
    }
}

/// Where a park's database lives: a SQLite file or a PostgreSQL database.
enum StorageLocation {
    case sqlite(path: String)
    case postgres(PostgresDatabaseURL)

    /// Reads a sqlite:// or postgres:// URL given to `option`.
    init(url: String, option: String) throws {
        if url.hasPrefix("sqlite://") {
            self = .sqlite(path: String(url.dropFirst("sqlite://".count)))
            return
        }
        guard PostgresDatabaseURL.isPostgres(url) else {
            throw ValidationError("\(option) must start with sqlite:// or postgres://")
        }
        do {
            self = .postgres(try PostgresDatabaseURL(parsing: url))
        } catch {
            throw ValidationError("\(option) \(error.reason)")
        }
    }

    /// Opens the storage engine; nothing is read yet (a PostgreSQL engine needs its client running).
    func open(logger: Logger) throws -> ParkStorage {
        switch self {
        case .sqlite(let path): .sqlite(try SQLiteParkStore(path: path, logger: logger))
        case .postgres(let url): .postgres(try PostgresEngine(url: url, logger: logger))
        }
    }
}

/// An opened storage engine.
enum ParkStorage {
    case sqlite(SQLiteParkStore)
    case postgres(PostgresEngine)

    var store: any ParkStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let engine): engine.store
        }
    }

    /// What must run beside the server for the store to work: PostgreSQL's connection pool and its
    /// maintenance; nothing for SQLite.
    var services: [any Service] {
        switch self {
        case .sqlite: []
        case .postgres(let engine): [engine.client, engine.maintenance]
        }
    }

    /// Makes the database ready once its services run: PostgreSQL migrations (SQLite migrates on open, and
    /// here deletes any import a crash cut short).
    func prepare() async throws {
        switch self {
        case .sqlite(let store): try await store.discardUnfinishedImports()
        case .postgres(let engine): try await engine.prepare()
        }
    }

    /// Releases the engine after the services stopped.
    func close() throws {
        if case .sqlite(let store) = self { try store.close() }
    }
}
