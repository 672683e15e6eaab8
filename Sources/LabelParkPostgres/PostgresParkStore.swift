import LabelParkCore
import LabelParkStore
import Logging
import PostgresNIO
import Synchronization

/// The scale-out storage engine: every LabelPark instance is stateless and shares one PostgreSQL database.
///
/// Each store operation is one transaction on a pooled connection. Claims take the next open slot with
/// `FOR UPDATE SKIP LOCKED`, so instances never wait on each other's candidates; the schema's unique
/// indexes enforce the same invariants as on SQLite, whatever the number of instances.
///
/// The `PostgresClient` must be running (it is a `Service`; see `PostgresEngine`) for any method to
/// make progress.
public final class PostgresParkStore: ParkStore {
    let client: PostgresClient
    let clock: any WallClock
    let tokens: TokenMinter
    let draws: RandomDraws
    let logger: Logger
    /// Projects by id for a few seconds (settings changes elsewhere arrive within that time).
    let projectCache = ProjectCache()

    /// A store on a running client whose database has been migrated (`PostgresMigrator`).
    public init(
        client: PostgresClient, clock: any WallClock = SystemClock(), tokens: TokenMinter = .secure,
        draws: RandomDraws = .system,
        logger: Logger = Logger(label: "labelpark.postgres")
    ) {
        self.client = client
        self.clock = clock
        self.tokens = tokens
        self.draws = draws
        self.logger = logger
    }

    /// Runs `body` in one read-committed transaction, retrying it when PostgreSQL reports a conflict that a
    /// second attempt resolves (a serialization failure, a deadlock, or a unique index that a concurrent
    /// transaction filled first and that the retry will see).
    func transaction<Value: Sendable>(
        retrying: Bool = true, _ body: @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    try await connection.run("BEGIN", logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.run("COMMIT", logger: logger)
                        return value
                    } catch {
                        // A failed ROLLBACK means the connection is broken; the pool discards it.
                        _ = try? await connection.run("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where retrying && error.isTransient && attempt < Self.maximumAttempts {
                attempt += 1
            }
        }
    }

    /// Runs `body` on one pooled connection without an explicit transaction: each statement commits on its
    /// own. For operations whose statements are each safe alone; retried like `transaction`.
    func autocommit<Value: Sendable>(
        _ body: @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in try await body(connection) }
            } catch let error as PSQLError where error.isTransient && attempt < Self.maximumAttempts {
                attempt += 1
            }
        }
    }

    /// Runs `body` on one pooled connection outside any explicit transaction (each statement commits alone).
    func read<Value: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> Value) async throws -> Value {
        try await client.withConnection { connection in try await body(connection) }
    }

    static let maximumAttempts = 8
}

extension PostgresConnection {
    /// Runs a statement and returns every row it produced.
    @discardableResult
    func run(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }

    /// Runs a statement and returns its first row, if any.
    func first(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRow? {
        try await run(query, logger: logger).first
    }
}

extension PSQLError {
    /// The SQLSTATE code the server sent, such as `23505` for a unique violation.
    var sqlState: String? { serverInfo?[.sqlState] }

    /// The constraint or index a violation names.
    var constraintName: String? { serverInfo?[.constraintName] }

    /// A conflict that retrying the whole transaction resolves.
    var isTransient: Bool {
        switch sqlState {
        case "40001", "40P01": true  // serialization failure, deadlock
        // A concurrent claim or submission by the same person filled the index first; the retry sees it.
        case "23505": constraintName == "slot_holder" || constraintName == "annotation_idempotency"
        default: false
        }
    }

    func isUniqueViolation(of constraint: String? = nil) -> Bool {
        sqlState == "23505" && (constraint == nil || constraintName == constraint)
    }

    var isForeignKeyViolation: Bool { sqlState == "23503" }
}
