import LabelParkCore
import Testing

@Suite("Image header probe")
struct ImageProbeTests {
    static func probe(_ bytes: [UInt8]) throws -> ImageHeader {
        try ImageProbe(size: Int64(bytes.count)) { offset, count in
            Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)])
        }.header()
    }

    static func littleEndian(_ value: Int, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// A little-endian TIFF whose first directory holds `entries` (tag, value count, value), LONG values.
    static func tiff(_ entries: [(tag: Int, count: Int, value: Int)], tail: Int = 64) -> [UInt8] {
        var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + littleEndian(8, 4) + littleEndian(entries.count, 2)
        for entry in entries {
            bytes +=
                littleEndian(entry.tag, 2) + littleEndian(4, 2) + littleEndian(entry.count, 4)
                + littleEndian(entry.value, 4)
        }
        return bytes + littleEndian(0, 4) + [UInt8](repeating: 1, count: tail)
    }

    @Test("a TIFF's size and strips come from its first directory")
    func tiffHeader() throws {
        let header = try Self.probe(Self.tiff([(256, 1, 30), (257, 1, 20), (273, 1, 40), (279, 1, 16)]))
        #expect(header == ImageHeader(format: .tiff, width: 30, height: 20))
        #expect(throws: ImageProbeError.truncated(.tiff)) {
            try Self.probe(Self.tiff([(256, 1, 30), (257, 1, 20), (273, 1, 40), (279, 1, 1_000)]))
        }
    }

    @Test("a TIFF directory repeating a size tag is refused rather than read again and again")
    func repeatedTags() throws {
        let strips = (0..<2_000).map { _ in (tag: 273, count: 1, value: 40) }
        #expect(throws: ImageProbeError.malformed(.tiff, "tag 273 appears twice in the first directory")) {
            try Self.probe(Self.tiff([(256, 1, 30), (257, 1, 20), (279, 1, 16)] + strips))
        }
    }
}
