import LabelParkCore
import LabelParkPostgres
import LabelParkStore
import LabelParkTestSupport
import Testing

/// Gold claims on PostgreSQL where instances race: one annotator's simultaneous claims, which may pick the
/// same gold task and meet on the gold slot's primary key.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "set LABELPARK_TEST_DATABASE_URL to a loopback server"))
struct PostgresGoldClaimTests {
    @Test("one annotator's parallel claims share out the gold tasks once each, then take work, never failing")
    func parallelGoldClaimsOfOneAnnotator() async throws {
        try await PostgresTestDatabase.withStores { makeStore in
            let store = try await makeStore(ManualClock())
            let park = try await ParkFixture.make(in: store)
            let project = try await store.createProject(
                name: "Gold race", description: "", schema: ParkFixture.sentimentSchema, overlap: 1, leaseSeconds: 60,
                quality: QualityPolicy(goldRate: 1), in: park.clientA.id, by: park.managerA)
            _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
                for index in 0..<3 {
                    try insert(NewTask(dataJSON: #"{"text":"gold \#(index)"}"#, goldJSON: ParkFixture.result("pos")))
                }
                for index in 0..<20 { try insert(NewTask(dataJSON: #"{"text":"work \#(index)"}"#)) }
            }
            let worker = try await park.makeAnnotators(1)[0]
            let claims = try await withThrowingTaskGroup(of: Claim?.self) { group in
                for _ in 0..<8 { group.addTask { try await store.claimNextSlot(in: project.id, by: worker) } }
                return try await group.reduce(into: [Claim]()) { if let claim = $1 { $0.append(claim) } }
            }
            // 8 claims, 8 different tasks. A gold rate of 1 makes every claim try gold first; a claim gets
            // work only once all 3 gold tasks are taken (its 3 picks cover all of them), so 3 are gold, 5 work.
            #expect(claims.count == 8)
            #expect(Set(claims.map(\.task.id)).count == 8)
            #expect(claims.filter { $0.task.dataJSON.contains("gold") }.count == 3)
            for claim in claims {
                let receipt = try await store.submit(
                    NewSubmission(
                        taskID: claim.task.id, leaseToken: claim.token, resultJSON: ParkFixture.result("pos"),
                        idempotencyKey: nil, leadTimeMilliseconds: nil),
                    by: worker)
                #expect(!receipt.annotation.isLate)
            }
            // Gold tasks have no slots: only the 5 work answers fill slots, of 20.
            let progress = try await store.progress(of: project.id, by: park.managerA)
            #expect(progress.tasks == 20 && progress.submittedSlots == 5 && progress.annotations == 8)
        }
    }
}
