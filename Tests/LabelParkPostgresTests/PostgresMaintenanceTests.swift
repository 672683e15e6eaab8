import LabelParkCore
import LabelParkStore
import LabelParkTestSupport
import Logging
import PostgresNIO
import Testing

@testable import LabelParkPostgres

/// Maintenance reopens lapsed leases everywhere, on one instance at a time.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "set LABELPARK_TEST_DATABASE_URL to a loopback server"))
struct PostgresMaintenanceTests {
    @Test("a round reopens lapsed leases of every project, and skips while another instance holds the lock")
    func reopensLapsedLeasesOnOneInstance() async throws {
        try await PostgresTestDatabase.withStores { makeStore in
            let clock = ManualClock()
            let store = try #require(try await makeStore(clock) as? PostgresParkStore)
            let park = try await ParkFixture.make(in: store)
            let first = try await park.makeProject(tasks: 1, overlap: 1, leaseSeconds: 30)
            let second = try await park.makeProject(tasks: 1, overlap: 1, leaseSeconds: 30)
            _ = try #require(try await store.claimNextSlot(in: first.id, by: park.annotatorA))
            _ = try #require(try await store.claimNextSlot(in: second.id, by: park.annotatorA))
            let logger = Logger(label: "maintenance-test")
            let maintenance = PostgresMaintenance(client: store.client, clock: clock, logger: logger)

            #expect(try await maintenance.runRound() == 0)
            clock.advance(seconds: 31)
            // Another instance is mid-round: this one must leave the work to it.
            let skipped = try await store.client.withConnection { other in
                _ = try await other.run(
                    "SELECT pg_advisory_lock(\(PostgresMigrator.lockNamespace), 1)", logger: logger)
                let result = try await maintenance.runRound()
                _ = try await other.run(
                    "SELECT pg_advisory_unlock(\(PostgresMigrator.lockNamespace), 1)", logger: logger)
                return result
            }
            #expect(skipped == nil)
            #expect(try await store.progress(of: first.id, by: park.managerA).leasedSlots == 1)

            #expect(try await maintenance.runRound(refreshStatistics: true) == 2)
            for project in [first, second] {
                let progress = try await store.progress(of: project.id, by: park.managerA)
                #expect(progress.leasedSlots == 0 && progress.openSlots == 1)
            }
        }
    }
}
