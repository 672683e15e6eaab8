import Foundation
import NIOCore
import NIOFoundationCompat

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A server directory an operator allowed, attached to a project: its regular files, by relative path.
///
/// Hidden files and folders (names starting with `.`) are not objects. A symbolic link is followed only when
/// it ends inside the directory, so a link cannot hand out a file the operator did not allow.
public struct DirectoryObjectSource: ObjectSource {
    /// An absolute path with symbolic links resolved.
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func list(pageSize: Int, _ page: ([SourceObject]) async throws -> Void) async throws {
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw AssetStoreError.invalidConfiguration("cannot list \(root)")
        }
        var objects: [SourceObject] = []
        while let relative = walker.nextObject() as? String {
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                let (_, version, size) = try? resolve(relative)
            else { continue }
            objects.append(SourceObject(key: relative, byteCount: size, version: version))
        }
        // Byte order of the UTF-8 keys, as both databases compare them.
        objects.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for start in stride(from: 0, to: objects.count, by: max(1, pageSize)) {
            try await page(Array(objects[start..<min(start + max(1, pageSize), objects.count)]))
        }
    }

    public func open(_ key: String, version: String, range: Range<Int64>?) async throws -> ObjectBytes {
        let path = try current(key, version: version)
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ObjectSourceError.notFound(key) }
        let start = max(0, range?.lowerBound ?? 0)
        do {
            try handle.seek(toOffset: UInt64(start))
        } catch {
            try? handle.close()
            throw error
        }
        return ObjectBytes(origin: .file(FileChunks(handle: handle, from: start, to: range?.upperBound ?? .max)))
    }

    public func withLocalFile<Value: Sendable>(
        _ key: String, version: String, _ body: (String) async throws -> Value
    ) async throws -> Value {
        try await body(try current(key, version: version))
    }

    /// The file of `key` when it is still `version`.
    private func current(_ key: String, version: String) throws -> String {
        let (path, found, _) = try resolve(key)
        guard found == version else { throw ObjectSourceError.changed(key) }
        return path
    }

    /// The real path, version and size of the regular file `key` names inside the directory.
    private func resolve(_ key: String) throws -> (path: String, version: String, size: Int64) {
        let components = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.utf8.contains(0),
            components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else { throw ObjectSourceError.invalidKey(key) }
        guard let resolved = realpath(root + "/" + key, nil) else { throw ObjectSourceError.notFound(key) }
        let path = String(cString: resolved)
        free(resolved)
        guard path.hasPrefix(root.hasSuffix("/") ? root : root + "/") else { throw ObjectSourceError.invalidKey(key) }
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw ObjectSourceError.notFound(key)
        }
        #if canImport(Darwin)
            let modified = Int64(status.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(status.st_mtimespec.tv_nsec)
        #else
            let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        #endif
        return (path, "\(status.st_size)-\(modified)", Int64(status.st_size))
    }
}
