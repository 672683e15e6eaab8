import LabelParkCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Periodic upkeep that must run on one instance at a time: returning lapsed leases to the queue in every
/// project (claims also do it for their own project) and refreshing the planner's statistics of the queue
/// tables, whose partial indexes it relies on.
///
/// Each round takes a session advisory lock with `pg_try_advisory_lock`; an instance that does not get it
/// skips the round, so however many instances run, one does the work.
public struct PostgresMaintenance: Service {
    let client: PostgresClient
    let clock: any WallClock
    let logger: Logger
    let interval: Duration
    let statisticsEvery: Int

    public init(
        client: PostgresClient, clock: any WallClock, logger: Logger, interval: Duration = .seconds(30),
        statisticsEvery: Int = 20
    ) {
        self.client = client
        self.clock = clock
        self.logger = logger
        self.interval = interval
        self.statisticsEvery = statisticsEvery
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var round = 0
                while true {
                    try await Task.sleep(for: interval)
                    round += 1
                    do {
                        try await runRound(refreshStatistics: round % statisticsEvery == 0)
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        logger.warning("maintenance round failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
    }

    /// Runs one round if no other instance is running one; returns the number of projects whose lapsed
    /// leases it reopened, or `nil` when another instance held the lock.
    @discardableResult
    public func runRound(refreshStatistics: Bool = false) async throws -> Int? {
        try await client.withConnection { connection in
            let locked = try await connection.first(
                "SELECT pg_try_advisory_lock(\(PostgresMigrator.lockNamespace), 1)", logger: logger)!.decode(Bool.self)
            guard locked else { return nil }
            let unlock: PostgresQuery = "SELECT pg_advisory_unlock(\(PostgresMigrator.lockNamespace), 1)"
            do {
                let reopened = try await reapExpiredLeases(on: connection)
                if refreshStatistics {
                    try await connection.run("ANALYZE slot, lease, annotation", logger: logger)
                }
                try await connection.run(unlock, logger: logger)
                return reopened
            } catch {
                // Session locks outlive errors; release it so the pooled connection does not keep it.
                _ = try? await connection.run(unlock, logger: logger)
                throw error
            }
        }
    }

    /// Reopens lapsed leases in every project that has some, with the same statement a claim uses for its
    /// own project; returns how many projects had lapsed leases.
    private func reapExpiredLeases(on connection: PostgresConnection) async throws -> Int {
        let now = clock.now()
        let projects = try await connection.run(
            "SELECT DISTINCT project_id FROM slot WHERE state = 1 AND lease_expires_at <= \(now.rawValue)",
            logger: logger
        ).map { try $0.decode(Int64.self) }
        for project in projects {
            try await connection.run(
                ReapAndReadGeneration.self,
                PostgresParkStore.reapAndReadGenerationSQL(project: project, annotator: 0, now: now, goldAtStart: 0),
                logger: logger)
        }
        if !projects.isEmpty { logger.info("reopened lapsed leases", metadata: ["projects": "\(projects.count)"]) }
        return projects.count
    }
}
