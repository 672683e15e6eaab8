import LabelParkAssets

/// How the park takes and serves media.
public struct MediaSettings: Sendable {
    /// Where media bytes live.
    public var store: any AssetStore
    /// A directory for upload bodies while they arrive, on the same file system as a local store's root.
    public var stagingDirectory: String
    /// The largest upload accepted, in bytes (default 2 GiB; S3 takes at most 5 GiB in one request).
    public var maxUploadBytes: Int64
    /// The most media bytes one organization may store; `nil` for no quota.
    public var quotaBytes: Int64?
    /// Images with a side at least this long get a tile pyramid, so a browser never decodes them whole.
    public var tileThreshold: Int
    /// How long a presigned URL from object storage stays valid, in seconds.
    public var presignedSeconds: Int
    /// What projects may attach, and the readers of what they attached.
    public let attachments: AttachmentPolicy
    public let sources: ObjectSources

    public init(
        store: any AssetStore, stagingDirectory: String, maxUploadBytes: Int64 = 2 << 30, quotaBytes: Int64? = nil,
        tileThreshold: Int = 4_096, presignedSeconds: Int = 300, attachments: AttachmentPolicy = .none
    ) {
        self.store = store
        self.stagingDirectory = stagingDirectory
        self.maxUploadBytes = maxUploadBytes
        self.quotaBytes = quotaBytes
        self.tileThreshold = tileThreshold
        self.presignedSeconds = presignedSeconds
        self.attachments = attachments
        self.sources = ObjectSources(policy: attachments, scratchDirectory: stagingDirectory + "/downloads")
    }
}

/// The Deep Zoom layout the park cuts large images into (what `vips dzsave` writes with these settings).
public enum TileLayout {
    public static let tileSize = 256
    public static let overlap = 0
    public static let suffix = "jpg"

    /// Whether the pyramid of a `width` × `height` image has the tile at `level`, `column`, `row`: levels run to
    /// `maxLevel`, each halving (rounding up) the one above, cut into `tileSize` squares from the top left.
    public static func contains(level: Int, column: Int, row: Int, width: Int, height: Int) -> Bool {
        let top = maxLevel(width: width, height: height)
        guard (0...top).contains(level), column >= 0, row >= 0 else { return false }
        let scale = 1 << (top - level)
        let levelWidth = (width + scale - 1) / scale
        let levelHeight = (height + scale - 1) / scale
        return column < (levelWidth + tileSize - 1) / tileSize && row < (levelHeight + tileSize - 1) / tileSize
    }

    /// The highest level: full resolution, where level 0 is one pixel.
    public static func maxLevel(width: Int, height: Int) -> Int {
        var level = 0
        while (1 << level) < max(width, height) { level += 1 }
        return level
    }
}
