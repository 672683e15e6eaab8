import Foundation
import NIOCore
import NIOFoundationCompat

/// Temporary local copies of remote objects, for tools that need a file (`vips`, hashing).
enum ScratchFile {
    /// Writes what `download` streams into a new file under `directory`, gives its path to `body`, and removes
    /// it afterwards.
    static func withDownload<Value: Sendable>(
        into directory: String, _ download: ((ByteBuffer) async throws -> Void) async throws -> Void,
        _ body: (String) async throws -> Value
    ) async throws -> Value {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw AssetStoreError.invalidConfiguration("cannot write to \(directory)") }
        do {
            try await download { chunk in try handle.write(contentsOf: Data(buffer: chunk)) }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        return try await body(path)
    }
}
