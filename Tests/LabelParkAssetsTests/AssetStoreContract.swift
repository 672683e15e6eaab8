import Foundation
import LabelParkAssets
import NIOCore
import Testing

/// What every asset store engine must do, run on each engine by its own suite.
enum AssetStoreContract {
    static let all: [(name: String, run: @Sendable (any AssetStore, Scratch) async throws -> Void)] = [
        ("a put makes the whole file the object and takes the file over", putAndRead),
        ("ranges read exactly the bytes asked for", ranges),
        ("an existing object is kept, and missing objects are absent", existingAndMissing),
        ("concurrent puts of the same content leave one whole object", concurrentPuts),
        ("objects are deleted, and deleting a missing one succeeds", deletion),
        ("a local file of an object is handed out whole", localFile),
    ]

    /// Files to put, written where the engine takes them from.
    struct Scratch: Sendable {
        let directory: String
        func file(_ bytes: [UInt8]) throws -> String {
            let path = directory + "/" + UUID().uuidString
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw CocoaError(.fileWriteUnknown)
            }
            return path
        }
    }

    static func bytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    static func readAll(_ store: any AssetStore, _ key: AssetKey, range: Range<Int64>? = nil) async throws -> [UInt8] {
        var collected: [UInt8] = []
        try await store.read(key, range: range) { chunk in collected += Array(buffer: chunk) }
        return collected
    }

    static func newKey(_ name: String) -> AssetKey { AssetKey(rawValue: "contract/\(UUID().uuidString)/\(name)")! }

    static func putAndRead(_ store: any AssetStore, _ scratch: Scratch) async throws {
        // Larger than one read chunk, so reads come in several pieces.
        let content = bytes(700_001)
        let file = try scratch.file(content)
        let key = newKey("photo.jpg")
        try await store.put(movingFileAt: file, as: key, contentType: "image/jpeg")
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try await store.size(of: key) == Int64(content.count))
        #expect(try await readAll(store, key) == content)
        let empty = newKey("empty")
        try await store.put(movingFileAt: try scratch.file([]), as: empty, contentType: "application/octet-stream")
        #expect(try await store.size(of: empty) == 0)
        #expect(try await readAll(store, empty).isEmpty)
    }

    static func ranges(_ store: any AssetStore, _ scratch: Scratch) async throws {
        let content = bytes(1_000)
        let key = newKey("r.bin")
        try await store.put(movingFileAt: try scratch.file(content), as: key, contentType: "image/png")
        #expect(try await readAll(store, key, range: 0..<1) == [content[0]])
        #expect(try await readAll(store, key, range: 10..<20) == Array(content[10..<20]))
        #expect(try await readAll(store, key, range: 990..<1_000) == Array(content[990..<1_000]))
        #expect(try await readAll(store, key, range: 5..<5).isEmpty)
    }

    static func existingAndMissing(_ store: any AssetStore, _ scratch: Scratch) async throws {
        let key = newKey("once")
        try await store.put(movingFileAt: try scratch.file(bytes(10, seed: 1)), as: key, contentType: "image/png")
        let second = try scratch.file(bytes(20, seed: 2))
        try await store.put(movingFileAt: second, as: key, contentType: "image/png")
        #expect(!FileManager.default.fileExists(atPath: second))
        #expect(try await readAll(store, key) == bytes(10, seed: 1))
        let missing = Self.newKey("missing")
        #expect(try await store.size(of: missing) == nil)
        await #expect(throws: AssetStoreError.notFound(missing)) { _ = try await readAll(store, missing) }
    }

    static func concurrentPuts(_ store: any AssetStore, _ scratch: Scratch) async throws {
        let content = bytes(300_000, seed: 3)
        let key = newKey("race")
        let files = try (0..<8).map { _ in try scratch.file(content) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for file in files {
                group.addTask { try await store.put(movingFileAt: file, as: key, contentType: "image/png") }
            }
            try await group.waitForAll()
        }
        #expect(try await readAll(store, key) == content)
    }

    static func deletion(_ store: any AssetStore, _ scratch: Scratch) async throws {
        let key = newKey("gone")
        try await store.put(movingFileAt: try scratch.file(bytes(5)), as: key, contentType: "image/png")
        try await store.delete(key)
        #expect(try await store.size(of: key) == nil)
        try await store.delete(key)
    }

    static func localFile(_ store: any AssetStore, _ scratch: Scratch) async throws {
        let content = bytes(123_457, seed: 9)
        let key = newKey("local.tif")
        try await store.put(movingFileAt: try scratch.file(content), as: key, contentType: "image/tiff")
        let read = try await store.withLocalFile(key) { path in try Data(contentsOf: URL(fileURLWithPath: path)) }
        #expect(Array(read) == content)
    }
}

@Suite struct LocalAssetStoreTests {
    @Test(arguments: AssetStoreContract.all.map(\.name))
    func contract(_ name: String) async throws {
        let check = try #require(AssetStoreContract.all.first { $0.name == name })
        let root = NSTemporaryDirectory() + "labelpark-assets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try LocalAssetStore(root: root + "/store")
        try FileManager.default.createDirectory(atPath: root + "/scratch", withIntermediateDirectories: true)
        try await check.run(store, .init(directory: root + "/scratch"))
    }

    @Test("files left half-written by a crash are cleared at start and never become objects")
    func crashLeftovers() throws {
        let root = NSTemporaryDirectory() + "labelpark-assets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try LocalAssetStore(root: root)
        _ = FileManager.default.createFile(atPath: root + "/incoming/half", contents: Data([1, 2, 3]))
        _ = try LocalAssetStore(root: root)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/incoming").isEmpty)
    }

    @Test("presigned URLs are for object storage only")
    func noPresigning() throws {
        let root = NSTemporaryDirectory() + "labelpark-assets-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try LocalAssetStore(root: root)
        #expect(try store.presignedURL(for: AssetKey(rawValue: "a")!, expiresIn: 60, contentType: "image/png") == nil)
        #expect(store.browserOrigin == nil)
    }
}

/// The same contract against an S3-compatible service: moto on loopback in CI (`LABELPARK_TEST_S3_ENDPOINT`,
/// bucket `labelpark-test`, any credentials, since moto does not check signatures).
@Suite(.enabled(if: S3TestService.endpoint != nil, "set LABELPARK_TEST_S3_ENDPOINT to an S3 service on loopback"))
struct S3AssetStoreTests {
    @Test(arguments: AssetStoreContract.all.map(\.name))
    func contract(_ name: String) async throws {
        let check = try #require(AssetStoreContract.all.first { $0.name == name })
        let root = NSTemporaryDirectory() + "labelpark-s3-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try await check.run(try S3TestService.store(scratch: root), .init(directory: root))
    }
}

enum S3TestService {
    static let endpoint = ProcessInfo.processInfo.environment["LABELPARK_TEST_S3_ENDPOINT"].flatMap(URL.init(string:))

    static func store(scratch: String) throws -> S3AssetStore {
        let location = try S3Location(
            url: "s3://labelpark-test/contract-\(UUID().uuidString.prefix(8).lowercased())", endpoint: endpoint!,
            region: "us-east-1")
        return S3AssetStore(
            location: location, credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"),
            scratchDirectory: scratch + "/downloads")
    }
}
