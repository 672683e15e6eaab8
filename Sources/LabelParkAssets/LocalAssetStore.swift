import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Objects as files under one directory, each key a relative path. A put writes nothing visible until its
/// file is complete: the file is fsynced, renamed into place and its directory fsynced, so a crash leaves
/// either the whole object or none (and perhaps a file in `incoming/`, cleared at start).
public struct LocalAssetStore: AssetStore {
    public let root: String
    private var incoming: String { root + "/incoming" }

    /// A store under `root`, created if missing; files left in `incoming/` by a crash are removed.
    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/incoming", withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/incoming")) ?? [] {
            try? FileManager.default.removeItem(atPath: root + "/incoming/" + name)
        }
    }

    /// A path for a file that will become an object: in this store's file system, so a put is a rename.
    public func incomingPath() -> String { incoming + "/" + UUID().uuidString }

    public var browserOrigin: String? { nil }

    func path(of key: AssetKey) -> String { root + "/" + key.rawValue }

    public func put(movingFileAt file: String, as key: AssetKey, contentType: String) async throws {
        let destination = path(of: key)
        let manager = FileManager.default
        if manager.fileExists(atPath: destination) {
            try? manager.removeItem(atPath: file)
            return
        }
        let directory = (destination as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The file must be on disk before its name is, or a crash could leave the name over missing bytes.
        let staged = incomingPath()
        if rename(file, staged) != 0 {
            // Another file system: copy into this one first.
            try manager.copyItem(atPath: file, toPath: staged)
            try? manager.removeItem(atPath: file)
        }
        try Self.fsync(path: staged)
        guard rename(staged, destination) == 0 else {
            let code = errno
            try? manager.removeItem(atPath: staged)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        try Self.fsync(path: directory)
    }

    public func size(of key: AssetKey) async throws -> Int64? {
        var info = stat()
        guard stat(path(of: key), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    public func read(
        _ key: AssetKey, range: Range<Int64>?, into body: (ByteBuffer) async throws -> Void
    ) async throws {
        guard let handle = FileHandle(forReadingAtPath: path(of: key)) else { throw AssetStoreError.notFound(key) }
        defer { try? handle.close() }
        var position = range?.lowerBound ?? 0
        let end = range?.upperBound ?? Int64.max
        try handle.seek(toOffset: UInt64(max(0, position)))
        while position < end {
            let count = Int(min(Int64(Self.chunkSize), end - position))
            guard let data = try handle.read(upToCount: count), !data.isEmpty else { break }
            position += Int64(data.count)
            try await body(ByteBuffer(bytes: data))
        }
    }

    public func withLocalFile<Value: Sendable>(
        _ key: AssetKey, _ body: (String) async throws -> Value
    ) async throws -> Value {
        guard try await size(of: key) != nil else { throw AssetStoreError.notFound(key) }
        return try await body(path(of: key))
    }

    public func delete(_ key: AssetKey) async throws {
        if unlink(path(of: key)) != 0, errno != ENOENT {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    public func presignedURL(for key: AssetKey, expiresIn seconds: Int, contentType: String) throws -> String? { nil }

    static let chunkSize = 256 * 1024

    static func fsync(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard Glibc.fsync(descriptor) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
