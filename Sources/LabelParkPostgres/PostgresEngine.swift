import LabelParkCore
import LabelParkStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// The PostgreSQL engine of a park: the connection pool, the store on it and its maintenance.
///
/// The composition root runs `client` (and, in the server, `maintenance`) as services; `prepare()` then
/// creates the configured schema and applies migrations before the store is used.
public struct PostgresEngine: Sendable {
    public let url: PostgresDatabaseURL
    public let client: PostgresClient
    public let store: PostgresParkStore
    public let maintenance: PostgresMaintenance
    let logger: Logger

    public init(
        url: PostgresDatabaseURL, clock: any WallClock = SystemClock(), draws: RandomDraws = .system,
        maximumConnections: Int = 20, logger: Logger = Logger(label: "labelpark.postgres")
    ) throws {
        var configuration = try url.clientConfiguration()
        configuration.options.maximumConnections = maximumConnections
        var background = logger
        // The pool warns when a connection is requested before `run()` began, a harmless start-up race of
        // running the client as a sibling service; failures reach callers as errors anyway. Tracing keeps all.
        if background.logLevel > .debug { background.logLevel = max(background.logLevel, .error) }
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.url = url
        self.client = client
        self.store = PostgresParkStore(client: client, clock: clock, draws: draws, logger: logger)
        self.maintenance = PostgresMaintenance(client: client, clock: clock, logger: logger)
        self.logger = logger
    }

    /// Creates the URL's schema if it names one, then applies missing migrations (once, under a lock).
    ///
    /// - Throws: `PostgresEngineError` with the server's own message, so a start-up failure (refused
    ///   connection, wrong password, missing database) says what went wrong.
    @discardableResult
    public func prepare() async throws -> [Int] {
        try await probe()
        do {
            if let schema = url.schema {
                let store = store
                try await store.transaction(retrying: false) { connection in
                    // Instances starting together would race on the catalog's unique index; take turns.
                    try await connection.run(
                        "SELECT pg_advisory_xact_lock(\(PostgresMigrator.lockNamespace), hashtext(\(schema)))",
                        logger: store.logger)
                    // The name was checked to be a plain identifier, so it can be spliced into the statement.
                    try await connection.run("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: store.logger)
                }
            }
            return try await PostgresMigrator(client: client, logger: logger).migrate()
        } catch let error as PSQLError {
            throw PostgresEngineError(url: url, underlying: error)
        }
    }

    /// Opens and closes one connection outside the pool: the pool retries failed connections until a
    /// circuit breaker trips and then reports only that, while the direct attempt fails at once with the
    /// cause (refused, unknown role, wrong password, no such database).
    private func probe() async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try url.connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch let error as PSQLError {
            throw PostgresEngineError(url: url, underlying: error)
        }
    }

    /// Runs `body` with the client running, for one-shot commands: prepares the database first and stops
    /// the client afterwards.
    public func withRunningClient<Value: Sendable>(
        _ body: @Sendable (PostgresEngine) async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            try await prepare()
            return try await body(self)
        }
    }
}

/// A database failure while preparing the engine, with the server's message (PSQLError's own description
/// hides it).
public struct PostgresEngineError: Error, CustomStringConvertible {
    public var description: String

    init(url: PostgresDatabaseURL, underlying: PSQLError) {
        let message =
            underlying.serverInfo?[.message] ?? underlying.underlying.map { "\($0)" } ?? "\(underlying.code)"
        let detail = underlying.serverInfo?[.detail].map { " (\($0))" } ?? ""
        let state = underlying.serverInfo?[.sqlState].map { " [SQLSTATE \($0)]" } ?? ""
        description = "PostgreSQL at \(url.redacted): \(message)\(detail)\(state)"
    }
}
