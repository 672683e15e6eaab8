import Foundation
import LabelParkCore
import LabelParkPostgres
import LabelParkStore
import LabelParkTestSupport
import Logging
import PostgresNIO
import Synchronization

/// The PostgreSQL server the tests use, from `LABELPARK_TEST_DATABASE_URL` (scripts/test starts a
/// throwaway cluster and sets it). Only loopback servers are accepted: the tests create and drop schemas.
enum PostgresTestDatabase {
    static let url: PostgresDatabaseURL? = {
        guard let text = ProcessInfo.processInfo.environment["LABELPARK_TEST_DATABASE_URL"], !text.isEmpty,
            let url = try? PostgresDatabaseURL(parsing: text)
        else { return nil }
        precondition(
            ["127.0.0.1", "localhost", "::1"].contains(url.host),
            "LABELPARK_TEST_DATABASE_URL must point at a loopback server; the tests drop schemas")
        return url
    }()

    static let isAvailable = url != nil

    private static let counter = Mutex(0)

    /// A schema name no other test (or test run) uses.
    static func uniqueSchema() -> String {
        let number = counter.withLock { value in
            value += 1
            return value
        }
        return "lp_test_\(getpid())_\(number)_\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Runs `body` with a factory that opens a migrated store in a fresh schema per call; afterwards stops
    /// every client and drops every schema it created.
    static func withStores(
        maximumConnections: Int = 16, _ body: (StoreFactory) async throws -> Void
    ) async throws {
        let opened = Mutex<[(database: PostgresEngine, runner: Task<Void, Never>)]>([])
        let factory = StoreFactory { clock, draws in
            var url = try Optional.require(PostgresTestDatabase.url)
            url.schema = uniqueSchema()
            let logger = Logger(label: "labelpark.postgres.test")
            let database = try PostgresEngine(
                url: url, clock: clock, draws: draws, maximumConnections: maximumConnections, logger: logger)
            // Tests only: the client runs for the test's lifetime and is cancelled below.
            let runner = Task { await database.client.run() }
            opened.withLock { $0.append((database, runner)) }
            try await database.prepare()
            return database.store
        }
        do {
            try await body(factory)
        } catch {
            await cleanUp(opened.withLock { $0 })
            throw error
        }
        await cleanUp(opened.withLock { $0 })
    }

    private static func cleanUp(_ opened: [(database: PostgresEngine, runner: Task<Void, Never>)]) async {
        for (database, runner) in opened {
            if let schema = database.url.schema {
                _ = try? await database.client.query(
                    "DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE" as PostgresQuery)
            }
            runner.cancel()
            await runner.value
        }
    }
}

extension Optional {
    fileprivate static func require(_ value: Wrapped?) throws -> Wrapped {
        guard let value else { throw MissingDatabase() }
        return value
    }
}

private struct MissingDatabase: Error {}
