import Foundation
import LabelParkCore
import LabelParkStore
import Synchronization
import Testing

/// Makes a fresh, empty store of one engine, on the clock and with the chance draws given.
public struct StoreFactory: Sendable {
    private let make: @Sendable (_ clock: any WallClock, _ draws: RandomDraws) async throws -> any ParkStore

    public init(
        _ make: @escaping @Sendable (_ clock: any WallClock, _ draws: RandomDraws) async throws -> any ParkStore
    ) {
        self.make = make
    }

    /// A new store; draws are the system's unless a check scripts them.
    public func callAsFunction(_ clock: any WallClock, draws: RandomDraws = .system) async throws -> any ParkStore {
        try await make(clock, draws)
    }
}

/// The behaviour every storage engine must show: DESIGN.md's invariants, written once and run on each
/// engine's real database by that engine's test target.
public enum StoreContract {
    /// Every contract check, by name, so an engine's tests can run each as its own test case.
    public static let all: [(name: String, run: @Sendable (StoreFactory) async throws -> Void)] =
        coreChecks + workflowChecks + assetChecks + storageChecks

    static let coreChecks: [(name: String, run: @Sendable (StoreFactory) async throws -> Void)] = [
        ("claim storm keeps overlap and submits every slot", claimStorm),
        ("barrier-released claimers drain each task exactly once", barrierDrain),
        ("one annotator's parallel claims get one lease per task", sameAnnotatorParallelClaims),
        ("claims follow priority, then breadth-first", claimOrder),
        ("a claim never returns a task the annotator holds or answered", noRepeatTasks),
        ("expired leases return to the queue and fencing tokens change", leaseExpiryAndFencing),
        ("renew and release act only on live, own leases", renewAndRelease),
        ("late submissions are stored and marked, never take a slot", lateSubmissions),
        ("idempotency keys store one row", idempotency),
        ("edits need the current version and keep every revision", versionedEdits),
        ("an exhausted annotator is told so until new work appears", exhaustionMemo),
        ("imports are all or nothing", atomicImport),
        ("a task's prefill is stored and handed out with its claim", prefilledTasks),
        ("an import being written is invisible until it completes, and a failed one leaves nothing", importInProgress),
        ("exports read one snapshot", exportSnapshot),
        ("other tenants' objects are not found", tenancy),
        ("vendor grants allow work but not management", vendorGrant),
        ("progress counts slots, tasks and annotators", progressCounts),
        ("sessions are found by their hash, touched and ended", sessions),
        ("expired sessions are purged, live ones kept", sessionPurge),
        ("API tokens expire, are listed without secrets and revoked by their owner only", apiTokens),
        ("members an admin adds are pending until a new account signs in or an existing one accepts", invitations),
        ("a skipped task is never offered again to who skipped it", skippedTasks),
        ("settings change; the schema only until the first annotation", projectSettings),
    ]

    // MARK: - Queue under concurrency

    /// 200 annotators, 2,000 tasks with overlap 3, one-second leases, 10% of leases abandoned.
    public static func claimStorm(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(SystemClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 2_000, overlap: 3, leaseSeconds: 1)
        let annotators = try await park.makeAnnotators(200)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, annotator) in annotators.enumerated() {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(index) + 1)
                    while true {
                        guard let claim = try await store.claimNextSlot(in: project.id, by: annotator) else {
                            let progress = try await store.progress(of: project.id, by: park.managerA)
                            if progress.submittedSlots == progress.slots { return }
                            // Abandoned leases of others still have to expire before their slots reopen.
                            try await Task.sleep(for: .milliseconds(100))
                            continue
                        }
                        if Int.random(in: 0..<10, using: &random) == 0 { continue }  // abandon: the lease just lapses
                        _ = try await store.submit(
                            NewSubmission(
                                taskID: claim.task.id, leaseToken: claim.token, resultJSON: ParkFixture.result(),
                                idempotencyKey: nil, leadTimeMilliseconds: 1),
                            by: annotator)
                    }
                }
            }
            try await group.waitForAll()
        }

        let progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.submittedSlots == 6_000)
        #expect(progress.openSlots == 0 && progress.leasedSlots == 0)
        #expect(progress.completedTasks == 2_000)
        let tasks = try await exportAll(store, project.id, by: park.managerA)
        #expect(tasks.count == 2_000)
        var overlapViolations = 0
        var duplicatePairs = 0
        var onTime = 0
        for task in tasks {
            let timely = task.annotations.filter { !$0.isLate }
            onTime += timely.count
            if timely.count > 3 { overlapViolations += 1 }
            if Set(task.annotations.map(\.annotatorID)).count != task.annotations.count { duplicatePairs += 1 }
        }
        #expect(overlapViolations == 0)
        #expect(duplicatePairs == 0)
        #expect(onTime == 6_000)
    }

    /// Eight claimers start together and drain 1,000 overlap-1 tasks: each task is claimed exactly once.
    public static func barrierDrain(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(SystemClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 1_000, overlap: 1)
        let annotators = try await park.makeAnnotators(8)
        let barrier = AsyncBarrier(parties: annotators.count)
        let claimed = try await withThrowingTaskGroup(of: [TaskID].self) { group in
            for annotator in annotators {
                group.addTask {
                    await barrier.arriveAndWait()
                    var mine: [TaskID] = []
                    while let claim = try await store.claimNextSlot(in: project.id, by: annotator) {
                        mine.append(claim.task.id)
                        _ = try await store.submit(
                            NewSubmission(
                                taskID: claim.task.id, leaseToken: claim.token, resultJSON: ParkFixture.result(),
                                idempotencyKey: nil, leadTimeMilliseconds: nil),
                            by: annotator)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [TaskID]()) { $0 += $1 }
        }
        let allTasks = try await exportAll(store, project.id, by: park.managerA).map(\.id)
        #expect(claimed.count == 1_000)
        #expect(claimed.sorted() == allTasks.sorted())
    }

    /// Twenty parallel claims by one annotator on one task with overlap 3: exactly one lease.
    public static func sameAnnotatorParallelClaims(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(SystemClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 1, overlap: 3)
        let claims = try await withThrowingTaskGroup(of: Claim?.self) { group in
            for _ in 0..<20 {
                group.addTask { try await store.claimNextSlot(in: project.id, by: park.annotatorA) }
            }
            return try await group.reduce(into: [Claim]()) { if let claim = $1 { $0.append(claim) } }
        }
        #expect(claims.count == 1)
        let progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.leasedSlots == 1)
    }

    // MARK: - Queue rules

    public static func claimOrder(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0, overlap: 2)
        _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
            for (index, priority) in [0, 5, 0, 5].enumerated() {
                try insert(NewTask(dataJSON: #"{"text":"t\#(index)"}"#, priority: priority))
            }
        }
        let ids = try await exportAll(store, project.id, by: park.managerA).map(\.id)
        let annotators = try await park.makeAnnotators(8)
        var order: [TaskID] = []
        for annotator in annotators {
            guard let claim = try await store.claimNextSlot(in: project.id, by: annotator) else { break }
            order.append(claim.task.id)
        }
        // Priority first; within a priority every task's first slot before any second slot, in task order.
        #expect(order == [ids[1], ids[3], ids[1], ids[3], ids[0], ids[2], ids[0], ids[2]])
    }

    public static func noRepeatTasks(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 3, overlap: 3, leaseSeconds: 60)
        let annotator = park.annotatorA
        let first = try #require(try await store.claimNextSlot(in: project.id, by: annotator))
        let second = try #require(try await store.claimNextSlot(in: project.id, by: annotator))
        #expect(first.task.id != second.task.id)
        _ = try await store.submit(submission(for: first), by: annotator)
        // Let the second lease lapse and submit late: answered, so never offered again.
        clock.advance(seconds: 61)
        let late = try await store.submit(submission(for: second), by: annotator)
        #expect(late.annotation.isLate)
        let third = try #require(try await store.claimNextSlot(in: project.id, by: annotator))
        #expect(![first.task.id, second.task.id].contains(third.task.id))
        #expect(try await store.claimNextSlot(in: project.id, by: annotator) == nil)
    }

    public static func leaseExpiryAndFencing(_ makeStore: StoreFactory) async throws {
        let (clock, store, _, project, alice, bob) = try await oneTaskTwoAnnotators(makeStore)
        let first = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        #expect(try await store.claimNextSlot(in: project.id, by: bob) == nil)
        clock.advance(seconds: 29)
        #expect(try await store.claimNextSlot(in: project.id, by: bob) == nil)
        clock.advance(seconds: 1)
        let second = try #require(try await store.claimNextSlot(in: project.id, by: bob))
        #expect(second.task.id == first.task.id)
        #expect(second.token != first.token)
        await expectStoreError(.conflict(.leaseLapsed(.superseded))) {
            _ = try await store.renewLease(first.token, by: alice)
        }
        await expectStoreError(.conflict(.leaseLapsed(.superseded))) {
            try await store.releaseLease(first.token, by: alice)
        }
        // Alice lost the lease, so she may claim the task again once Bob's lease is gone too.
        try await store.releaseLease(second.token, by: bob)
        let third = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        #expect(third.token != first.token)
    }

    public static func renewAndRelease(_ makeStore: StoreFactory) async throws {
        let (clock, store, _, project, alice, bob) = try await oneTaskTwoAnnotators(makeStore)
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        clock.advance(seconds: 20)
        let renewed = try await store.renewLease(claim.token, by: alice)
        #expect(renewed == clock.now().adding(seconds: 30))
        clock.advance(seconds: 20)
        #expect(try await store.claimNextSlot(in: project.id, by: bob) == nil)
        await expectStoreError(.notFound(.lease)) { _ = try await store.renewLease(claim.token, by: bob) }
        await expectStoreError(.notFound(.lease)) { try await store.releaseLease(claim.token, by: bob) }
        let unknown = LeaseToken(rawValue: String(repeating: "0", count: 32))
        await expectStoreError(.notFound(.lease)) { _ = try await store.renewLease(unknown, by: alice) }
        clock.advance(seconds: 11)
        await expectStoreError(.conflict(.leaseLapsed(.expired))) {
            _ = try await store.renewLease(claim.token, by: alice)
        }
        try await store.releaseLease(claim.token, by: alice)
        #expect(try await store.claimNextSlot(in: project.id, by: bob) != nil)
    }

    public static func lateSubmissions(_ makeStore: StoreFactory) async throws {
        let (clock, store, park, project, alice, bob) = try await oneTaskTwoAnnotators(makeStore)
        let aliceClaim = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        clock.advance(seconds: 31)
        let bobClaim = try #require(try await store.claimNextSlot(in: project.id, by: bob))
        let late = try await store.submit(submission(for: aliceClaim), by: alice)
        #expect(late.annotation.isLate)
        var progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.leasedSlots == 1 && progress.submittedSlots == 0)
        let onTime = try await store.submit(submission(for: bobClaim), by: bob)
        #expect(!onTime.annotation.isLate)
        progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.submittedSlots == 1 && progress.annotations == 2 && progress.lateAnnotations == 1)
        // A token never issued to this annotator is not a late submission but an unknown lease.
        await expectStoreError(.notFound(.lease)) {
            _ = try await store.submit(submission(for: bobClaim), by: alice)
        }
    }

    public static func idempotency(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 2, overlap: 1)
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        let first = try await store.submit(submission(for: claim, key: "k-1"), by: park.annotatorA)
        let retry = try await store.submit(submission(for: claim, key: "k-1"), by: park.annotatorA)
        #expect(!first.isReplay && retry.isReplay)
        #expect(retry.annotation.id == first.annotation.id)
        await expectStoreError(.conflict(.alreadyAnnotated(first.annotation.id))) {
            _ = try await store.submit(submission(for: claim, key: "k-2"), by: park.annotatorA)
        }
        let other = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        await expectStoreError(.conflict(.idempotencyKeyReused)) {
            _ = try await store.submit(submission(for: other, key: "k-1"), by: park.annotatorA)
        }
        let progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.annotations == 1)
    }

    public static func versionedEdits(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 1, overlap: 1)
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        let original = try await store.submit(submission(for: claim), by: park.annotatorA).annotation
        clock.advance(seconds: 5)
        let edited = try await store.editAnnotation(
            original.id, resultJSON: ParkFixture.result("neg"), expectedVersion: 1, leadTimeMilliseconds: 7,
            by: park.annotatorA)
        #expect(edited.version == 2 && edited.resultJSON == ParkFixture.result("neg"))
        await expectStoreError(.conflict(.staleVersion(current: 2))) {
            _ = try await store.editAnnotation(
                original.id, resultJSON: ParkFixture.result("neu"), expectedVersion: 1, leadTimeMilliseconds: nil,
                by: park.annotatorA)
        }
        await expectStoreError(.notFound(.annotation)) {
            _ = try await store.editAnnotation(
                original.id, resultJSON: ParkFixture.result("neu"), expectedVersion: 2, leadTimeMilliseconds: nil,
                by: park.managerA)
        }
        let revisions = try await store.revisions(of: original.id, by: park.annotatorA)
        #expect(revisions.map(\.version) == [1])
        #expect(revisions.first?.resultJSON == ParkFixture.result())
        #expect(try await store.annotation(original.id, by: park.managerA).version == 2)
    }

    public static func exhaustionMemo(_ makeStore: StoreFactory) async throws {
        let (clock, store, park, project, alice, bob) = try await oneTaskTwoAnnotators(makeStore)
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        #expect(try await store.claimNextSlot(in: project.id, by: bob) == nil)
        #expect(try await store.claimNextSlot(in: project.id, by: bob) == nil)
        _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
            try insert(NewTask(dataJSON: #"{"text":"new"}"#))
        }
        let fresh = try #require(try await store.claimNextSlot(in: project.id, by: bob))
        #expect(fresh.task.id != claim.task.id)
        #expect(try await store.claimNextSlot(in: project.id, by: bob) == nil)
        clock.advance(seconds: 31)
        #expect(try await store.claimNextSlot(in: project.id, by: bob)?.task.id == claim.task.id)
    }

    public static func atomicImport(_ makeStore: StoreFactory) async throws {
        struct Refused: Error {}
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0)
        await #expect(throws: Refused.self) {
            _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
                try insert(NewTask(dataJSON: #"{"text":"one"}"#))
                try insert(NewTask(dataJSON: #"{"text":"two"}"#))
                throw Refused()
            }
        }
        let progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.tasks == 0 && progress.slots == 0)
        #expect(try await store.claimNextSlot(in: project.id, by: park.annotatorA) == nil)
        await expectStoreError(.forbidden("only the project's managers import tasks")) {
            _ = try await store.importTasks(into: project.id, by: park.annotatorA) { _ in }
        }
    }

    /// A prefill, the answer annotators start from, comes back with the claim, the leased task and the task.
    public static func prefilledTasks(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0, overlap: 1)
        let prefill = #"{"label":"b"}"#
        _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
            try insert(NewTask(dataJSON: #"{"text":"prefilled"}"#, prefillJSON: prefill))
            try insert(NewTask(dataJSON: #"{"text":"plain"}"#))
        }
        let first = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        let second = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        let claims = [first, second].sorted { $0.task.id.rawValue < $1.task.id.rawValue }
        #expect(claims.map(\.task.prefillJSON) == [prefill, nil])
        #expect(try await store.leasedTask(claims[0].token, by: park.annotatorA).0.prefillJSON == prefill)
        #expect(try await store.task(claims[0].task.id, by: park.managerA).0.prefillJSON == prefill)
    }

    /// An import of 7,000 tasks (several of SQLite's chunks) pauses after 5,000 while claims, gold, exports,
    /// progress and batches are read: none may show any of it; then it completes and all of it shows at once.
    public static func importInProgress(_ makeStore: StoreFactory) async throws {
        struct Refused: Error {}
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 3, overlap: 1)
        let paused = DispatchSemaphore(value: 0)
        let resume = DispatchSemaphore(value: 0)
        async let imported = store.importTasks(into: project.id, by: park.managerA) { insert in
            for index in 0..<7_000 {
                if index == 5_000 {
                    paused.signal()
                    resume.wait()
                }
                let gold = index % 10 == 0 ? ParkFixture.result("pos") : nil
                try insert(NewTask(dataJSON: #"{"text":"bulk \#(index)"}"#, goldJSON: gold, priority: 5))
            }
        }
        await withCheckedContinuation { done in
            DispatchQueue.global().async {
                paused.wait()
                done.resume()
            }
        }
        // Give the engine time to write what it was handed (SQLite commits chunks of 2,000).
        try await Task.sleep(for: .milliseconds(500))
        let progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.tasks == 3 && progress.slots == 3)
        #expect(try await store.batches(of: project.id, by: park.managerA).count == 1)
        let exported = Mutex(0)
        try await store.exportTasks(of: project.id, by: park.managerA, includingGold: true) { _ in
            exported.withLock { $0 += 1 }
        }
        #expect(exported.withLock { $0 } == 3)
        // Priority 5 would put the import's tasks first; the annotator still gets an old one.
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        #expect(!claim.task.dataJSON.contains("bulk"))
        resume.signal()
        let batch = try await imported
        #expect(batch.taskCount == 7_000)
        let after = try await store.progress(of: project.id, by: park.managerA)
        #expect(after.tasks == 3 + 6_300 && after.slots == 3 + 6_300)
        #expect(try await store.batches(of: project.id, by: park.managerA).count == 2)
        let next = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        #expect(next.task.dataJSON.contains("bulk"))

        // A failure after several chunks leaves nothing behind, and the next import goes through.
        await #expect(throws: Refused.self) {
            _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
                for index in 0..<5_000 { try insert(NewTask(dataJSON: #"{"text":"doomed \#(index)"}"#)) }
                throw Refused()
            }
        }
        #expect(try await store.progress(of: project.id, by: park.managerA).tasks == after.tasks)
        let doomed = Mutex(0)
        try await store.exportTasks(of: project.id, by: park.managerA, includingGold: true) { task in
            if task.dataJSON.contains("doomed") { doomed.withLock { $0 += 1 } }
        }
        #expect(doomed.withLock { $0 } == 0)
        let last = try await store.importTasks(into: project.id, by: park.managerA) { insert in
            try insert(NewTask(dataJSON: #"{"text":"after"}"#))
        }
        #expect(last.taskCount == 1)
    }

    public static func exportSnapshot(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(SystemClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 50, overlap: 1)
        let annotators = try await park.makeAnnotators(2)
        for _ in 0..<10 {
            let claim = try #require(try await store.claimNextSlot(in: project.id, by: annotators[0]))
            _ = try await store.submit(submission(for: claim), by: annotators[0])
        }
        // The export pauses after its first task while 20 more submissions commit; it must not see them.
        let firstTaskSeen = DispatchSemaphore(value: 0)
        let resume = DispatchSemaphore(value: 0)
        let seen = Mutex<[ExportedTask]>([])
        async let export: Void = store.exportTasks(of: project.id, by: park.managerA) { task in
            let isFirst = seen.withLock { tasks in
                tasks.append(task)
                return tasks.count == 1
            }
            if isFirst {
                firstTaskSeen.signal()
                resume.wait()
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                firstTaskSeen.wait()
                continuation.resume()
            }
        }
        for _ in 0..<20 {
            let claim = try #require(try await store.claimNextSlot(in: project.id, by: annotators[1]))
            _ = try await store.submit(submission(for: claim), by: annotators[1])
        }
        resume.signal()
        try await export
        let tasks = seen.withLock { $0 }
        #expect(tasks.count == 50)
        #expect(tasks.reduce(0) { $0 + $1.annotations.count } == 10)
        #expect(Set(tasks.map(\.id)).count == 50)
        let after = try await exportAll(store, project.id, by: park.managerA)
        #expect(after.reduce(0) { $0 + $1.annotations.count } == 30)
    }

    // MARK: - Tenancy

    public static func tenancy(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 2, overlap: 1)
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        let annotation = try await store.submit(submission(for: claim), by: park.annotatorA).annotation
        let openClaim = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        let intruder = park.managerB

        await expectStoreError(.notFound(.project)) { _ = try await store.projectAccess(project.id, by: intruder) }
        await expectStoreError(.notFound(.project)) { _ = try await store.claimNextSlot(in: project.id, by: intruder) }
        await expectStoreError(.notFound(.project)) { _ = try await store.progress(of: project.id, by: intruder) }
        await expectStoreError(.notFound(.project)) {
            _ = try await store.importTasks(into: project.id, by: intruder) { _ in }
        }
        await expectStoreError(.notFound(.project)) {
            try await store.exportTasks(of: project.id, by: intruder) { _ in }
        }
        await expectStoreError(.notFound(.project)) {
            try await store.grantProject(project.id, to: park.vendor.id, by: intruder)
        }
        await expectStoreError(.notFound(.task)) { _ = try await store.task(claim.task.id, by: intruder) }
        await expectStoreError(.notFound(.annotation)) { _ = try await store.annotation(annotation.id, by: intruder) }
        await expectStoreError(.notFound(.annotation)) {
            _ = try await store.revisions(of: annotation.id, by: intruder)
        }
        await expectStoreError(.notFound(.lease)) { _ = try await store.renewLease(openClaim.token, by: intruder) }
        await expectStoreError(.notFound(.lease)) { try await store.releaseLease(openClaim.token, by: intruder) }
        await expectStoreError(.notFound(.lease)) { _ = try await store.leasedTask(openClaim.token, by: intruder) }
        await expectStoreError(.notFound(.lease)) {
            _ = try await store.submit(submission(for: openClaim), by: intruder)
        }
        await expectStoreError(.notFound(.organization)) {
            _ = try await store.members(of: park.clientA.id, by: intruder)
        }
        #expect(try await store.projects(visibleTo: intruder).isEmpty)
        #expect(try await store.annotations(by: intruder, in: nil, before: nil, limit: 50).isEmpty)
        // An annotator of the owning organization sees only tasks they worked on.
        let colleague = try await park.makeAnnotators(1, prefix: "colleague")[0]
        await expectStoreError(.notFound(.task)) { _ = try await store.task(claim.task.id, by: colleague) }
    }

    public static func vendorGrant(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 1, overlap: 1)
        let worker = park.vendorAnnotator
        await expectStoreError(.notFound(.project)) { _ = try await store.claimNextSlot(in: project.id, by: worker) }
        await expectStoreError(.notFound(.organization)) {
            try await store.grantProject(project.id, to: park.clientB.id, by: park.managerA)
        }
        try await store.grantProject(project.id, to: park.vendor.id, by: park.managerA)
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: worker))
        _ = try await store.submit(submission(for: claim), by: worker)
        let access = try await store.projectAccess(project.id, by: worker)
        #expect(!access.canManage && !access.isOwner)
        await expectStoreError(.forbidden("only the project's managers export")) {
            try await store.exportTasks(of: project.id, by: worker) { _ in }
        }
        #expect(try await store.projects(visibleTo: worker).map(\.project.id) == [project.id])
    }

    public static func progressCounts(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 3, overlap: 2)
        let pair = try await park.makeAnnotators(2)
        let (alice, bob) = (pair[0], pair[1])
        for annotator in [alice, bob] {
            let claim = try #require(try await store.claimNextSlot(in: project.id, by: annotator))
            _ = try await store.submit(submission(for: claim), by: annotator)
        }
        _ = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        let progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.tasks == 3 && progress.slots == 6)
        #expect(progress.submittedSlots == 2 && progress.leasedSlots == 1 && progress.openSlots == 3)
        #expect(progress.annotations == 2)
        #expect(progress.annotators.map(\.annotations) == [1, 1])
        await expectStoreError(.forbidden("only the project's managers see its progress")) {
            _ = try await store.progress(of: project.id, by: alice)
        }
    }

    public static func skippedTasks(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 2, overlap: 1)
        let pair = try await park.makeAnnotators(2)
        let (alice, bob) = (pair[0], pair[1])
        let first = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        try await store.releaseLease(first.token, by: alice, skipping: true)
        // Alice passes over the skipped task; Bob is offered it first, as before.
        let second = try #require(try await store.claimNextSlot(in: project.id, by: alice))
        #expect(second.task.id != first.task.id)
        try await store.releaseLease(second.token, by: alice)
        #expect(try await store.claimNextSlot(in: project.id, by: alice)?.task.id == second.task.id)
        #expect(try await store.claimNextSlot(in: project.id, by: alice) == nil)
        #expect(try await store.claimNextSlot(in: project.id, by: bob)?.task.id == first.task.id)
        let unknown = LeaseToken(rawValue: String(repeating: "0", count: 32))
        await expectStoreError(.notFound(.lease)) { try await store.releaseLease(unknown, by: alice, skipping: true) }
    }

    public static func projectSettings(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 1, overlap: 1, leaseSeconds: 30)
        var schema = ParkFixture.sentimentSchema
        schema.questions[0].name = "mood"
        let changed = try await store.updateProject(
            project.id, with: ProjectChanges(name: "Renamed", leaseSeconds: 90, schema: schema), by: park.managerA)
        #expect(changed.name == "Renamed" && changed.leaseSeconds == 90 && changed.schema == schema)
        #expect(changed.description == project.description && changed.overlap == project.overlap)
        let seen = try await store.projectAccess(project.id, by: park.annotatorA).project
        #expect(seen.name == "Renamed" && seen.schema == schema)
        // The new lease length applies to the next claim.
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: park.annotatorA))
        _ = try await store.submit(submission(for: claim, result: #"{"mood":"pos"}"#), by: park.annotatorA)
        await expectStoreError(.conflict(.schemaLocked)) {
            _ = try await store.updateProject(
                project.id, with: ProjectChanges(schema: ParkFixture.sentimentSchema), by: park.managerA)
        }
        let renamed = try await store.updateProject(
            project.id, with: ProjectChanges(description: "after the first answer"), by: park.managerA)
        #expect(renamed.description == "after the first answer" && renamed.schema == schema)
        await expectStoreError(.forbidden("only the project's managers change its settings")) {
            _ = try await store.updateProject(project.id, with: ProjectChanges(name: "x"), by: park.annotatorA)
        }
        await expectStoreError(.notFound(.project)) {
            _ = try await store.updateProject(project.id, with: ProjectChanges(name: "x"), by: park.managerB)
        }
    }

    // MARK: - Sessions

    public static func sessions(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let hash = Array(repeating: UInt8(7), count: 32)
        let created = clock.now()
        try await store.createSession(
            tokenHash: hash, csrfToken: "csrf-1", for: park.annotatorA.userID, expiresAt: created.adding(seconds: 3_600)
        )
        let session = try #require(try await store.session(forTokenHash: hash))
        #expect(session.principal == park.annotatorA)
        #expect(session.csrfToken == "csrf-1")
        #expect(session.createdAt == created && session.lastSeenAt == created)
        #expect(session.expiresAt == created.adding(seconds: 3_600))
        #expect(try await store.session(forTokenHash: Array(repeating: UInt8(8), count: 32)) == nil)
        clock.advance(seconds: 60)
        try await store.touchSession(tokenHash: hash, at: clock.now())
        // An older touch (a slow request finishing late) never moves activity back.
        try await store.touchSession(tokenHash: hash, at: created)
        #expect(try await store.session(forTokenHash: hash)?.lastSeenAt == clock.now())
        try await store.deleteSession(tokenHash: hash)
        #expect(try await store.session(forTokenHash: hash) == nil)
        try await store.deleteSession(tokenHash: hash)
    }

    public static func sessionPurge(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let start = clock.now()
        let hashes = (1...3).map { Array(repeating: UInt8($0), count: 32) }
        // 0: past its absolute expiry; 1: idle too long; 2: live.
        for (hash, lifetime) in zip(hashes, [60, 86_400, 86_400]) {
            try await store.createSession(
                tokenHash: hash, csrfToken: "c", for: park.annotatorA.userID, expiresAt: start.adding(seconds: lifetime)
            )
        }
        clock.advance(seconds: 3_600)
        try await store.touchSession(tokenHash: hashes[2], at: clock.now())
        let purged = try await store.purgeSessions(expiredAt: clock.now(), idleSince: start.adding(seconds: 1_800))
        #expect(purged == 2)
        #expect(try await store.session(forTokenHash: hashes[0]) == nil)
        #expect(try await store.session(forTokenHash: hashes[1]) == nil)
        #expect(try await store.session(forTokenHash: hashes[2]) != nil)
        #expect(try await store.purgeSessions(expiredAt: clock.now(), idleSince: start.adding(seconds: 1_800)) == 0)
    }

    public static func apiTokens(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let owner = park.annotatorA.userID
        let lasting = Array(repeating: UInt8(0xA1), count: 32)
        let expiring = Array(repeating: UInt8(0xB2), count: 32)
        try await store.storeToken(hash: lasting, for: owner, name: "laptop", expiresAt: nil)
        clock.advance(seconds: 1)
        try await store.storeToken(hash: expiring, for: owner, name: "ci", expiresAt: clock.now().adding(seconds: 60))
        #expect(try await store.principal(forTokenHash: expiring) == park.annotatorA)
        let listed = try await store.tokens(of: owner)
        #expect(listed.map(\.name) == ["ci", "laptop"])
        #expect(listed.map(\.id) == [TokenHash.hex(expiring), TokenHash.hex(lasting)].map(APITokenInfo.id(ofHashHex:)))
        #expect(listed.first?.expiresAt == clock.now().adding(seconds: 60) && listed.last?.expiresAt == nil)

        clock.advance(seconds: 60)
        #expect(try await store.principal(forTokenHash: expiring) == nil)
        #expect(try await store.tokens(of: owner).map(\.name) == ["laptop"])
        let lastingID = APITokenInfo.id(ofHashHex: TokenHash.hex(lasting))
        #expect(try await store.revokeToken(id: lastingID, of: park.managerA.userID) == false)
        #expect(try await store.revokeToken(id: "not hex at all!", of: owner) == false)
        #expect(try await store.principal(forTokenHash: lasting) == park.annotatorA)
        #expect(try await store.revokeToken(id: lastingID, of: owner) == true)
        #expect(try await store.revokeToken(id: lastingID, of: owner) == false)
        #expect(try await store.principal(forTokenHash: lasting) == nil)
        #expect(try await store.tokens(of: owner).isEmpty)
    }

    public static func invitations(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let adminB = try #require(
            try await store.principal(
                for: try await store.createUser(
                    email: "admin@b.test", displayName: "Admin B", passwordHash: ParkFixture.passwordHash,
                    organization: park.clientB.id, role: .admin, workplace: nil
                ).id))
        // manager@a.test works for client A; client B's admin adds that email and a new one.
        let existing = try await store.createMember(
            email: "manager@a.test", displayName: "Given", passwordHash: ParkFixture.passwordHash, role: .annotator,
            workplace: nil, in: park.clientB.id, by: adminB)
        let fresh = try await store.createMember(
            email: "fresh@b.test", displayName: "Fresh", passwordHash: ParkFixture.passwordHash, role: .annotator,
            workplace: nil, in: park.clientB.id, by: adminB)
        #expect(existing.status == .pending && fresh.status == .pending)
        let listed = try await store.members(of: park.clientB.id, by: adminB)
        #expect(listed.first { $0.user.email == "manager@a.test" }?.user.displayName == "Given")
        await expectStoreError(.conflict(.duplicateEmail("manager@a.test"))) {
            _ = try await store.createMember(
                email: "manager@a.test", displayName: "Again", passwordHash: ParkFixture.passwordHash,
                role: .annotator, workplace: nil, in: park.clientB.id, by: adminB)
        }
        // Pending memberships grant nothing.
        #expect(try await store.principal(for: park.managerA.userID) == park.managerA)
        let freshID = fresh.user.id
        #expect(try await store.principal(for: freshID)?.memberships.isEmpty == true)

        // A new account's first sign-in activates its memberships; an existing one's needs accepting.
        try await store.activateInvitationsOfNewAccount(freshID)
        #expect(try await store.principal(for: freshID)?.role(in: park.clientB.id) == .annotator)
        try await store.activateInvitationsOfNewAccount(park.managerA.userID)
        #expect(try await store.principal(for: park.managerA.userID)?.role(in: park.clientB.id) == nil)
        let invitations = try await store.invitations(of: park.managerA.userID)
        #expect(invitations.map(\.organizationID) == [park.clientB.id] && invitations.first?.role == .annotator)
        #expect(try await store.answerInvitation(from: park.clientB.id, of: park.managerA.userID, accepting: true))
        #expect(try await store.principal(for: park.managerA.userID)?.role(in: park.clientB.id) == .annotator)
        #expect(try await store.invitations(of: park.managerA.userID).isEmpty)
        #expect(!(try await store.answerInvitation(from: park.clientB.id, of: park.managerA.userID, accepting: true)))

        // Declining deletes the pending membership.
        _ = try await store.createMember(
            email: "annotator@a.test", displayName: "Other", passwordHash: ParkFixture.passwordHash,
            role: .reviewer, workplace: nil, in: park.clientB.id, by: adminB)
        #expect(try await store.answerInvitation(from: park.clientB.id, of: park.annotatorA.userID, accepting: false))
        #expect(
            try await store.members(of: park.clientB.id, by: adminB).allSatisfy { $0.user.email != "annotator@a.test" })
    }

    // MARK: - Helpers

    /// A manual clock, a store, one overlap-1 task with 30-second leases, and two annotators of client A.
    static func oneTaskTwoAnnotators(
        _ makeStore: StoreFactory
    ) async throws -> (
        ManualClock, any ParkStore, ParkFixture, Project, alice: Principal, bob: Principal
    ) {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 1, overlap: 1, leaseSeconds: 30)
        let pair = try await park.makeAnnotators(2)
        return (clock, store, park, project, pair[0], pair[1])
    }

    static func submission(for claim: Claim, key: String? = nil, result: String = ParkFixture.result()) -> NewSubmission
    {
        NewSubmission(
            taskID: claim.task.id, leaseToken: claim.token, resultJSON: result, idempotencyKey: key,
            leadTimeMilliseconds: 1_000)
    }

    static func exportAll(
        _ store: any ParkStore, _ project: ProjectID, by principal: Principal
    ) async throws
        -> [ExportedTask]
    {
        let tasks = Mutex<[ExportedTask]>([])
        try await store.exportTasks(of: project, by: principal) { task in tasks.withLock { $0.append(task) } }
        return tasks.withLock { $0 }
    }

    static func expectStoreError(
        _ expected: StoreError, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected \(expected), but it succeeded", sourceLocation: sourceLocation)
        } catch let error as StoreError {
            #expect(error == expected, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// Holds every arriving task until `parties` have arrived, then releases them together.
public final class AsyncBarrier: Sendable {
    private let state: Mutex<(arrived: Int, waiters: [CheckedContinuation<Void, Never>])>
    private let parties: Int

    public init(parties: Int) {
        self.parties = parties
        state = Mutex((0, []))
    }

    public func arriveAndWait() async {
        await withCheckedContinuation { continuation in
            let release: [CheckedContinuation<Void, Never>] = state.withLock { state in
                state.arrived += 1
                state.waiters.append(continuation)
                guard state.arrived == parties else { return [] }
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in release { waiter.resume() }
        }
    }
}
