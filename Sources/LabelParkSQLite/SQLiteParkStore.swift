import GRDB
import LabelParkCore
import LabelParkStore
import Logging
import Synchronization

/// The embedded storage engine: one SQLite file in WAL mode behind one GRDB `DatabasePool`.
///
/// Reads run concurrently on the pool's readers. Every write but an import goes through one
/// `WriteBatcher`, so concurrent claims and submissions share transactions and fsyncs; an import is one
/// large transaction of its own. SQLite sees a single writer either way.
public final class SQLiteParkStore: ParkStore {
    let pool: DatabasePool
    let batcher: WriteBatcher
    let clock: any WallClock
    let tokens: TokenMinter
    let draws: RandomDraws
    let logger: Logger
    /// Projects by id for a few seconds (settings changes elsewhere arrive within that time).
    let projectCache = ProjectCache()

    /// Opens (creating if needed) the database at `path`, migrates it and checks its durability settings.
    ///
    /// - Throws: `SQLiteStoreError.durability` when SQLite does not confirm `synchronous=FULL`,
    ///   because a 2xx on a submission must mean the submission survives power loss.
    public init(
        path: String, clock: any WallClock = SystemClock(), tokens: TokenMinter = .secure, draws: RandomDraws = .system,
        logger: Logger = Logger(label: "labelpark.sqlite")
    ) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB switches a pool's writer to synchronous=NORMAL after `prepareDatabase`; set FULL again.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try Migrations.migrator().migrate(pool)
        let journalMode = try pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        let synchronous = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        guard journalMode?.lowercased() == "wal", synchronous == 2 else {
            throw SQLiteStoreError.durability(journalMode: journalMode ?? "?", synchronous: synchronous ?? -1)
        }
        self.pool = pool
        self.batcher = WriteBatcher(pool: pool)
        self.clock = clock
        self.tokens = tokens
        self.draws = draws
        self.logger = logger
    }

    /// Runs `PRAGMA integrity_check` and returns its verdict (`ok` when the file is sound).
    public func integrityCheck() async throws -> String {
        try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// Waits for open transactions to end and closes every connection.
    public func close() throws {
        try pool.close()
    }
}

/// Why the SQLite engine refused to open.
public enum SQLiteStoreError: Error, CustomStringConvertible {
    case durability(journalMode: String, synchronous: Int)

    public var description: String {
        switch self {
        case .durability(let journalMode, let synchronous):
            "SQLite did not confirm durable settings (journal_mode=\(journalMode), synchronous=\(synchronous)); refusing to start"
        }
    }
}
