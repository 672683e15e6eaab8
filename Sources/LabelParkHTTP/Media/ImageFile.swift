import Crypto
import Foundation
import LabelParkCore

/// What the park reads of an image file before it becomes an asset: its header and its SHA-256.
enum ImageFile {
    /// The header of the image at `path` (`size` bytes long); throws `ImageProbeError` for what is wrong with it.
    static func header(at path: String, size: Int64) throws -> ImageHeader {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadUnknown) }
        defer { try? handle.close() }
        let probe = ImageProbe(size: size) { offset, count in
            try handle.seek(toOffset: UInt64(offset))
            return Array(try handle.read(upToCount: count) ?? Data())
        }
        return try probe.header()
    }

    /// The lowercase hex SHA-256 of the file and its length.
    static func sha256(at path: String) throws -> (digest: String, byteCount: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadUnknown) }
        defer { try? handle.close() }
        var hasher = SHA256()
        var length: Int64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            hasher.update(data: data)
            length += Int64(data.count)
        }
        return (hex(hasher.finalize()), length)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
