import LabelParkCore
import LabelParkStore
import Logging
import ServiceLifecycle

/// The maintenance loop of browser sessions: deletes expired ones, so the table holds only live sign-ins
/// and a stolen database copy holds no still-valid session hashes longer than needed.
///
/// Every instance runs it; the delete is idempotent, so several instances on one database only repeat
/// each other's work.
public struct SessionPurge: Service {
    let store: any ParkStore
    let policy: SessionPolicy
    let clock: any WallClock
    let interval: Duration
    let logger: Logger

    public init(
        store: any ParkStore, policy: SessionPolicy = SessionPolicy(), clock: any WallClock,
        interval: Duration = .seconds(600),
        logger: Logger
    ) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Waiting first lets the server prepare (migrate) the database before the first round.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            do {
                let purged = try await runRound()
                if purged > 0 { logger.info("purged expired sessions", metadata: ["count": "\(purged)"]) }
            } catch {
                logger.warning("purging expired sessions failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Deletes every session past its absolute or idle expiry; returns how many.
    public func runRound() async throws -> Int {
        let now = clock.now()
        return try await store.purgeSessions(expiredAt: now, idleSince: now.adding(seconds: -policy.idleSeconds))
    }
}
