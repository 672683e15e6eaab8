import Crypto
import Foundation
import LabelParkCore
import LabelParkStore

/// An upload body on its way to the asset store: written to a staging file while its SHA-256 and length are
/// computed, with its type checked from the first bytes and its size capped as it arrives.
struct UploadSpool {
    let path: String
    private let handle: FileHandle
    private var hasher = SHA256()
    private(set) var byteCount: Int64 = 0
    private var prefix: [UInt8] = []
    let declared: ImageFormat
    let limit: Int64
    /// The organization's stored bytes and quota, when it has one.
    let room: (used: Int64, quota: Int64)?

    init(directory: String, declared: ImageFormat, limit: Int64, room: (used: Int64, quota: Int64)? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/upload-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown) }
        self.handle = handle
        self.declared = declared
        self.limit = limit
        self.room = room
    }

    /// Adds the next piece of the body; refuses as soon as the type or the size is wrong.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        byteCount += Int64(bytes.count)
        guard byteCount <= limit else { throw APIError.payloadTooLarge(limit: Int(clamping: limit)) }
        if let room, byteCount > room.quota - min(room.used, room.quota) {
            throw StoreError.conflict(.quotaExceeded(usedBytes: room.used, quotaBytes: room.quota))
        }
        if prefix.count < ImageFormat.magicLength {
            prefix += bytes.prefix(ImageFormat.magicLength - prefix.count)
            if prefix.count == ImageFormat.magicLength { try checkType() }
        }
        hasher.update(bufferPointer: bytes)
        try handle.write(contentsOf: Data(bytes))
    }

    /// Closes the file after the last piece; an empty or too short body is refused here.
    func finish() throws -> String {
        try handle.close()
        guard byteCount > 0 else {
            throw APIError.mediaRefused(status: 400, code: "empty_body", message: "the upload has no bytes")
        }
        if prefix.count < ImageFormat.magicLength { try checkType() }
        return ImageFile.hex(hasher.finalize())
    }

    /// Removes the staging file (after a refusal; a stored upload's file was moved away).
    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    private func checkType() throws {
        guard let actual = ImageFormat(magic: prefix) else {
            throw APIError.mediaRefused(
                status: 415, code: "unsupported_media_type", message: ImageProbeError.unknownFormat.description)
        }
        guard actual == declared else {
            throw APIError.mediaRefused(
                status: 415, code: "type_mismatch",
                message: "the body was sent as \(declared.rawValue) but its bytes are a \(actual.name) image")
        }
    }
}
