import LabelParkCore
import LabelParkStore
import Testing

/// Contract checks of attached storages: who may attach and see them, and syncs that record each object once,
/// make one asset per distinct bytes and one task per new asset, and resume or hand over without duplicates.
extension StoreContract {
    static let storageChecks: [(name: String, run: @Sendable (StoreFactory) async throws -> Void)] = [
        ("storages are attached and seen by the project's managers only", storageTenancy),
        ("a sync records each object once, one asset per bytes and one task per new asset", storageSync),
        ("one sync runs at a time; a stale one is taken over and its pages refused", storageSyncTakeover),
    ]

    static let bucketSource = StorageSource.s3(
        endpoint: "http://127.0.0.1:9000", bucket: "frames", prefix: "mine/2026", region: "us-east-1",
        pathStyle: true)

    public static func storageTenancy(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0)
        let bucket = try await store.attachStorage(
            NewStorage(title: "Mine cameras", source: bucketSource, sealedCredentials: "sealed-bytes"),
            to: project.id, by: park.managerA)
        let folder = try await store.attachStorage(
            NewStorage(title: "Grotto scans", source: .directory(path: "/srv/park/grotto"), sealedCredentials: nil),
            to: project.id, by: park.managerA)
        #expect(bucket.projectID == project.id && bucket.title == "Mine cameras" && bucket.source == bucketSource)
        #expect(bucket.sealedCredentials == "sealed-bytes" && bucket.createdBy == park.managerA.userID)
        #expect(bucket.sync == StorageSync())
        #expect(folder.source == .directory(path: "/srv/park/grotto") && folder.sealedCredentials == nil)
        #expect(try await store.storages(of: project.id, by: park.managerA) == [bucket, folder])
        #expect(try await store.storage(bucket.id, by: park.managerA) == bucket)
        #expect(try await store.storageForService(folder.id) == folder)

        let refusal = StoreError.forbidden("only the project's managers attach and sync storages")
        await expectStoreError(refusal) {
            _ = try await store.attachStorage(
                NewStorage(title: "x", source: bucketSource, sealedCredentials: nil), to: project.id,
                by: park.annotatorA)
        }
        await expectStoreError(refusal) { _ = try await store.storages(of: project.id, by: park.annotatorA) }
        await expectStoreError(refusal) { _ = try await store.storage(bucket.id, by: park.annotatorA) }
        await expectStoreError(.notFound(.storage)) { _ = try await store.storage(bucket.id, by: park.managerB) }
        await expectStoreError(.notFound(.project)) { _ = try await store.storages(of: project.id, by: park.managerB) }
        await expectStoreError(.notFound(.storage)) {
            _ = try await store.storage(StorageID(999_999), by: park.managerA)
        }
        await expectStoreError(.notFound(.storage)) {
            _ = try await store.beginSync(
                of: bucket.id, taskField: nil, staleBefore: Timestamp(rawValue: 0), by: park.managerB)
        }
        await expectStoreError(.notFound(.storage)) {
            _ = try await store.storageObjects(of: bucket.id, after: nil, limit: 10, by: park.managerB)
        }
    }

    static func syncedMedia(_ key: String, digit: Character, bytes: Int64 = 5_000) -> SyncedObject {
        SyncedObject(
            key: key, version: "etag-\(key)", byteCount: bytes,
            outcome: .asset(
                NewAsset(
                    sha256: String(repeating: digit, count: 64), mediaType: "image/jpeg", byteCount: bytes,
                    width: 1_920, height: 1_080, tiles: .none)))
    }

    public static func storageSync(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0)
        // An upload whose bytes a synced object repeats: the object becomes that asset, no new task.
        let (uploaded, _) = try await store.recordAsset(
            newAsset("c", bytes: 700), in: project.id, quotaBytes: nil, by: park.managerA)
        let storage = try await store.attachStorage(
            NewStorage(title: "Frames", source: bucketSource, sealedCredentials: nil), to: project.id, by: park.managerA
        )
        let begun = try await store.beginSync(
            of: storage.id, taskField: "text", staleBefore: Timestamp(rawValue: 0), by: park.managerA)
        #expect(begun.sync.state == .running && begun.sync.taskField == "text")
        #expect(begun.sync.startedBy == park.managerA.userID && begun.sync.objects == 0)
        let run = try #require(begun.sync.startedAt)

        clock.advance(seconds: 1)
        let first = try await store.recordSyncedObjects(
            [
                syncedMedia("cam1/0001.jpg", digit: "a"),
                syncedMedia("cam1/0002.jpg", digit: "b"),
                // The same frame under two names is one asset and one task.
                syncedMedia("cam1/0002 copy.jpg", digit: "b"),
                SyncedObject(
                    key: "cam1/notes.txt", version: "etag-notes", byteCount: 12, outcome: .skipped("text/plain")),
                syncedMedia("摄像头/0003.jpg", digit: "c", bytes: 700),
            ], in: storage.id, run: run)
        #expect(first.objects == 5 && first.assets == 2 && first.tasks == 2 && first.skipped == 1)
        #expect(first.heartbeatAt == clock.now() && first.batchID != nil)
        // A page seen again (a resumed listing) changes nothing.
        let again = try await store.recordSyncedObjects(
            [syncedMedia("cam1/0001.jpg", digit: "a"), syncedMedia("cam1/0004.jpg", digit: "d")], in: storage.id,
            run: run)
        #expect(again.objects == 6 && again.assets == 3 && again.tasks == 3 && again.batchID == first.batchID)
        #expect(
            try await store.recordedObjectKeys(["cam1/0001.jpg", "cam1/0009.jpg", "摄像头/0003.jpg"], in: storage.id)
                == ["cam1/0001.jpg", "摄像头/0003.jpg"])
        #expect(try await store.recordedObjectKeys([], in: storage.id).isEmpty)

        let objects = try await store.storageObjects(of: storage.id, after: nil, limit: 100, by: park.managerA)
        #expect(
            objects.map(\.key) == [
                "cam1/0001.jpg", "cam1/0002 copy.jpg", "cam1/0002.jpg", "cam1/0004.jpg", "cam1/notes.txt",
                "摄像头/0003.jpg",
            ])
        #expect(objects.first { $0.key == "cam1/notes.txt" }?.skipped == "text/plain")
        #expect(objects.first { $0.key == "cam1/notes.txt" }?.assetID == nil)
        #expect(objects.first { $0.key == "摄像头/0003.jpg" }?.assetID == uploaded.id)
        let copies = objects.filter { $0.key.hasPrefix("cam1/0002") }.map(\.assetID)
        #expect(copies.count == 2 && copies[0] != nil && copies[0] == copies[1])
        let assetsByKey = try await store.objectAssets(
            ["cam1/0002.jpg", "cam1/notes.txt", "nope.jpg", "摄像头/0003.jpg"], in: storage.id, by: park.managerA)
        #expect(assetsByKey == ["cam1/0002.jpg": copies[0], "摄像头/0003.jpg": uploaded.id].compactMapValues { $0 })
        await expectStoreError(.notFound(.storage)) {
            _ = try await store.objectAssets(["cam1/0002.jpg"], in: storage.id, by: park.managerB)
        }
        let page = try await store.storageObjects(of: storage.id, after: "cam1/0002.jpg", limit: 2, by: park.managerA)
        #expect(page.map(\.key) == ["cam1/0004.jpg", "cam1/notes.txt"])

        // Synced assets keep their bytes in the storage: described, readable by the project, not in the quota.
        let firstAsset = try #require(objects.first?.assetID)
        let asset = try await store.asset(firstAsset, by: park.annotatorA)
        #expect(
            asset.source
                == AssetSource(storageID: storage.id, objectKey: "cam1/0001.jpg", objectVersion: "etag-cam1/0001.jpg"))
        #expect(asset.createdBy == park.managerA.userID && asset.width == 1_920 && asset.mediaType == "image/jpeg")
        #expect(try await store.asset(uploaded.id, by: park.managerA).source == nil)
        #expect(try await store.assetBytes(of: park.clientA.id) == 700)

        // The tasks are live at once, one batch for the sync, each naming its asset in the task field.
        let batches = try await store.batches(of: project.id, by: park.managerA)
        #expect(batches.map(\.id) == [again.batchID].compactMap { $0 } && batches.first?.taskCount == 3)
        #expect(try await store.progress(of: project.id, by: park.managerA).tasks == 3)
        let claim = try await store.claimNextSlot(in: project.id, by: park.annotatorA)
        let referenced = try #require(claim).task.dataJSON
        #expect(objects.compactMap(\.assetID).contains { referenced == "{\"text\":\"asset:\($0.rawValue)\"}" })

        try await store.finishSync(of: storage.id, run: run, error: nil)
        let finished = try await store.storage(storage.id, by: park.managerA).sync
        #expect(finished.state == .finished && finished.finishedAt == clock.now() && finished.tasks == 3)
        await expectStoreError(.conflict(.syncInProgress)) {
            _ = try await store.recordSyncedObjects([syncedMedia("late.jpg", digit: "e")], in: storage.id, run: run)
        }

        // A sync without tasks records assets only; a failure is kept with its reason.
        let quiet = try await store.beginSync(
            of: storage.id, taskField: nil, staleBefore: Timestamp(rawValue: 0), by: park.managerA)
        let quietRun = try #require(quiet.sync.startedAt)
        #expect(quiet.sync.objects == 0 && quiet.sync.batchID == nil)
        let quietTotals = try await store.recordSyncedObjects(
            [syncedMedia("cam2/0001.jpg", digit: "f")], in: storage.id, run: quietRun)
        #expect(quietTotals.assets == 1 && quietTotals.tasks == 0 && quietTotals.batchID == nil)
        try await store.finishSync(of: storage.id, run: quietRun, error: "AccessDenied: listing refused")
        let failed = try await store.storage(storage.id, by: park.managerA).sync
        #expect(failed.state == .failed && failed.error == "AccessDenied: listing refused")
        #expect(try await store.progress(of: project.id, by: park.managerA).tasks == 3)
    }

    public static func storageSyncTakeover(_ makeStore: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await makeStore(clock)
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0)
        let storage = try await store.attachStorage(
            NewStorage(title: "Frames", source: bucketSource, sealedCredentials: nil), to: project.id, by: park.managerA
        )
        let old = try await store.beginSync(
            of: storage.id, taskField: "text", staleBefore: Timestamp(rawValue: 0), by: park.managerA)
        let oldRun = try #require(old.sync.startedAt)
        clock.advance(seconds: 10)
        await expectStoreError(.conflict(.syncInProgress)) {
            _ = try await store.beginSync(
                of: storage.id, taskField: "text", staleBefore: clock.now().adding(milliseconds: -60_000),
                by: park.managerA)
        }
        _ = try await store.recordSyncedObjects([syncedMedia("a.jpg", digit: "a")], in: storage.id, run: oldRun)
        // Its instance stops; two minutes later the heartbeat is stale and another sync takes over.
        clock.advance(seconds: 120)
        let new = try await store.beginSync(
            of: storage.id, taskField: "text", staleBefore: clock.now().adding(milliseconds: -60_000),
            by: park.managerA)
        let newRun = try #require(new.sync.startedAt)
        #expect(newRun != oldRun && new.sync.objects == 0)
        await expectStoreError(.conflict(.syncInProgress)) {
            _ = try await store.recordSyncedObjects([syncedMedia("b.jpg", digit: "b")], in: storage.id, run: oldRun)
        }
        try await store.finishSync(of: storage.id, run: oldRun, error: "cancelled")
        #expect(try await store.storage(storage.id, by: park.managerA).sync.state == .running)
        let totals = try await store.recordSyncedObjects(
            [syncedMedia("a.jpg", digit: "a"), syncedMedia("b.jpg", digit: "b")], in: storage.id, run: newRun)
        #expect(totals.objects == 1 && totals.tasks == 1)
        #expect(try await store.progress(of: project.id, by: park.managerA).tasks == 2)
    }
}
