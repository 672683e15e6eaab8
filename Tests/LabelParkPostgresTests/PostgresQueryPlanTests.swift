import LabelParkCore
import LabelParkStore
import LabelParkTestSupport
import Logging
import PostgresNIO
import Testing

@testable import LabelParkPostgres

/// The hot queries keep the plans the design depends on, on a project large enough (20,000 tasks, 60,000
/// slots, fresh statistics, and 100 gold tasks when asked) that the planner would prefer a scan if an index
/// stopped fitting.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "set LABELPARK_TEST_DATABASE_URL to a loopback server"))
struct PostgresQueryPlanTests {
    private func plan(
        goldTasks: Int = 0, _ query: @escaping @Sendable (ProjectID, UserID) -> PostgresQuery
    ) async throws -> String {
        let lines = SendableBox<[String]>()
        try await PostgresTestDatabase.withStores { makeStore in
            let store = try #require(try await makeStore(SystemClock()) as? PostgresParkStore)
            let park = try await ParkFixture.make(in: store)
            let project = try await park.makeProject(tasks: 20_000, overlap: 3)
            if goldTasks > 0 {
                _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
                    for index in 0..<goldTasks {
                        try insert(NewTask(dataJSON: #"{"text":"gold \#(index)"}"#, goldJSON: ParkFixture.result()))
                    }
                }
            }
            for _ in 0..<50 {
                let claim = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
                _ = try await store.submit(
                    NewSubmission(
                        taskID: claim.task.id, leaseToken: claim.token, resultJSON: ParkFixture.result(),
                        idempotencyKey: nil, leadTimeMilliseconds: nil),
                    by: park.annotatorA)
            }
            let logger = Logger(label: "plan")
            let explained = query(project.id, park.annotatorA.userID)
            lines.value = try await store.client.withConnection { connection in
                try await connection.run("ANALYZE", logger: logger)
                return try await connection.run(
                    PostgresQuery(unsafeSQL: "EXPLAIN " + explained.sql, binds: explained.binds), logger: logger
                ).map { try $0.decode(String.self) }
            }
        }
        return lines.value.joined(separator: "\n")
    }

    @Test("a claim walks the partial queue index under SKIP LOCKED and probes the unique indexes, with no sort")
    func claimPlan() async throws {
        let plan = try await plan { project, annotator in
            PostgresParkStore.claimSQL(
                project: project.rawValue, annotator: annotator.rawValue,
                token: LeaseToken(rawValue: String(repeating: "a", count: 32)), now: Timestamp(rawValue: 0),
                expiresAt: Timestamp(rawValue: 1))
        }
        #expect(plan.contains("Index Scan using slot_queue"), "\(plan)")
        #expect(plan.contains("LockRows"), "\(plan)")
        #expect(plan.contains("slot_holder"), "\(plan)")
        #expect(plan.contains("annotation_task_annotator"), "\(plan)")
        // task_skip is empty here, so the planner may rightly read it whole; with rows it uses its key.
        #expect(!plan.contains("Seq Scan on slot") && !plan.contains("Sort"), "\(plan)")
    }

    @Test("a gold claim finds the project's gold tasks through their partial index, never scanning tasks")
    func goldClaimPlan() async throws {
        let plan = try await plan(goldTasks: 100) { project, annotator in
            PostgresParkStore.claimGoldSQL(
                project: project.rawValue, annotator: annotator.rawValue,
                token: LeaseToken(rawValue: String(repeating: "g", count: 32)), now: Timestamp(rawValue: 0),
                expiresAt: Timestamp(rawValue: 1), pivotDraw: 0.5)
        }
        // 100 gold tasks among 20,100: the pivot's maximum and both picks read task_gold.
        #expect(plan.contains("task_gold"), "\(plan)")
        // task_skip is empty here, so reading it whole is right; the task table itself is never scanned.
        #expect(!plan.contains("Seq Scan on task "), "\(plan)")
        // Whether work is left walks the queue's partial index, as a claim does.
        #expect(plan.contains("slot_queue"), "\(plan)")
    }

    @Test("an export walks tasks in id order through an index and never sorts the whole result")
    func exportPlan() async throws {
        let plan = try await plan { project, _ in PostgresParkStore.exportSQL(project: project.rawValue) }
        #expect(!plan.contains("Seq Scan on task"), "\(plan)")
        // An incremental sort (annotations within one task) streams; a full sort would hold every row.
        let top = plan.split(separator: "\n").first ?? ""
        #expect(!top.hasPrefix("Sort"), "\(plan)")
    }
}

/// A value a test's closure fills in.
final class SendableBox<Value: Sendable>: @unchecked Sendable {
    // Unchecked: written once inside the awaited closure, read after it returned.
    var value: Value! = nil
}
