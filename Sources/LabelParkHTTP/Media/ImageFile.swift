import Foundation
import LabelParkCore

/// What the park reads of an image file before it becomes an asset.
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

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
