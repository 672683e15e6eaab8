import Foundation
import LabelParkFormats
import Testing
import ZIPFoundation

@Suite("Zip archives written front to back")
struct ZipStreamWriterTests {
    /// The archive's entries and their contents, as ZIPFoundation reads them (checking every CRC).
    static func read(_ bytes: [UInt8]) throws -> [(path: String, contents: String)] {
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        return try archive.map { entry in
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            return (entry.path, String(decoding: data, as: UTF8.self))
        }
    }

    @Test("entries deflate and read back with their UTF-8 names, an empty one too")
    func roundTrip() throws {
        var zip = ZipStreamWriter(modified: Date(timeIntervalSince1970: 1_800_000_000))
        var bytes: [UInt8] = []
        let repeated = String(repeating: "0 0.5 0.5 0.25 0.25\n", count: 500)
        bytes += try zip.entry("labels/train/街道 1.txt", Array(repeated.utf8))
        bytes += try zip.entry("empty.txt", [])
        bytes += zip.finish()
        let entries = try Self.read(bytes)
        #expect(entries.map(\.path) == ["labels/train/街道 1.txt", "empty.txt"])
        #expect(entries.first?.contents == repeated && entries.last?.contents == "")
        #expect(bytes.count < repeated.utf8.count / 10)
    }

    @Test("past 65,535 entries the ZIP64 end records carry the count")
    func zip64() throws {
        var zip = ZipStreamWriter()
        var bytes: [UInt8] = []
        for index in 0..<70_000 { bytes += try zip.entry("l/\(index).txt", Array("\(index)\n".utf8)) }
        bytes += zip.finish()
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        var count = 0
        var last: Entry?
        for entry in archive {
            count += 1
            last = entry
        }
        #expect(count == 70_000)
        var data = Data()
        _ = try archive.extract(try #require(last)) { data.append($0) }
        #expect(String(decoding: data, as: UTF8.self) == "69999\n")
    }
}
