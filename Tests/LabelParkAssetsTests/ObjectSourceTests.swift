import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Testing

@testable import LabelParkAssets

/// Both attached-storage engines: listing in byte order of the keys, reads of a range, and refusal of an
/// object that changed since it was listed.
enum ObjectSourceChecks {
    /// `source` holds exactly `files` (key → bytes), written by the caller; `rewrite` changes one object.
    static func listAndRead(
        _ source: any ObjectSource, files: [String: [UInt8]], rewrite: (String, [UInt8]) async throws -> Void
    ) async throws {
        var pages: [[SourceObject]] = []
        try await source.list(pageSize: 2) { pages.append($0) }
        let listed = pages.flatMap { $0 }
        #expect(pages.allSatisfy { $0.count <= 2 })
        #expect(listed.map(\.key) == files.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for object in listed { #expect(object.byteCount == Int64(files[object.key]?.count ?? -1)) }

        let photo = try #require(listed.first { $0.key == "井下/2 号 摄像头+.jpg" })
        #expect(try await bytes(of: source, photo, range: nil) == files[photo.key])
        #expect(try await bytes(of: source, photo, range: 2..<5) == Array(files[photo.key]![2..<5]))
        let copied = try await source.withLocalFile(photo.key, version: photo.version) { path in
            try Data(contentsOf: URL(fileURLWithPath: path))
        }
        #expect(Array(copied) == files[photo.key])

        try await rewrite(photo.key, Array("a different photo".utf8))
        await #expect(throws: ObjectSourceError.changed(photo.key)) {
            _ = try await bytes(of: source, photo, range: nil)
        }
        let gone = SourceObject(key: "missing.jpg", byteCount: 1, version: photo.version)
        await #expect(throws: ObjectSourceError.notFound("missing.jpg")) {
            _ = try await bytes(of: source, gone, range: nil)
        }
    }

    static func bytes(of source: any ObjectSource, _ object: SourceObject, range: Range<Int64>?) async throws -> [UInt8]
    {
        var collected: [UInt8] = []
        try await source.read(object.key, version: object.version, range: range) { chunk in
            collected += chunk.readableBytesView
        }
        return collected
    }

    static let files: [String: [UInt8]] = [
        "a.jpg": Array("first".utf8),
        "b/c.png": Array("second file".utf8),
        "井下/2 号 摄像头+.jpg": Array("0123456789".utf8),
        "Z~tilde.webp": Array("z".utf8),
    ]
}

@Suite struct DirectoryObjectSourceTests {
    @Test("a directory lists its files in key order and serves them while unchanged")
    func directory() async throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (key, bytes) in ObjectSourceChecks.files { try Self.write(bytes, to: root + "/" + key) }
        try await ObjectSourceChecks.listAndRead(DirectoryObjectSource(root: root), files: ObjectSourceChecks.files) {
            key, bytes in
            // A rewrite keeps the size here: only the modification time tells it apart.
            try await Task.sleep(for: .milliseconds(20))
            try Self.write(Array(bytes.prefix(10)), to: root + "/" + key)
        }
    }

    @Test("hidden files, folders and links leading out of the directory are not objects")
    func boundaries() async throws {
        let outside = try Self.makeRoot()
        let root = try Self.makeRoot()
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: outside)
        }
        try Self.write(Array("secret".utf8), to: outside + "/passwd")
        try Self.write(Array("photo".utf8), to: root + "/frames/1.jpg")
        try Self.write(Array("x".utf8), to: root + "/.DS_Store")
        try Self.write(Array("x".utf8), to: root + "/.cache/2.jpg")
        try FileManager.default.createSymbolicLink(
            atPath: root + "/escape.jpg", withDestinationPath: outside + "/passwd")
        try FileManager.default.createSymbolicLink(
            atPath: root + "/alias.jpg", withDestinationPath: root + "/frames/1.jpg")
        let source = DirectoryObjectSource(root: root)
        var listed: [String] = []
        try await source.list(pageSize: 100) { listed += $0.map(\.key) }
        #expect(listed == ["alias.jpg", "frames/1.jpg"])
        for key in ["escape.jpg", "../\(URL(fileURLWithPath: outside).lastPathComponent)/passwd", "frames/../../x"] {
            await #expect(throws: ObjectSourceError.invalidKey(key)) {
                try await source.read(key, version: "", range: nil) { _ in }
            }
        }
    }

    static func makeRoot() throws -> String {
        let path = NSTemporaryDirectory() + "labelpark-source-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // Sources are given their real path (the server resolves links when a storage is attached).
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

@Suite(.enabled(if: S3TestService.endpoint != nil, "set LABELPARK_TEST_S3_ENDPOINT to an S3 service on loopback"))
struct S3ObjectSourceTests {
    @Test("a bucket folder lists its objects in key order across pages and serves them while unchanged")
    func bucket() async throws {
        let location = try S3Location(
            url: "s3://labelpark-test/attached-\(UUID().uuidString.prefix(8).lowercased())",
            endpoint: S3TestService.endpoint!, region: "us-east-1")
        let credentials = S3Credentials(accessKeyID: "testing", secretAccessKey: "testing")
        let client = S3Client(location: location, credentials: credentials, http: .shared, logger: .init(label: "test"))
        func put(_ key: String, _ bytes: [UInt8]) async throws {
            let response = try await client.send(
                "PUT", key: key, headers: [("Content-Length", String(bytes.count))],
                payloadHash: SigV4.unsignedPayload, body: .bytes(ByteBuffer(bytes: bytes)))
            try await S3Client.requireSuccess(response)
        }
        for (key, bytes) in ObjectSourceChecks.files { try await put(key, bytes) }
        let root = NSTemporaryDirectory() + "labelpark-s3-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await ObjectSourceChecks.listAndRead(
            S3ObjectSource(location: location, credentials: credentials, scratchDirectory: root),
            files: ObjectSourceChecks.files, rewrite: put)
    }
}
