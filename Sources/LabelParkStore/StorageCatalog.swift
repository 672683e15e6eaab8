import LabelParkCore

/// Where an attached storage's objects are: a client's S3-compatible bucket or a server directory an
/// operator allowed.
public enum StorageSource: Sendable, Hashable {
    /// `endpoint` is `scheme://host[:port]`; `prefix` is a folder of the bucket (no leading or trailing slash,
    /// empty for all of it).
    case s3(endpoint: String, bucket: String, prefix: String, region: String, pathStyle: Bool)
    /// An absolute path with symbolic links resolved.
    case directory(path: String)

    public var kind: String {
        switch self {
        case .s3: "s3"
        case .directory: "directory"
        }
    }
}

/// Where a sync stands.
public enum SyncState: String, Sendable, Hashable, CaseIterable {
    /// Never synced.
    case idle
    case running
    case finished
    case failed
}

/// The last sync of a storage: when it ran and what it found.
public struct StorageSync: Sendable, Hashable {
    public var state: SyncState
    /// The field of the project's schema a sync that creates tasks puts each asset in; `nil` when it creates none.
    public var taskField: String?
    public var startedBy: UserID?
    public var startedAt: Timestamp?
    /// Moved forward by every page a running sync records; a running sync whose heartbeat is old was cut short.
    public var heartbeatAt: Timestamp?
    public var finishedAt: Timestamp?
    /// The new objects the sync recorded, the assets and tasks they made, and those it skipped (not media).
    public var objects: Int
    public var assets: Int
    public var tasks: Int
    public var skipped: Int
    /// The batch of the tasks the sync created, once it created one.
    public var batchID: BatchID?
    public var error: String?

    public init(
        state: SyncState = .idle, taskField: String? = nil, startedBy: UserID? = nil, startedAt: Timestamp? = nil,
        heartbeatAt: Timestamp? = nil, finishedAt: Timestamp? = nil, objects: Int = 0, assets: Int = 0,
        tasks: Int = 0, skipped: Int = 0, batchID: BatchID? = nil, error: String? = nil
    ) {
        self.state = state
        self.taskField = taskField
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.finishedAt = finishedAt
        self.objects = objects
        self.assets = assets
        self.tasks = tasks
        self.skipped = skipped
        self.batchID = batchID
        self.error = error
    }
}

/// A client's bucket or an allowed server directory attached to a project: its objects become the project's
/// assets without their bytes being copied (they are read from the source when served).
public struct AttachedStorage: Sendable, Hashable {
    public var id: StorageID
    public var projectID: ProjectID
    public var title: String
    public var source: StorageSource
    /// The credentials, sealed by the server (never decrypted by the store, never returned by the API).
    public var sealedCredentials: String?
    public var createdBy: UserID
    public var createdAt: Timestamp
    public var sync: StorageSync

    public init(
        id: StorageID, projectID: ProjectID, title: String, source: StorageSource, sealedCredentials: String?,
        createdBy: UserID, createdAt: Timestamp, sync: StorageSync
    ) {
        self.id = id
        self.projectID = projectID
        self.title = title
        self.source = source
        self.sealedCredentials = sealedCredentials
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.sync = sync
    }
}

/// A storage about to be attached.
public struct NewStorage: Sendable, Hashable {
    public var title: String
    public var source: StorageSource
    public var sealedCredentials: String?

    public init(title: String, source: StorageSource, sealedCredentials: String?) {
        self.title = title
        self.source = source
        self.sealedCredentials = sealedCredentials
    }
}

/// Where an asset's bytes are when they stay in an attached storage: the object and the version of it that
/// was hashed (an S3 ETag, or a file's size and modification time), so a changed object is never served as
/// the asset.
public struct AssetSource: Sendable, Hashable {
    public var storageID: StorageID
    public var objectKey: String
    public var objectVersion: String

    public init(storageID: StorageID, objectKey: String, objectVersion: String) {
        self.storageID = storageID
        self.objectKey = objectKey
        self.objectVersion = objectVersion
    }
}

/// One object a sync looked at, and what it is.
public struct SyncedObject: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Media: the asset it is (a new one, or the project's asset with the same bytes).
        case asset(NewAsset)
        /// Not media the park takes, or unreadable: why.
        case skipped(String)
    }

    public var key: String
    public var version: String
    public var byteCount: Int64
    public var outcome: Outcome

    public init(key: String, version: String, byteCount: Int64, outcome: Outcome) {
        self.key = key
        self.version = version
        self.byteCount = byteCount
        self.outcome = outcome
    }
}

/// An object of an attached storage that a sync recorded.
public struct StorageObject: Sendable, Hashable {
    public var key: String
    public var byteCount: Int64
    /// The asset it is, or `nil` when it was skipped.
    public var assetID: AssetID?
    public var skipped: String?
    public var syncedAt: Timestamp

    public init(key: String, byteCount: Int64, assetID: AssetID?, skipped: String?, syncedAt: Timestamp) {
        self.key = key
        self.byteCount = byteCount
        self.assetID = assetID
        self.skipped = skipped
        self.syncedAt = syncedAt
    }
}

/// Storages attached to projects, and what their syncs found.
///
/// A sync lists the source, skips the keys it recorded before (`recordedObjectKeys`), reads each new object once
/// to hash and measure it, and records a page at a time (`recordSyncedObjects`): the objects, their assets and,
/// when the sync creates tasks, one task per new asset, all in one transaction, so a sync cut short resumes
/// where it stopped without duplicating anything.
public protocol StorageCatalog: Sendable {
    /// Attaches a storage to a project the principal manages.
    func attachStorage(
        _ storage: NewStorage, to project: ProjectID, by principal: Principal
    ) async throws
        -> AttachedStorage

    /// The storages of a project the principal manages, oldest first.
    func storages(of project: ProjectID, by principal: Principal) async throws -> [AttachedStorage]

    /// A storage of a project the principal manages; `notFound` otherwise.
    func storage(_ id: StorageID, by principal: Principal) async throws -> AttachedStorage

    /// Starts a sync (putting assets into `taskField` tasks when it is given), unless one is running whose
    /// heartbeat is after `staleBefore`: that refuses with `syncInProgress`.
    func beginSync(
        of storage: StorageID, taskField: String?, staleBefore: Timestamp, by principal: Principal
    ) async throws -> AttachedStorage

    /// Which of `keys` the storage has recorded; for the sync, not for requests.
    func recordedObjectKeys(_ keys: [String], in storage: StorageID) async throws -> Set<String>

    /// Records a page of the sync `run` (its `startedAt`) in one transaction (see the protocol's summary) and moves
    /// its heartbeat; returns the sync's totals. Refuses with `importInProgress` while an import into the project
    /// is being written (try again later), and with `syncInProgress` when `run` is no longer the running sync.
    func recordSyncedObjects(
        _ objects: [SyncedObject], in storage: StorageID, run: Timestamp
    ) async throws
        -> StorageSync

    /// Ends the sync `run`, finished or failed with `error`; a sync that is no longer running is left as it is.
    func finishSync(of storage: StorageID, run: Timestamp, error: String?) async throws

    /// A storage without a principal, for the services that read its objects (tiles, content).
    func storageForService(_ id: StorageID) async throws -> AttachedStorage

    /// The assets of the storage's recorded objects among `keys`, by key (skipped and unknown keys are left out).
    func objectAssets(_ keys: [String], in storage: StorageID, by principal: Principal) async throws
        -> [String: AssetID]

    /// The storage's recorded objects in key order after `after`, at most `limit`.
    func storageObjects(
        of storage: StorageID, after: String?, limit: Int, by principal: Principal
    ) async throws -> [StorageObject]
}

/// The decisions about syncs both engines make alike.
public enum SyncRules {
    /// Refuses to start a sync while another runs whose heartbeat is after `staleBefore`.
    public static func requireStartable(_ sync: StorageSync, staleBefore: Timestamp) throws {
        guard sync.state == .running, let heartbeat = sync.heartbeatAt, heartbeat > staleBefore else { return }
        throw StoreError.conflict(.syncInProgress)
    }

    /// Refuses to record for a sync that is not the running one (it ended, or another took over a stale one).
    public static func requireRunning(_ sync: StorageSync, run: Timestamp) throws {
        guard sync.state == .running, sync.startedAt == run, sync.startedBy != nil else {
            throw StoreError.conflict(.syncInProgress)
        }
    }

    /// The task a sync creates for a new asset: the asset in the schema's media field.
    public static func task(for asset: AssetID, in field: String) -> NewTask {
        NewTask(dataJSON: JSONValue.object([JSONMember(field, .string("asset:\(asset.rawValue)"))]).jsonText)
    }
}
