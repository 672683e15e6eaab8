import Crypto
import Foundation

/// The SHA-256 of a file, read a megabyte at a time: what names a blob and signs an S3 upload.
public enum FileDigest {
    /// The lowercase hex digest of the file at `path` and its length in bytes.
    public static func sha256(ofFileAt path: String) throws -> (digest: String, byteCount: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AssetStoreError.invalidConfiguration("cannot read \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var length: Int64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            hasher.update(data: data)
            length += Int64(data.count)
        }
        return (SigV4.hex(hasher.finalize()), length)
    }
}
