import GRDB
import LabelParkCore
import LabelParkStore
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

    @Test("during an import, a claim seeks one (priority, slot index) group of the queue index at a time")
    func claimDuringImportPlan() async throws {
        let details = try await plan(SQLiteParkStore.nextOpenSlotInGroupSQL, [1, 1, 0, 0, 50])
        #expect(
            details.contains {
                $0.contains("USING INDEX slot_queue (project_id=? AND priority=? AND slot_index=? AND task_id<?)")
            },
            "\(details)")
        #expect(!details.contains { $0.contains("TEMP B-TREE") || $0.hasPrefix("SCAN s") }, "\(details)")
    }

    @Test("an export streams in index order without a temporary sort")
    func exportPlan() async throws {
        let details = try await plan(SQLiteParkStore.exportSQL, [1, Int64.max])
        #expect(details.contains { $0.contains("task_project") }, "\(details)")
        #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
    }
}

/// Imports that a crash cut short are deleted when the store next opens (`serve` calls this first).
@Suite struct SQLiteUnfinishedImportTests {
    @Test("an unpublished import's tasks, slots and batch are gone after discardUnfinishedImports")
    func discardsCutShortImports() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteParkStore(path: directory.path("cut.sqlite"))
        let fixture = try await ParkFixture.make(in: store)
        let project = try await fixture.makeProject(tasks: 4, overlap: 2)
        // What a crash in the middle of a chunked import leaves: a marked project, a batch, staged rows.
        try await store.pool.write { db in
            try db.execute(
                sql: "INSERT INTO task_batch (project_id, task_count, created_at) VALUES (?, 0, 0)",
                arguments: [project.id.rawValue])
            let batch = db.lastInsertedRowID
            let first = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM task") ?? 0) + 1
            try db.execute(
                sql: "UPDATE project SET importing_batch_id = ?, importing_from_task_id = ? WHERE id = ?",
                arguments: [batch, first, project.id.rawValue])
            for offset in 0..<7_000 as Range<Int64> {
                try db.execute(
                    sql: """
                        INSERT INTO task (id, organization_id, project_id, data, priority, created_at, batch_id)
                        SELECT ?, organization_id, id, '{"text":"staged"}', 0, 0, ? FROM project WHERE id = ?
                        """,
                    arguments: [first + offset, batch, project.id.rawValue])
                try db.execute(
                    sql: "INSERT INTO slot (task_id, slot_index, project_id, priority) VALUES (?, 0, ?, 0)",
                    arguments: [first + offset, project.id.rawValue])
            }
        }
        #expect(try await store.progress(of: project.id, by: fixture.managerA).tasks == 4)
        try await store.discardUnfinishedImports()
        let counts = try await store.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM task") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM slot") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM task_batch") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM project WHERE importing_batch_id IS NOT NULL") ?? -1
            )
        }
        #expect(counts == (4, 8, 1, 0))
        let next = try await store.importTasks(into: project.id, by: fixture.managerA) { insert in
            try insert(NewTask(dataJSON: #"{"text":"fresh"}"#))
        }
        #expect(next.taskCount == 1)
    }
}
