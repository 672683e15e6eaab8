import ArgumentParser
import Foundation
import LabelParkPostgres
import LabelParkSQLite
import Logging

/// `labelpark migrate`: brings the database schema up to date without starting the server.
///
/// `serve` migrates on start too (once, under a lock, however many instances start); this command lets an
/// upgrade apply migrations as a separate, observable step before new instances roll out.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply database migrations and report the schema version.")

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let logger = Logger(label: "labelpark.cli")
        switch try storage.open(logger: logger) {
        case .sqlite(let store):
            // Opening a SQLite park applies its migrations.
            try store.close()
            print("SQLite park at \(storage.databaseURL ?? storage.dataDirectory.path) is up to date")
        case .postgres(let engine):
            let applied = try await engine.withRunningClient { engine in
                (
                    try await engine.prepare(),
                    try await PostgresMigrator(client: engine.client, logger: logger).appliedVersions()
                )
            }
            let newly = applied.0.isEmpty ? "none" : applied.0.map(String.init).joined(separator: ", ")
            print("PostgreSQL park at \(engine.url.redacted): applied \(newly); schema version \(applied.1.last ?? 0)")
        }
    }
}
