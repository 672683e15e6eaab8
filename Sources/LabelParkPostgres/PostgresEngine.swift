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
        url: PostgresDatabaseURL, clock: any WallClock = SystemClock(), maximumConnections: Int = 20,
        logger: Logger = Logger(label: "labelpark.postgres")
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
        self.store = PostgresParkStore(client: client, clock: clock, logger: logger)
        self.maintenance = PostgresMaintenance(client: client, clock: clock, logger: logger)
        self.logger = logger
    }

    /// Creates the URL's schema if it names one, then applies missing migrations (once, under a lock).
    @discardableResult
    public func prepare() async throws -> [Int] {
        if let schema = url.schema {
            // The name was checked to be a plain identifier, so it can be spliced into the statement.
            try await client.withConnection { connection in
                _ = try await connection.run("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger)
            }
        }
        return try await PostgresMigrator(client: client, logger: logger).migrate()
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
