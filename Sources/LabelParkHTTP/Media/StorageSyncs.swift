import Foundation
import LabelParkAssets
import LabelParkCore
import LabelParkStore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The syncs this instance runs, each in a task of its own; at shutdown they are cancelled and recorded as
/// stopped (a later sync goes on where they ended: recorded objects are not read again).
public final class StorageSyncs: Service, Sendable {
    let runner: SyncRunner
    private let running = Mutex<[StorageID: Task<Void, Never>]>([:])

    init(runner: SyncRunner) {
        self.runner = runner
    }

    /// Syncs for a park's media settings and store.
    public convenience init(store: any ParkStore, media: MediaSettings, tiles: TileSignal, logger: Logger) {
        self.init(runner: SyncRunner(store: store, media: media, tiles: tiles, logger: logger))
    }

    /// Runs the sync `storage` was just given (its `sync.startedAt` names it).
    func start(_ storage: AttachedStorage) {
        let runner = runner
        let task = Task { await runner.run(storage) }
        running.withLock { $0[storage.id] = task }
        Task {
            await task.value
            running.withLock { tasks in if tasks[storage.id] == task { tasks[storage.id] = nil } }
        }
    }

    /// Waits until the sync of `storage` this instance runs, if any, has ended.
    public func waitForSync(of storage: StorageID) async {
        await running.withLock { $0[storage] }?.value
    }

    public func run() async throws {
        try? await gracefulShutdown()
        let tasks = running.withLock { Array($0.values) }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}

/// One sync: lists the source, skips what is recorded, reads each new object once (its first bytes to tell
/// media from the rest, then all of it to hash and measure), and records a page at a time.
struct SyncRunner: Sendable {
    let store: any ParkStore
    let media: MediaSettings
    let tiles: TileSignal
    let logger: Logger

    static let pageSize = 500
    static let recordEvery = 20
    /// Objects read at once: enough to hide one round trip to object storage, few enough for a small server.
    static let parallelReads = 4

    func run(_ storage: AttachedStorage) async {
        guard let run = storage.sync.startedAt else { return }
        var outcome: String?
        // Reading a page of large objects can take minutes: the heartbeat beats on its own meanwhile.
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(1, media.attachments.staleAfterSeconds / 4)))
                _ = try? await store.recordSyncedObjects([], in: storage.id, run: run)
            }
        }
        defer { heartbeat.cancel() }
        do {
            let source = try media.sources.source(for: storage)
            try await source.list(pageSize: Self.pageSize) { page in
                let known = try await store.recordedObjectKeys(page.map(\.key), in: storage.id)
                let fresh = page.filter { !known.contains($0.key) }
                // Recorded a few at a time, so a sync cut short loses little work.
                for start in stride(from: 0, to: fresh.count, by: Self.recordEvery) {
                    try Task.checkCancellation()
                    let inspected = try await inspect(
                        Array(fresh[start..<min(start + Self.recordEvery, fresh.count)]), in: source)
                    let totals = try await record(inspected, in: storage.id, run: run)
                    if inspected.contains(where: Self.needsTiles) { tiles.wake() }
                    logger.debug(
                        "sync progress", metadata: ["storage": "\(storage.id)", "objects": "\(totals.objects)"])
                }
            }
        } catch is CancellationError {
            outcome = "the server stopped during the sync; sync again to go on where it stopped"
        } catch StoreError.conflict(.syncInProgress) {
            // Another sync took over this one (its heartbeat had gone stale); it carries on.
            return
        } catch {
            outcome = "\(error)"
        }
        if let outcome { logger.warning("sync failed", metadata: ["storage": "\(storage.id)", "error": "\(outcome)"]) }
        do {
            try await store.finishSync(of: storage.id, run: run, error: outcome)
        } catch {
            logger.error("sync end not recorded", metadata: ["storage": "\(storage.id)", "error": "\(error)"])
        }
    }

    /// Records a page, waiting while an import into the project is being written (it owns the new task ids).
    private func record(_ objects: [SyncedObject], in storage: StorageID, run: Timestamp) async throws -> StorageSync {
        while true {
            do {
                return try await store.recordSyncedObjects(objects, in: storage, run: run)
            } catch StoreError.conflict(.importInProgress) {
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func inspect(_ objects: [SourceObject], in source: any ObjectSource) async throws -> [SyncedObject] {
        try await withThrowingTaskGroup(of: (Int, SyncedObject?).self) { group in
            var results = [SyncedObject?](repeating: nil, count: objects.count)
            var next = 0
            func startNext() {
                guard next < objects.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await inspect(objects[index], in: source)) }
            }
            for _ in 0..<Self.parallelReads { startNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                startNext()
            }
            return results.compactMap { $0 }
        }
    }

    /// What one object is; `nil` when it changed or vanished since it was listed (the next sync sees it again).
    func inspect(_ object: SourceObject, in source: any ObjectSource) async throws -> SyncedObject? {
        func skipped(_ why: String) -> SyncedObject {
            SyncedObject(key: object.key, version: object.version, byteCount: object.byteCount, outcome: .skipped(why))
        }
        guard object.byteCount > 0 else { return skipped("empty") }
        guard object.byteCount <= media.maxUploadBytes else {
            return skipped("larger than the park's media limit of \(media.maxUploadBytes) bytes")
        }
        do {
            // Its first bytes tell an image from the rest, so a video or an archive is not downloaded to be skipped.
            var magic: [UInt8] = []
            try await source.read(object.key, version: object.version, range: 0..<Int64(ImageFormat.magicLength)) {
                magic += $0.readableBytesView
            }
            guard ImageFormat(magic: magic) != nil else { return skipped(ImageProbeError.unknownFormat.description) }
            let measured = try await source.withLocalFile(object.key, version: object.version) { path in
                let (digest, length) = try FileDigest.sha256(ofFileAt: path)
                return (digest, length, Result { try ImageFile.header(at: path, size: length) })
            }
            switch measured.2 {
            case .failure(let error):
                return skipped("\(error)")
            case .success(let header):
                let asset = NewAsset(
                    sha256: measured.0, mediaType: header.format.rawValue, byteCount: measured.1, width: header.width,
                    height: header.height,
                    tiles: max(header.width, header.height) >= media.tileThreshold ? .pending : .none)
                return SyncedObject(
                    key: object.key, version: object.version, byteCount: measured.1, outcome: .asset(asset))
            }
        } catch ObjectSourceError.changed, ObjectSourceError.notFound {
            return nil
        } catch ObjectSourceError.invalidKey {
            return skipped("not an object of this storage (a link leading outside it)")
        }
    }

    static func needsTiles(_ object: SyncedObject) -> Bool {
        if case .asset(let asset) = object.outcome { asset.tiles == .pending } else { false }
    }
}
