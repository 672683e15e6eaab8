import Foundation
import ZIPFoundation

/// Writes a zip archive front to back, an entry at a time, so a response can stream it while it is made.
///
/// ZIPFoundation's `Archive` rewrites the whole central directory on every added entry (quadratic in the entry
/// count) and needs a seekable file; an export of a million label files needs neither. This writer keeps only
/// each entry's central directory record, and uses ZIPFoundation for what it does well: raw deflate and CRC-32.
/// Past 65,535 entries or 4 GiB of offsets it writes the ZIP64 records every current reader understands.
public struct ZipStreamWriter: Sendable {
    private var offset: UInt64 = 0
    private var central: [UInt8] = []
    private var count: UInt64 = 0
    private let time: UInt16
    private let date: UInt16

    /// An archive whose entries are all dated `modified` (in UTC).
    public init(modified: Date = Date()) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        // DOS dates count years from 1980.
        let year = min(max((parts.year ?? 1980) - 1980, 0), 127)
        date = UInt16(year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        time = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
    }

    /// The bytes of one deflated file at `path` (a relative path with `/` between folders).
    public mutating func entry(_ path: String, _ contents: [UInt8]) throws -> [UInt8] {
        let name = Array(path.utf8)
        let data = Data(contents)
        var compressed = Data()
        let crc = try Data.compress(
            size: Int64(data.count), bufferSize: 1 << 16,
            provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) },
            consumer: { compressed.append($0) })
        guard data.count < 0xFFFF_FFFF, compressed.count < 0xFFFF_FFFF, name.count <= 0xFFFF else {
            throw ZipStreamError.entryTooLarge(path)
        }
        var local: [UInt8] = []
        local.reserveCapacity(30 + name.count + compressed.count)
        local.append(littleEndian: UInt32(0x0403_4b50))
        local.append(littleEndian: UInt16(20))
        local.append(littleEndian: Self.utf8Names)
        local.append(littleEndian: UInt16(8))
        local.append(littleEndian: time)
        local.append(littleEndian: date)
        local.append(littleEndian: crc)
        local.append(littleEndian: UInt32(compressed.count))
        local.append(littleEndian: UInt32(data.count))
        local.append(littleEndian: UInt16(name.count))
        local.append(littleEndian: UInt16(0))
        local += name
        local += compressed

        // The central record: a ZIP64 extra field carries an offset past 4 GiB.
        let farOffset = offset >= 0xFFFF_FFFF
        central.append(littleEndian: UInt32(0x0201_4b50))
        central.append(littleEndian: UInt16(3 << 8 | 45))
        central.append(littleEndian: UInt16(farOffset ? 45 : 20))
        central.append(littleEndian: Self.utf8Names)
        central.append(littleEndian: UInt16(8))
        central.append(littleEndian: time)
        central.append(littleEndian: date)
        central.append(littleEndian: crc)
        central.append(littleEndian: UInt32(compressed.count))
        central.append(littleEndian: UInt32(data.count))
        central.append(littleEndian: UInt16(name.count))
        central.append(littleEndian: UInt16(farOffset ? 12 : 0))
        central.append(littleEndian: UInt16(0))
        central.append(littleEndian: UInt16(0))
        central.append(littleEndian: UInt16(0))
        // A regular file, rw-r--r--, in the Unix attribute bits.
        central.append(littleEndian: UInt32(0o100644) << 16)
        central.append(littleEndian: farOffset ? UInt32(0xFFFF_FFFF) : UInt32(offset))
        central += name
        if farOffset {
            central.append(littleEndian: UInt16(1))
            central.append(littleEndian: UInt16(8))
            central.append(littleEndian: offset)
        }
        offset += UInt64(local.count)
        count += 1
        return local
    }

    /// The central directory and the end records; the archive is complete after these bytes.
    public func finish() -> [UInt8] {
        var tail = central
        let directoryStart = offset
        let directorySize = UInt64(central.count)
        let needsZip64 = count >= 0xFFFF || directoryStart >= 0xFFFF_FFFF || directorySize >= 0xFFFF_FFFF
        if needsZip64 {
            let zip64Start = directoryStart + directorySize
            tail.append(littleEndian: UInt32(0x0606_4b50))
            tail.append(littleEndian: UInt64(44))
            tail.append(littleEndian: UInt16(3 << 8 | 45))
            tail.append(littleEndian: UInt16(45))
            tail.append(littleEndian: UInt32(0))
            tail.append(littleEndian: UInt32(0))
            tail.append(littleEndian: count)
            tail.append(littleEndian: count)
            tail.append(littleEndian: directorySize)
            tail.append(littleEndian: directoryStart)
            tail.append(littleEndian: UInt32(0x0706_4b50))
            tail.append(littleEndian: UInt32(0))
            tail.append(littleEndian: zip64Start)
            tail.append(littleEndian: UInt32(1))
        }
        tail.append(littleEndian: UInt32(0x0605_4b50))
        tail.append(littleEndian: UInt16(0))
        tail.append(littleEndian: UInt16(0))
        tail.append(littleEndian: needsZip64 ? UInt16(0xFFFF) : UInt16(count))
        tail.append(littleEndian: needsZip64 ? UInt16(0xFFFF) : UInt16(count))
        tail.append(littleEndian: needsZip64 ? UInt32(0xFFFF_FFFF) : UInt32(directorySize))
        tail.append(littleEndian: needsZip64 ? UInt32(0xFFFF_FFFF) : UInt32(directoryStart))
        tail.append(littleEndian: UInt16(0))
        return tail
    }

    /// General-purpose flag bit 11: names are UTF-8.
    private static let utf8Names: UInt16 = 1 << 11
}

/// Why an entry cannot go into a zip.
public enum ZipStreamError: Error, Hashable {
    case entryTooLarge(String)
}

extension [UInt8] {
    fileprivate mutating func append<Value: FixedWidthInteger>(littleEndian value: Value) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
