import GRDB
import LabelParkTestSupport
import Testing

@testable import LabelParkSQLite

/// The hot queries keep the plans the design depends on; a schema change that turns one into a scan or a
/// sort fails here rather than in production at ten million tasks.
@Suite struct SQLiteQueryPlanTests {
    private func plan(_ sql: String, _ arguments: StatementArguments) async throws -> [String] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteParkStore(path: directory.path("plan.sqlite"))
        let fixture = try await ParkFixture.make(in: store)
        _ = try await fixture.makeProject(tasks: 100, overlap: 3)
        return try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    @Test("a claim walks the partial queue index and probes the unique indexes, with no sort")
    func claimPlan() async throws {
        let details = try await plan(SQLiteParkStore.nextOpenSlotSQL, [1, 1])
        #expect(details.contains { $0.contains("USING INDEX slot_queue") }, "\(details)")
        #expect(details.contains { $0.contains("slot_holder") }, "\(details)")
        #expect(details.contains { $0.contains("sqlite_autoindex_annotation") }, "\(details)")
        #expect(details.contains { $0.hasPrefix("SEARCH k USING PRIMARY KEY") }, "\(details)")
        #expect(!details.contains { $0.contains("TEMP B-TREE") || $0.hasPrefix("SCAN s") }, "\(details)")
    }

    @Test("an export streams in index order without a temporary sort")
    func exportPlan() async throws {
        let details = try await plan(SQLiteParkStore.exportSQL, [1])
        #expect(details.contains { $0.contains("task_project") }, "\(details)")
        #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
    }
}
