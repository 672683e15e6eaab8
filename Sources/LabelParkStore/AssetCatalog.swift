import LabelParkCore

/// Whether an image's tile pyramid exists.
public enum TileState: String, Sendable, Hashable, CaseIterable {
    /// Small enough to be shown whole.
    case none
    /// Waiting to be generated (the instance that took the upload does it; a restart resumes it).
    case pending
    case ready
    /// Generation failed; the image is shown whole.
    case failed
}

/// A medium of a project: bytes kept once in the asset store under their SHA-256 (uploads), or left in an
/// attached storage (`source`, synced objects), described here.
public struct Asset: Sendable, Hashable {
    public var id: AssetID
    public var organizationID: OrganizationID
    public var projectID: ProjectID
    /// 64 lowercase hex digits: the bytes' SHA-256, the blob's name in the asset store.
    public var sha256: String
    /// The type read from the bytes (`image/jpeg`, …), never the one a client declared.
    public var mediaType: String
    public var byteCount: Int64
    public var width: Int?
    public var height: Int?
    public var tiles: TileState
    public var createdBy: UserID
    public var createdAt: Timestamp
    /// The attached storage object holding the bytes; `nil` when the asset store holds them.
    public var source: AssetSource?

    public init(
        id: AssetID, organizationID: OrganizationID, projectID: ProjectID, sha256: String, mediaType: String,
        byteCount: Int64, width: Int?, height: Int?, tiles: TileState, createdBy: UserID, createdAt: Timestamp,
        source: AssetSource? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.projectID = projectID
        self.sha256 = sha256
        self.mediaType = mediaType
        self.byteCount = byteCount
        self.width = width
        self.height = height
        self.tiles = tiles
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.source = source
    }
}

/// What an upload found out about its bytes, to be recorded.
public struct NewAsset: Sendable, Hashable {
    public var sha256: String
    public var mediaType: String
    public var byteCount: Int64
    public var width: Int?
    public var height: Int?
    public var tiles: TileState

    public init(sha256: String, mediaType: String, byteCount: Int64, width: Int?, height: Int?, tiles: TileState) {
        self.sha256 = sha256
        self.mediaType = mediaType
        self.byteCount = byteCount
        self.width = width
        self.height = height
        self.tiles = tiles
    }
}

/// The records of uploaded media. The bytes live in an `AssetStore`; a record is written only after its blob
/// is stored, so a record never names missing bytes.
public protocol AssetCatalog: Sendable {
    /// Records an asset uploaded into a project by one of its managers, or returns the project's asset with the
    /// same bytes (`isNew` false). Refuses with `quotaExceeded` when the organization's assets would pass
    /// `quotaBytes` (`nil`: no quota).
    func recordAsset(
        _ asset: NewAsset, in project: ProjectID, quotaBytes: Int64?, by principal: Principal
    ) async throws -> (asset: Asset, isNew: Bool)

    /// An asset of a project the principal can see; `notFound` otherwise, like a missing one.
    func asset(_ id: AssetID, by principal: Principal) async throws -> Asset

    /// The assets among `ids` that belong to `project`, which the principal can see; others are left out.
    func assets(_ ids: [AssetID], in project: ProjectID, by principal: Principal) async throws -> [Asset]

    /// The bytes of media an organization stores in the asset store, summed over its assets (objects left in
    /// attached storages are not counted).
    func assetBytes(of organization: OrganizationID) async throws -> Int64

    /// Assets whose tiles are pending, oldest first; for the tile service, not for requests.
    func assetsAwaitingTiles(limit: Int) async throws -> [Asset]

    /// Records the outcome of tile generation.
    func setTiles(_ state: TileState, of asset: AssetID) async throws
}
