import NIOCore

/// A storage attached to a project: objects the park lists and reads where they are, never writes.
///
/// Keys are the source's own names (any Unicode, relative to the attached folder). Each object has a
/// `version` (an S3 ETag, a file's size and modification time) recorded when a sync hashed it; reads name that
/// version and fail with `ObjectSourceError.changed` once the object is no longer it, so bytes that differ from
/// the recorded hash are never served as the asset.
public protocol ObjectSource: Sendable {
    /// Lists the source's objects in key order, `pageSize` at most at a time, handing each page to `page`.
    func list(pageSize: Int, _ page: ([SourceObject]) async throws -> Void) async throws

    /// Opens the bytes `range` (all of them when `nil`) of `key` at `version`. The version is checked here, before
    /// any byte is read, so a server can still answer with an error status.
    func open(_ key: String, version: String, range: Range<Int64>?) async throws -> ObjectBytes

    /// Gives `body` a local file holding `key` at `version` (the file itself, or a temporary copy removed after).
    func withLocalFile<Value: Sendable>(
        _ key: String, version: String, _ body: (String) async throws -> Value
    ) async throws -> Value
}

extension ObjectSource {
    /// Streams the bytes `range` (all of them when `nil`) of `key` at `version` to `body`.
    public func read(
        _ key: String, version: String, range: Range<Int64>?, into body: (ByteBuffer) async throws -> Void
    ) async throws {
        for try await chunk in try await open(key, version: version, range: range) { try await body(chunk) }
    }
}

/// One listed object.
public struct SourceObject: Sendable, Hashable {
    public var key: String
    public var byteCount: Int64
    public var version: String

    public init(key: String, byteCount: Int64, version: String) {
        self.key = key
        self.byteCount = byteCount
        self.version = version
    }
}

/// Why an attached storage could not give an object.
public enum ObjectSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    /// The object is no longer the version that was synced.
    case changed(String)
    /// The key names nothing the source may give (a path outside the directory, a link out of it).
    case invalidKey(String)

    public var description: String {
        switch self {
        case .notFound(let key): "the storage has no object \(key)"
        case .changed(let key): "the object \(key) changed after it was synced"
        case .invalidKey(let key): "\(key) is not an object of this storage"
        }
    }
}
