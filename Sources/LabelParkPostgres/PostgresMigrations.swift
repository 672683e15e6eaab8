import Logging
import PostgresNIO

/// Brings a PostgreSQL schema to the current version, exactly once however many instances start at once.
///
/// Every migration runs in its own transaction while the migrating connection holds a session advisory
/// lock keyed by the schema, so twenty instances starting together apply each migration once: the first
/// takes the lock and migrates, the others wait, then find nothing left to do. Shipped migrations never
/// change; a new version is a new entry.
public struct PostgresMigrator: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies every migration the database lacks and returns the versions applied (empty when current).
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withConnection { connection in
            try await connection.run(
                "SELECT pg_advisory_lock(\(Self.lockNamespace), hashtext(current_schema()))", logger: logger)
            do {
                let applied = try await applyMissing(on: connection)
                try await connection.run(
                    "SELECT pg_advisory_unlock(\(Self.lockNamespace), hashtext(current_schema()))", logger: logger)
                return applied
            } catch {
                // Session locks outlive errors; release it so the pooled connection does not keep it.
                _ = try? await connection.run(
                    "SELECT pg_advisory_unlock(\(Self.lockNamespace), hashtext(current_schema()))", logger: logger)
                throw error
            }
        }
    }

    /// The migration versions already applied, in order.
    public func appliedVersions() async throws -> [Int] {
        try await client.withConnection { connection in try await versions(on: connection) }
    }

    private func applyMissing(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.run(
            """
            CREATE TABLE IF NOT EXISTS labelpark_migration (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """, logger: logger)
        let done = Set(try await versions(on: connection))
        var applied: [Int] = []
        for migration in PostgresSchema.migrations where !done.contains(migration.version) {
            try await connection.run("BEGIN", logger: logger)
            do {
                for statement in migration.statements {
                    try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.run(
                    "INSERT INTO labelpark_migration (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                try await connection.run("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.run("ROLLBACK", logger: logger)
                throw error
            }
            logger.notice(
                "applied database migration",
                metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }

    private func versions(on connection: PostgresConnection) async throws -> [Int] {
        let exists =
            try await connection.first(
                "SELECT to_regclass('labelpark_migration') IS NOT NULL", logger: logger)?.decode(Bool.self) ?? false
        guard exists else { return [] }
        return try await connection.run("SELECT version FROM labelpark_migration ORDER BY version", logger: logger)
            .map { try $0.decode(Int.self) }
    }

    /// The first key of LabelPark's advisory locks ('LP'); the second names what is locked.
    static let lockNamespace: Int32 = 0x4C50
}
