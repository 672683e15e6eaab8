import NIOCore

/// Where media bytes live: a content-addressed blob per upload and the tile pyramids made from them.
///
/// Objects are written once and never change (their keys name their content), so readers may cache them
/// forever. Engines: `LocalAssetStore` (files under the data directory) and `S3AssetStore` (an S3-compatible
/// bucket, shared by every instance).
public protocol AssetStore: Sendable {
    /// Makes the file at `file` the object `key`, taking the file over (it is gone afterwards). When the call
    /// returns the object is complete and durable; until then readers see no object, never a partial one. An
    /// object that already exists is kept.
    func put(movingFileAt file: String, as key: AssetKey, contentType: String) async throws

    /// The object's size in bytes, or `nil` when there is no such object.
    func size(of key: AssetKey) async throws -> Int64?

    /// Streams the bytes `range` (the whole object when `nil`) to `body`, in order; throws
    /// `AssetStoreError.notFound` for a missing object.
    func read(_ key: AssetKey, range: Range<Int64>?, into body: (ByteBuffer) async throws -> Void) async throws

    /// Gives `body` a local file holding the object (the object's own file, or a temporary copy removed after).
    func withLocalFile<Value: Sendable>(
        _ key: AssetKey, _ body: (String) async throws -> Value
    ) async throws -> Value

    /// Deletes the object; deleting a missing object succeeds.
    func delete(_ key: AssetKey) async throws

    /// A URL a browser may fetch the object from directly for `seconds`, or `nil` when this server serves the
    /// bytes itself (local files).
    func presignedURL(for key: AssetKey, expiresIn seconds: Int, contentType: String) throws -> String?

    /// The origin presigned URLs point at, for the content security policy; `nil` for local files.
    var browserOrigin: String? { get }
}

/// Why an asset store refused.
public enum AssetStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(AssetKey)
    /// The storage service answered with an error (status and the service's own code, e.g. `AccessDenied`).
    case service(status: Int, code: String, message: String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .notFound(let key): "no stored object \(key)"
        case .service(let status, let code, let message): "object storage answered \(status) \(code): \(message)"
        case .invalidConfiguration(let why): why
        }
    }
}

/// The name of a stored object: slash-separated components of ASCII letters, digits, `.`, `_` and `-`, never
/// `.` or `..`, so a key can name neither a path outside the store nor a different object in each engine.
public struct AssetKey: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        let components = rawValue.split(separator: "/", omittingEmptySubsequences: false)
        guard !rawValue.isEmpty, rawValue.utf8.count <= 512,
            components.allSatisfy({ component in
                !component.isEmpty && component != "." && component != ".."
                    && component.utf8.allSatisfy { byte in
                        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                            || byte == 46 || byte == 95 || byte == 45
                    }
            })
        else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The blob of the bytes whose SHA-256 is `sha256` (64 lowercase hex digits).
    public static func blob(sha256: String) -> AssetKey? {
        guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        let digits = Array(sha256)
        return AssetKey(rawValue: "blobs/\(String(digits[0..<2]))/\(String(digits[2..<4]))/\(sha256)")
    }

    /// One tile of the Deep Zoom pyramid of the blob `sha256`.
    public static func tile(sha256: String, level: Int, column: Int, row: Int, suffix: String) -> AssetKey? {
        guard blob(sha256: sha256) != nil, level >= 0, column >= 0, row >= 0 else { return nil }
        return AssetKey(rawValue: "tiles/\(sha256)/\(level)/\(column)_\(row).\(suffix)")
    }

    /// The folder of the tiles of the blob `sha256`.
    public static func tilePrefix(sha256: String) -> String { "tiles/\(sha256)/" }
}
