import LabelParkCore
import LabelParkStore
import Testing

/// Contract checks of quality control and review: gold mixing, auto-pause, the review stage with rework,
/// acceptance inspections and dynamic overlap.
extension StoreContract {
    static let workflowChecks: [(name: String, run: @Sendable (StoreFactory) async throws -> Void)] = [
        ("gold tasks have no slots and reach every annotator", goldMixing),
        ("gold at start comes first, then the gold rate", goldAtStart),
        ("gold rates and review samples between 0 and 1 follow the store's draws", injectedDraws),
        ("low gold accuracy pauses an annotator until reinstated", autoPause),
        ("reject sends work back for rework, then accept", reviewRework),
        ("a fix becomes a new revision; reviewers never review their own work", reviewFix),
        ("a rejection of a paused annotator's work reopens the slot for others", rejectionReopensSlot),
        ("an inspection accepts a batch at its AQL and returns it below", acceptanceInspection),
        ("dynamic overlap adds slots until confident, up to the maximum", dynamicOverlap),
        ("annotators' affiliations name the workplace that reaches the project", affiliations),
    ]

    /// A project in client A with `work` work tasks and `gold` gold tasks whose known sentiment is "pos".
    static func qualityProject(
        _ park: ParkFixture, work: Int, gold: Int, overlap: Int = 1, quality: QualityPolicy
    ) async throws -> Project {
        let project = try await park.store.createProject(
            name: "Quality", description: "", schema: ParkFixture.sentimentSchema, overlap: overlap, leaseSeconds: 60,
            quality: quality, in: park.clientA.id, by: park.managerA)
        _ = try await park.store.importTasks(into: project.id, by: park.managerA) { insert in
            for index in 0..<gold {
                try insert(
                    NewTask(
                        dataJSON: JSONValue.object(["text": .string("gold \(index)")]).jsonText,
                        goldJSON: ParkFixture.result("pos")))
            }
            for index in 0..<work {
                try insert(NewTask(dataJSON: JSONValue.object(["text": .string("work \(index)")]).jsonText))
            }
        }
        return project
    }

    static func reviewer(_ park: ParkFixture, _ email: String = "reviewer@a.test") async throws -> Principal {
        let user = try await park.store.createUser(
            email: email, displayName: email, passwordHash: ParkFixture.passwordHash, organization: park.clientA.id,
            role: .reviewer, workplace: nil)
        return try await park.store.principal(for: user.id)!
    }

    /// Claims and answers every task the annotator is offered; returns the claims in order.
    @discardableResult
    static func answerAll(
        _ store: any ParkStore, _ project: ProjectID, by annotator: Principal, answer: String = "pos"
    ) async throws -> [Claim] {
        var claims: [Claim] = []
        while let claim = try await store.claimNextSlot(in: project, by: annotator) {
            _ = try await store.submit(submission(for: claim, result: ParkFixture.result(answer)), by: annotator)
            claims.append(claim)
        }
        return claims
    }

    public static func goldMixing(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await qualityProject(park, work: 3, gold: 2, overlap: 1, quality: QualityPolicy(goldRate: 1))
        let progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.tasks == 3 && progress.slots == 3 && progress.openSlots == 3)
        let workers = try await park.makeAnnotators(2)
        // With a gold rate of 1, each annotator gets both gold tasks first, then the work that is left.
        let first = try await answerAll(store, project.id, by: workers[0]).map { $0.task.dataJSON }
        #expect(first.count == 5)
        #expect(Set(first.prefix(2)) == [#"{"text":"gold 0"}"#, #"{"text":"gold 1"}"#])
        let second = try await answerAll(store, project.id, by: workers[1])
        // Overlap 1 is used up, so the second annotator finds no work, and gold comes only with work.
        #expect(second.isEmpty)
        let exported = try await exportAll(store, project.id, by: park.managerA)
        #expect(exported.count == 5 && exported.allSatisfy { $0.goldJSON == nil })
        #expect(exported.filter { $0.dataJSON.contains("gold") }.allSatisfy { $0.annotations.count == 1 })
        let after = try await store.progress(of: project.id, by: park.managerA)
        #expect(after.submittedSlots == 3 && after.completedTasks == 3 && after.annotations == 5)
    }

    /// A gold rate of 0.5 and a review sample of 50 %: draws of 0.3 serve gold and sample every submission,
    /// draws of 0.7 do neither.
    public static func injectedDraws(_ makeStore: StoreFactory) async throws {
        for draw in [0.3, 0.7] {
            let store = try await makeStore(ManualClock(), draws: RandomDraws { draw })
            let park = try await ParkFixture.make(in: store)
            let gold = try await qualityProject(park, work: 3, gold: 2, quality: QualityPolicy(goldRate: 0.5))
            let worker = try await park.makeAnnotators(1)[0]
            let served = try await answerAll(store, gold.id, by: worker).map { $0.task.dataJSON.contains("gold") }
            #expect(
                served == (draw < 0.5 ? [true, true, false, false, false] : [false, false, false]), "draw \(draw)")

            let sampled = try await qualityProject(
                park, work: 4, gold: 0, quality: QualityPolicy(review: .sample(percent: 50)))
            try await answerAll(store, sampled.id, by: worker)
            let reviewer = try await reviewer(park)
            var reviewed = 0
            while let review = try await store.claimNextReview(in: sampled.id, inspection: nil, by: reviewer) {
                _ = try await store.decideReview(review.token, decision: .accept, by: reviewer)
                reviewed += 1
            }
            #expect(reviewed == (draw < 0.5 ? 4 : 0), "draw \(draw)")
        }
    }

    public static func goldAtStart(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await qualityProject(
            park, work: 4, gold: 3, overlap: 2, quality: QualityPolicy(goldRate: 0, goldAtStart: 2))
        let workers = try await park.makeAnnotators(2)
        for worker in workers {
            let claims = try await answerAll(store, project.id, by: worker).map { $0.task.dataJSON }
            #expect(claims.count == 6)
            #expect(claims.prefix(2).allSatisfy { $0.contains("gold") })
            #expect(claims.dropFirst(2).allSatisfy { $0.contains("work") })
        }
        // A released gold task may come back; a skipped one never does.
        let late = try await park.makeAnnotators(1, prefix: "late")[0]
        let extra = try await qualityProject(park, work: 1, gold: 1, quality: QualityPolicy(goldRate: 1))
        let gold = try #require(try await store.claimNextSlot(in: extra.id, by: late))
        #expect(gold.task.dataJSON.contains("gold"))
        try await store.releaseLease(gold.token, by: late, skipping: true)
        let next = try #require(try await store.claimNextSlot(in: extra.id, by: late))
        #expect(next.task.dataJSON.contains("work"))
    }

    public static func autoPause(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let policy = QualityPolicy(
            goldRate: 0, goldAtStart: 3, autoPause: AutoPausePolicy(window: 2, minimumAccuracy: 0.6))
        let project = try await qualityProject(park, work: 4, gold: 4, quality: policy)
        let worker = try await park.makeAnnotators(1)[0]
        // Right, then wrong: 1 of 2 = 0.5 < 0.6, paused after the second gold answer.
        for answer in ["pos", "neg"] {
            clock.advance(seconds: 1)
            let claim = try #require(try await store.claimNextSlot(in: project.id, by: worker))
            _ = try await store.submit(submission(for: claim, result: ParkFixture.result(answer)), by: worker)
        }
        await expectStoreError(.annotatorPaused(accuracy: 0.5, window: 2)) {
            _ = try await store.claimNextSlot(in: project.id, by: worker)
        }
        let paused = try await store.pausedAnnotators(in: project.id, by: park.managerA)
        #expect(paused.map(\.userID) == [worker.userID] && paused.first?.accuracy == 0.5)
        await expectStoreError(.forbidden("only the project's managers reinstate paused annotators")) {
            try await store.reinstate(worker.userID, in: project.id, by: worker)
        }
        clock.advance(seconds: 1)
        try await store.reinstate(worker.userID, in: project.id, by: park.managerA)
        #expect(try await store.pausedAnnotators(in: project.id, by: park.managerA).isEmpty)
        await expectStoreError(.notFound(.user)) {
            try await store.reinstate(worker.userID, in: project.id, by: park.managerA)
        }
        // Answers before reinstatement no longer count: one more wrong gold answer is not a full window.
        clock.advance(seconds: 1)
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: worker))
        #expect(claim.task.dataJSON.contains("gold"))
        _ = try await store.submit(submission(for: claim, result: ParkFixture.result("neg")), by: worker)
        #expect(try await store.claimNextSlot(in: project.id, by: worker) != nil)
    }

    public static func reviewRework(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await qualityProject(park, work: 1, gold: 0, quality: QualityPolicy(review: .all))
        let reviewer = try await reviewer(park)
        let worker = try await park.makeAnnotators(1)[0]
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: worker))
        let submitted = try await store.submit(submission(for: claim, result: ParkFixture.result("neg")), by: worker)
        await expectStoreError(.forbidden("only reviewers and managers review")) {
            _ = try await store.claimNextReview(in: project.id, inspection: nil, by: worker)
        }
        let review = try #require(try await store.claimNextReview(in: project.id, inspection: nil, by: reviewer))
        #expect(review.annotation.id == submitted.annotation.id && review.task.id == claim.task.id)
        #expect(try await store.claimNextReview(in: project.id, inspection: nil, by: park.managerA) == nil)
        let rejected = try await store.decideReview(
            review.token, decision: .reject(comment: "it reads positive"), by: reviewer)
        #expect(rejected.annotation.status == .rejected && !rejected.reopenedForOthers)
        await expectStoreError(.notFound(.review)) {
            _ = try await store.decideReview(review.token, decision: .accept, by: reviewer)
        }
        let rework = try await store.rework(by: worker, in: project.id)
        #expect(rework.map(\.annotation.id) == [submitted.annotation.id])
        #expect(rework.first?.rejection.comment == "it reads positive")
        let reworked = try await store.editAnnotation(
            submitted.annotation.id, resultJSON: ParkFixture.result("pos"), expectedVersion: 1,
            leadTimeMilliseconds: nil, by: worker)
        #expect(reworked.status == .submitted && reworked.version == 2)
        #expect(try await store.rework(by: worker, in: nil).isEmpty)
        let again = try #require(try await store.claimNextReview(in: project.id, inspection: nil, by: reviewer))
        #expect(again.annotation.version == 2)
        let accepted = try await store.decideReview(again.token, decision: .accept, by: reviewer)
        #expect(accepted.annotation.status == .accepted)
        let history = try await store.reviews(of: submitted.annotation.id, by: worker)
        #expect(history.map(\.decision) == ["reject", "accept"] && history.map(\.annotationVersion) == [1, 2])
        #expect(try await store.annotation(submitted.annotation.id, by: worker).status == .accepted)
    }

    public static func reviewFix(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let project = try await qualityProject(park, work: 2, gold: 0, quality: QualityPolicy(review: .all))
        let reviewer = try await reviewer(park)
        let worker = try await park.makeAnnotators(1)[0]
        let claims = try await answerAll(store, project.id, by: worker, answer: "neg")
        #expect(claims.count == 2)
        let first = try #require(try await store.claimNextReview(in: project.id, inspection: nil, by: reviewer))
        let fixed = try await store.decideReview(
            first.token, decision: .fix(resultJSON: ParkFixture.result("neu"), comment: "neutral"), by: reviewer)
        #expect(fixed.annotation.status == .accepted && fixed.annotation.version == 2)
        #expect(fixed.annotation.resultJSON == ParkFixture.result("neu"))
        let revisions = try await store.revisions(of: first.annotation.id, by: worker)
        #expect(revisions.map(\.resultJSON) == [ParkFixture.result("neg")])
        // A released review item goes back to the queue; a lapsed lease cannot decide.
        let second = try #require(try await store.claimNextReview(in: project.id, inspection: nil, by: reviewer))
        try await store.releaseReview(second.token, by: reviewer)
        let retaken = try #require(try await store.claimNextReview(in: project.id, inspection: nil, by: reviewer))
        #expect(retaken.annotation.id == second.annotation.id && retaken.token != second.token)
        clock.advance(seconds: 61)
        await expectStoreError(.conflict(.leaseLapsed(.expired))) {
            _ = try await store.decideReview(retaken.token, decision: .accept, by: reviewer)
        }
        // A manager who annotated does not get their own annotation to review.
        let managerProject = try await qualityProject(park, work: 1, gold: 0, quality: QualityPolicy(review: .all))
        try await answerAll(store, managerProject.id, by: park.managerA)
        #expect(try await store.claimNextReview(in: managerProject.id, inspection: nil, by: park.managerA) == nil)
        #expect(try await store.claimNextReview(in: managerProject.id, inspection: nil, by: reviewer) != nil)
    }

    public static func rejectionReopensSlot(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let policy = QualityPolicy(
            goldRate: 0, goldAtStart: 1, autoPause: AutoPausePolicy(window: 1, minimumAccuracy: 1), review: .all)
        let project = try await qualityProject(park, work: 2, gold: 1, quality: policy)
        let reviewer = try await reviewer(park)
        let workers = try await park.makeAnnotators(2)
        let gold = try #require(try await store.claimNextSlot(in: project.id, by: workers[0]))
        _ = try await store.submit(submission(for: gold, result: ParkFixture.result("pos")), by: workers[0])
        let work = try #require(try await store.claimNextSlot(in: project.id, by: workers[0]))
        _ = try await store.submit(submission(for: work), by: workers[0])
        // The second annotator takes the gold task (at start) and the other work task.
        try await answerAll(store, project.id, by: workers[1])
        // Now the first annotator fails a gold check: a new gold task, answered wrong.
        _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
            try insert(NewTask(dataJSON: #"{"text":"gold late"}"#, goldJSON: ParkFixture.result("pos")))
        }
        _ = try await store.updateProject(
            project.id,
            with: ProjectChanges(quality: QualityPolicy(goldRate: 1, autoPause: policy.autoPause, review: .all)),
            by: park.managerA)
        _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
            try insert(NewTask(dataJSON: #"{"text":"work late"}"#))
        }
        clock.advance(seconds: 1)
        let check = try #require(try await store.claimNextSlot(in: project.id, by: workers[0]))
        #expect(check.task.dataJSON.contains("gold late"))
        _ = try await store.submit(submission(for: check, result: ParkFixture.result("neg")), by: workers[0])
        await expectStoreError(.annotatorPaused(accuracy: 0, window: 1)) {
            _ = try await store.claimNextSlot(in: project.id, by: workers[0])
        }
        var reopened = false
        while let item = try await store.claimNextReview(in: project.id, inspection: nil, by: reviewer) {
            let isFirstWorkers = item.annotation.annotatorID == workers[0].userID
            let outcome = try await store.decideReview(
                item.token, decision: isFirstWorkers ? .reject(comment: "wrong") : .accept, by: reviewer)
            #expect(outcome.reopenedForOthers == isFirstWorkers)
            reopened = reopened || outcome.reopenedForOthers
        }
        #expect(reopened)
        // The paused annotator's task is open again, for anyone who has not answered it.
        let newcomer = try await park.makeAnnotators(1, prefix: "newcomer")[0]
        let taken = try await answerAll(store, project.id, by: newcomer).map(\.task.id)
        #expect(taken.contains(work.task.id))
        #expect(try await store.rework(by: workers[0], in: project.id).isEmpty)
    }

    public static func acceptanceInspection(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await qualityProject(park, work: 4, gold: 1, quality: QualityPolicy(goldRate: 0))
        let inspector = try await reviewer(park, "inspector@a.test")
        let worker = try await park.makeAnnotators(1)[0]
        try await answerAll(store, project.id, by: worker)
        let batches = try await store.batches(of: project.id, by: park.managerA)
        let batch = try #require(batches.first)
        #expect(batches.count == 1 && batch.taskCount == 5 && batch.status == .open)
        await expectStoreError(.notFound(.batch)) {
            _ = try await store.startInspection(
                of: BatchID(batch.id.rawValue + 1000), in: project.id, sampleSize: 4, acceptableQuality: 0.75,
                by: park.managerA)
        }
        let inspection = try await store.startInspection(
            of: batch.id, in: project.id, sampleSize: 10, acceptableQuality: 0.75, by: park.managerA)
        #expect(inspection.sampled == 4 && inspection.status == .open)
        await expectStoreError(.conflict(.notReviewable("batch \(batch.id) already has an open inspection"))) {
            _ = try await store.startInspection(
                of: batch.id, in: project.id, sampleSize: 4, acceptableQuality: 0.75, by: park.managerA)
        }
        // The project's review stage does not hand out inspection items.
        #expect(try await store.claimNextReview(in: project.id, inspection: nil, by: inspector) == nil)
        var decisions = 0
        while let item = try await store.claimNextReview(in: project.id, inspection: inspection.id, by: inspector) {
            decisions += 1
            let outcome = try await store.decideReview(
                item.token, decision: decisions == 1 ? .reject(comment: "wrong") : .accept, by: inspector)
            #expect((outcome.closedInspection != nil) == (decisions == 4))
        }
        let closed = try await store.inspection(inspection.id, by: park.managerA)
        #expect(closed.status == .passed && closed.defects == 1 && closed.decided == 4)
        #expect(try await store.batches(of: project.id, by: park.managerA).first?.status == .accepted)
        #expect(try await store.rework(by: worker, in: project.id).count == 1)

        // A second batch at an AQL of 100% fails on one defect, and every annotation goes back for rework.
        _ = try await store.importTasks(into: project.id, by: park.managerA) { insert in
            for index in 0..<3 { try insert(NewTask(dataJSON: #"{"text":"second \#(index)"}"#)) }
        }
        try await answerAll(store, project.id, by: worker)
        let second = try #require(try await store.batches(of: project.id, by: park.managerA).first)
        let strict = try await store.startInspection(
            of: second.id, in: project.id, sampleSize: 2, acceptableQuality: 1, by: park.managerA)
        #expect(strict.sampled == 2)
        var first = true
        while let item = try await store.claimNextReview(in: project.id, inspection: strict.id, by: inspector) {
            _ = try await store.decideReview(
                item.token, decision: first ? .accept : .reject(comment: "no"), by: inspector)
            first = false
        }
        #expect(try await store.inspection(strict.id, by: park.managerA).status == .failed)
        #expect(try await store.batches(of: project.id, by: park.managerA).first?.status == .returned)
        let rework = try await store.rework(by: worker, in: project.id)
        #expect(rework.count == 4)
        #expect(rework.filter { $0.rejection.comment?.contains("failed acceptance inspection") == true }.count >= 2)
        await expectStoreError(.forbidden("only the project's managers inspect its batches")) {
            _ = try await store.batches(of: project.id, by: worker)
        }
    }

    public static func dynamicOverlap(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let policy = QualityPolicy(
            goldRate: 0, dynamicOverlap: DynamicOverlapSettings(maxOverlap: 3, confidenceTarget: 0.9))
        let project = try await qualityProject(park, work: 1, gold: 0, overlap: 1, quality: policy)
        let workers = try await park.makeAnnotators(4)
        let first = try #require(try await store.claimNextSlot(in: project.id, by: workers[0]))
        #expect(try await store.settleOverlap(of: first.task.id, confidence: 0.5) == .wait)
        _ = try await store.submit(submission(for: first), by: workers[0])
        #expect(try await store.claimNextSlot(in: project.id, by: workers[1]) == nil)
        // Unsure after one answer: a second slot opens, and the next annotator gets the task.
        #expect(try await store.settleOverlap(of: first.task.id, confidence: 0.5) == .addSlot)
        #expect(try await store.settleOverlap(of: first.task.id, confidence: 0.5) == .wait)
        let second = try #require(try await store.claimNextSlot(in: project.id, by: workers[1]))
        _ = try await store.submit(submission(for: second), by: workers[1])
        #expect(try await store.settleOverlap(of: first.task.id, confidence: 0.6) == .addSlot)
        var progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.slots == 3 && progress.openSlots == 1 && progress.completedTasks == 0)
        // Confident now: the open slot closes and nobody else is asked.
        #expect(try await store.settleOverlap(of: first.task.id, confidence: 0.95) == .enough)
        #expect(try await store.claimNextSlot(in: project.id, by: workers[2]) == nil)
        progress = try await store.progress(of: project.id, by: park.managerA)
        #expect(progress.slots == 2 && progress.openSlots == 0 && progress.submittedSlots == 2)
        #expect(progress.completedTasks == 1)
        // Never beyond the maximum, however unsure.
        #expect(try await store.settleOverlap(of: first.task.id, confidence: 0.1) == .addSlot)
        let third = try #require(try await store.claimNextSlot(in: project.id, by: workers[3]))
        _ = try await store.submit(submission(for: third), by: workers[3])
        #expect(try await store.settleOverlap(of: first.task.id, confidence: 0.1) == .enough)
        #expect(try await store.progress(of: project.id, by: park.managerA).slots == 3)
    }

    public static func affiliations(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await qualityProject(park, work: 3, gold: 0, overlap: 3, quality: QualityPolicy(goldRate: 0))
        try await store.grantProject(project.id, to: park.vendor.id, by: park.managerA)
        let site = try await store.ensureWorkplace(named: "Datong site", county: "Pingcheng", in: park.vendor.id)
        let user = try await store.createUser(
            email: "site@v.test", displayName: "Site Worker", passwordHash: ParkFixture.passwordHash,
            organization: park.vendor.id, role: .annotator, workplace: site.id)
        let siteWorker = try await store.principal(for: user.id)!
        for person in [park.annotatorA, siteWorker] {
            let claim = try #require(try await store.claimNextSlot(in: project.id, by: person))
            _ = try await store.submit(submission(for: claim), by: person)
        }
        let found = try await store.annotatorAffiliations(in: project.id, by: park.managerA)
        #expect(found.map(\.userID).sorted() == [park.annotatorA.userID.rawValue, user.id.rawValue].sorted())
        let client = try #require(found.first { $0.userID == park.annotatorA.userID.rawValue })
        #expect(client.organizationName == "Client A" && client.workplaceID == nil)
        let vendor = try #require(found.first { $0.userID == user.id.rawValue })
        #expect(vendor.displayName == "Site Worker" && vendor.organizationName == "Vendor V")
        #expect(vendor.workplaceID == site.id.rawValue && vendor.workplaceName == "Datong site")
        #expect(vendor.county == "Pingcheng")
        await expectStoreError(.forbidden("only the project's managers see its quality")) {
            _ = try await store.annotatorAffiliations(in: project.id, by: siteWorker)
        }
    }
}
