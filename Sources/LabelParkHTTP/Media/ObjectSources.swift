import Foundation
import LabelParkAssets
import LabelParkCore
import LabelParkStore
import Logging
import Synchronization

/// The readers of attached storages, made once per storage (its source and credentials never change).
public final class ObjectSources: Sendable {
    let policy: AttachmentPolicy
    let scratchDirectory: String
    let logger: Logger
    private let readers = Mutex<[StorageID: any ObjectSource]>([:])

    public init(
        policy: AttachmentPolicy, scratchDirectory: String, logger: Logger = Logger(label: "labelpark.storages")
    ) {
        self.policy = policy
        self.scratchDirectory = scratchDirectory
        self.logger = logger
    }

    /// The reader of `storage`. A directory must still be allowed and a bucket's endpoint too: an operator who
    /// withdraws one stops every read from it.
    func source(for storage: AttachedStorage) throws -> any ObjectSource {
        if let source = made(storage.id) { return source }
        let source = try Self.make(storage, policy: policy, scratchDirectory: scratchDirectory, logger: logger)
        readers.withLock { $0[storage.id] = source }
        return source
    }

    /// The reader already made for a storage, if any.
    func made(_ id: StorageID) -> (any ObjectSource)? {
        readers.withLock { $0[id] }
    }

    static func make(
        _ storage: AttachedStorage, policy: AttachmentPolicy, scratchDirectory: String, logger: Logger
    ) throws -> any ObjectSource {
        switch storage.source {
        case .directory(let path):
            guard policy.allows(directory: path) else { throw AttachmentRefusal.withdrawn("the directory \(path)") }
            return DirectoryObjectSource(root: path)
        case .s3(let endpoint, let bucket, let prefix, let region, let pathStyle):
            guard policy.allowedEndpoints.contains(endpoint), let url = URL(string: endpoint) else {
                throw AttachmentRefusal.withdrawn("the endpoint \(endpoint)")
            }
            guard let sealer = policy.sealer, let sealed = storage.sealedCredentials else {
                throw AttachmentRefusal.noCredentials
            }
            let location = try S3Location(
                url: "s3://\(bucket)/\(prefix)", endpoint: url, region: region, pathStyle: pathStyle)
            return S3ObjectSource(
                location: location, credentials: try sealer.open(sealed, for: storage.projectID),
                scratchDirectory: scratchDirectory, logger: logger)
        }
    }
}

/// Why an attached storage cannot be read any more.
enum AttachmentRefusal: Error, CustomStringConvertible {
    case withdrawn(String)
    case noCredentials

    var description: String {
        switch self {
        case .withdrawn(let what): "\(what) is no longer allowed by this park's operator"
        case .noCredentials: "this server cannot open the storage's credentials (no --storage-key-file)"
        }
    }
}

/// The bytes of assets wherever they are: the asset store for uploads, the attached storage for synced objects.
struct MediaBytes: Sendable {
    let store: any AssetStore
    let catalog: any StorageCatalog
    let sources: ObjectSources

    /// The reader of a synced asset's storage; the storage is read from the catalog only the first time.
    func source(of asset: AssetSource) async throws -> any ObjectSource {
        if let made = sources.made(asset.storageID) { return made }
        return try sources.source(for: try await catalog.storageForService(asset.storageID))
    }

    /// Gives `body` a local file holding the asset's bytes.
    func withLocalFile<Value: Sendable>(_ asset: Asset, _ body: (String) async throws -> Value) async throws -> Value {
        if let located = asset.source {
            return try await source(of: located).withLocalFile(
                located.objectKey, version: located.objectVersion, body)
        }
        guard let blob = AssetKey.blob(sha256: asset.sha256) else {
            throw AssetStoreError.invalidConfiguration("asset \(asset.id) has no valid digest")
        }
        return try await store.withLocalFile(blob, body)
    }
}
