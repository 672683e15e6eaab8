import Foundation
import HTTPTypes
import LabelParkAssets
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Attached storages: directories and buckets whose images become assets and tasks where they lie")
struct StorageRouteTests {
    /// A folder of the test's own, under a root the operator allows, and a sibling folder outside it.
    struct Folders {
        let allowed: String
        let frames: String
        let outside: String

        init() throws {
            let base = URL(fileURLWithPath: NSTemporaryDirectory() + "labelpark-attach-" + UUID().uuidString)
                .resolvingSymlinksInPath().path
            allowed = base + "/allowed"
            frames = allowed + "/mine/frames"
            outside = base + "/outside"
            for path in [frames, outside] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
        }

        func write(_ bytes: [UInt8], _ key: String, in folder: String? = nil) throws {
            let path = (folder ?? frames) + "/" + key
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }

        func remove() { try? FileManager.default.removeItem(atPath: (allowed as NSString).deletingLastPathComponent) }
    }

    static func attach(_ park: TestPark, _ project: Int, _ json: String, as person: Person? = nil) async throws -> Reply
    {
        try await park.send(.post, "/api/v1/projects/\(project)/storages", as: person ?? park.managerA, json: json)
    }

    static func sync(_ park: TestPark, _ project: Int, _ storage: Int, json: String? = nil) async throws -> Reply {
        let reply = try await park.send(
            .post, "/api/v1/projects/\(project)/storages/\(storage)/sync", as: park.managerA, json: json)
        if reply.status == .accepted { await park.syncs.waitForSync(of: StorageID(Int64(storage))) }
        return reply
    }

    @Test("an allowed directory is synced into one asset per image and one task per asset, served while unchanged")
    func directory() async throws {
        let folders = try Folders()
        defer { folders.remove() }
        let photo = TestImages.png(width: 64, height: 48, extra: 100)
        try folders.write(photo, "cam1/0001.png")
        try folders.write(photo, "cam1/0001 copy.png")
        try folders.write(TestImages.jpeg(width: 1920, height: 1080), "cam1/0002.jpg")
        try folders.write(TestImages.webp(width: 300, height: 200), "井下/三号.webp")
        try folders.write(Array("shift notes".utf8), "notes.txt")
        try folders.write(Array(TestImages.png(width: 8, height: 8).dropLast(4)), "cam1/broken.png")
        try folders.write(photo, "secret.png", in: folders.outside)
        try FileManager.default.createSymbolicLink(
            atPath: folders.frames + "/leak.png", withDestinationPath: folders.outside + "/secret.png")
        let policy = try AttachmentPolicy(allowedDirectories: [folders.allowed])
        try await withTestPark(attachments: policy) { park in
            let project = try await MediaRouteTests.imageProject(park)
            let attached = try await Self.attach(park, project, #"{"kind":"directory","path":"\#(folders.frames)"}"#)
            #expect(attached.status == .created, "\(attached.text)")
            #expect(attached.string("kind") == "directory" && attached.string("path") == folders.frames)
            #expect(attached.string("sync.state") == "idle" && attached.string("title") == folders.frames)
            let storage = try #require(attached.int("id"))

            let synced = try await Self.sync(park, project, storage)
            #expect(synced.status == .accepted && synced.string("sync.state") == "running", "\(synced.text)")
            #expect(synced.bool("sync.creates_tasks") == true)
            let shown = try await park.send(.get, "/api/v1/projects/\(project)/storages/\(storage)", as: park.managerA)
            #expect(shown.string("sync.state") == "finished", "\(shown.text)")
            #expect(shown.int("sync.objects") == 6 && shown.int("sync.assets") == 3 && shown.int("sync.tasks") == 3)
            #expect(shown.int("sync.skipped") == 2 && shown.int("sync.batch_id") != nil)

            let listing = try await park.send(
                .get, "/api/v1/projects/\(project)/storages/\(storage)/objects", as: park.managerA)
            let objects = try #require(listing.array("objects") as? [[String: Any]])
            #expect(
                objects.compactMap { $0["key"] as? String } == [
                    "cam1/0001 copy.png", "cam1/0001.png", "cam1/0002.jpg", "cam1/broken.png", "notes.txt",
                    "井下/三号.webp",
                ])
            func object(_ key: String) -> [String: Any]? { objects.first { $0["key"] as? String == key } }
            #expect((object("notes.txt")?["skipped"] as? String)?.contains("JPEG") == true)
            #expect((object("cam1/broken.png")?["skipped"] as? String) != nil)
            let photoAsset = try #require(object("cam1/0001.png")?["asset_id"] as? Int)
            #expect(object("cam1/0001 copy.png")?["asset_id"] as? Int == photoAsset)
            let page = try await park.send(
                .get, "/api/v1/projects/\(project)/storages/\(storage)/objects?after=cam1/0002.jpg&limit=2",
                as: park.managerA)
            #expect((page.array("objects") as? [[String: Any]])?.count == 2 && page.string("next_after") == "notes.txt")

            // The asset is described like an upload and its bytes come from the directory, with ranges and ETags.
            let described = try await park.send(.get, "/api/v1/assets/\(photoAsset)", as: park.annotatorA)
            #expect(described.int("width") == 64 && described.string("media_type") == "image/png")
            let content = try await park.send(.get, "/api/v1/assets/\(photoAsset)/content", as: park.annotatorA)
            #expect(content.status == .ok && content.bytes == photo)
            #expect(content.header("Content-Type") == "image/png" && content.header("ETag")?.count == 66)
            let part = try await park.send(
                .get, "/api/v1/assets/\(photoAsset)/content", as: park.annotatorA, headers: [.range: "bytes=8-15"])
            #expect(part.status == .partialContent && part.bytes == Array(photo[8...15]))
            let cached = try await park.send(
                .get, "/api/v1/assets/\(photoAsset)/content", as: park.annotatorA,
                headers: [.ifNoneMatch: content.header("ETag") ?? ""])
            #expect(cached.status == .notModified)

            // Imports may name synced objects by key; they are stored as their assets.
            let lines = [
                #"{"photo":"storage:\#(storage)/cam1/0002.jpg"}"#, #"{"photo":"storage:\#(storage)/notes.txt"}"#,
                #"{"photo":"storage:999/cam1/0002.jpg"}"#,
            ]
            let refused = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, json: lines.joined(separator: "\n"),
                contentType: "application/x-ndjson")
            #expect(refused.status == .unprocessableContent && refused.int("error_count") == 2, "\(refused.text)")
            #expect(refused.text.contains("not an image a sync of that storage recorded"))
            #expect(refused.text.contains("storage:999 is not a storage of this project"))
            let keyless = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA,
                json: #"{"photo":"storage:\#(storage)/"}"#, contentType: "application/x-ndjson")
            #expect(
                keyless.status == .unprocessableContent && keyless.text.contains("storage:ID/KEY"), "\(keyless.text)")
            let imported = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, json: lines[0],
                contentType: "application/x-ndjson")
            #expect(imported.status == .created && imported.int("created") == 1, "\(imported.text)")
            let exported = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            let jpegReference = "asset:\(object("cam1/0002.jpg")?["asset_id"] as? Int ?? -1)"
            #expect(exported.text.components(separatedBy: jpegReference).count == 3, "\(exported.text)")
            #expect(!exported.text.contains("storage:"))

            // The tasks are in the queue, each naming its asset.
            let claim = try await park.claim(project, as: park.annotatorA)
            let task = try await park.send(.get, "/api/v1/tasks/\(claim.taskID)", as: park.annotatorA)
            #expect(task.string("data.photo")?.hasPrefix("asset:") == true, "\(task.text)")

            // A changed file is never served as the asset it was; a removed one is gone.
            try await Task.sleep(for: .milliseconds(20))
            // The asset's bytes are read from the first key that had them.
            try folders.write(TestImages.png(width: 64, height: 48, extra: 101), "cam1/0001 copy.png")
            let changed = try await park.send(.get, "/api/v1/assets/\(photoAsset)/content", as: park.annotatorA)
            #expect(
                changed.status == .conflict && changed.string("error.code") == "object_changed",
                "\(changed.status) \(changed.text)")
            let jpegAsset = try #require(object("cam1/0002.jpg")?["asset_id"] as? Int)
            try FileManager.default.removeItem(atPath: folders.frames + "/cam1/0002.jpg")
            let gone = try await park.send(.get, "/api/v1/assets/\(jpegAsset)/content", as: park.annotatorA)
            #expect(gone.status == .gone && gone.string("error.code") == "object_gone", "\(gone.text)")

            // A second sync takes only what is new.
            try folders.write(TestImages.png(width: 10, height: 10), "cam2/0001.png")
            _ = try await Self.sync(park, project, storage)
            let again = try await park.send(.get, "/api/v1/projects/\(project)/storages/\(storage)", as: park.managerA)
            #expect(again.int("sync.objects") == 1 && again.int("sync.tasks") == 1, "\(again.text)")
            #expect(try await park.progress(project).int("tasks") == 5)
        }
    }

    @Test("only the project's managers attach, and only directories and endpoints the operator allows")
    func refusals() async throws {
        let folders = try Folders()
        defer { folders.remove() }
        let policy = try AttachmentPolicy(
            allowedEndpoints: ["http://127.0.0.1:9"], allowedDirectories: [folders.allowed],
            sealer: CredentialSealer(keyBytes: Array(repeating: 7, count: 32)), probeSeconds: 1)
        try await withTestPark(attachments: policy) { park in
            let project = try await MediaRouteTests.imageProject(park)
            let bucket = #""kind":"s3","bucket":"frames","access_key_id":"AKID","secret_access_key":"SECRET""#
            let cases: [(String, HTTPResponse.Status, String?)] = [
                (#"{"kind":"directory","path":"\#(folders.outside)"}"#, .unprocessableContent, "path"),
                (#"{"kind":"directory","path":"\#(folders.allowed)/../outside"}"#, .unprocessableContent, "path"),
                (#"{"kind":"directory","path":"mine/frames"}"#, .unprocessableContent, "path"),
                (#"{"kind":"directory","path":"\#(folders.allowed)/missing"}"#, .unprocessableContent, "path"),
                (#"{"kind":"directory","path":"\#(folders.frames)","mode":"copy"}"#, .unprocessableContent, "mode"),
                (#"{"kind":"ftp","path":"/"}"#, .unprocessableContent, "kind"),
                (#"{\#(bucket),"endpoint":"http://169.254.169.254"}"#, .unprocessableContent, "endpoint"),
                (#"{\#(bucket),"endpoint":"http://127.0.0.1:9/other/path"}"#, .unprocessableContent, "endpoint"),
                (#"{\#(bucket),"endpoint":"file:///etc"}"#, .unprocessableContent, "endpoint"),
                (
                    #"{"kind":"s3","bucket":"Frames!","endpoint":"http://127.0.0.1:9","access_key_id":"a","secret_access_key":"b"}"#,
                    .unprocessableContent, "bucket"
                ),
                (
                    #"{"kind":"s3","bucket":"frames","endpoint":"http://127.0.0.1:9"}"#, .unprocessableContent,
                    "access_key_id"
                ),
                // Allowed, but nothing answers there: said now, not at the first sync.
                (#"{\#(bucket),"endpoint":"http://127.0.0.1:9"}"#, .unprocessableContent, nil),
            ]
            for (json, status, field) in cases {
                let reply = try await Self.attach(park, project, json)
                #expect(reply.status == status, "\(json): \(reply.text)")
                if let field { #expect(reply.string("error.field") == field, "\(json): \(reply.text)") }
                #expect(!reply.text.contains("SECRET"))
            }
            let unreachable = try await Self.attach(park, project, #"{\#(bucket),"endpoint":"http://127.0.0.1:9"}"#)
            #expect(unreachable.string("error.code") == "storage_unreachable", "\(unreachable.text)")

            let json = #"{"kind":"directory","path":"\#(folders.frames)","title":"Mine"}"#
            #expect(try await Self.attach(park, project, json, as: park.annotatorA).status == .forbidden)
            #expect(try await Self.attach(park, project, json, as: park.managerB).status == .notFound)
            let attached = try await Self.attach(park, project, json)
            let storage = try #require(attached.int("id"))
            for person in [park.annotatorA, park.managerB] {
                let seen = try await park.send(
                    .get, "/api/v1/projects/\(project)/storages/\(storage)", as: person)
                #expect(seen.status == .forbidden || seen.status == .notFound)
                let synced = try await park.send(
                    .post, "/api/v1/projects/\(project)/storages/\(storage)/sync", as: person)
                #expect(synced.status == .forbidden || synced.status == .notFound)
            }
            // A storage is reached through its own project only.
            let other = try await MediaRouteTests.imageProject(park)
            #expect(
                try await park.send(.get, "/api/v1/projects/\(other)/storages/\(storage)", as: park.managerA).status
                    == .notFound)
            let listed = try await park.send(.get, "/api/v1/projects/\(project)/storages", as: park.managerA)
            #expect((listed.array("storages") as? [[String: Any]])?.count == 1)

            // A text project's sync records assets without tasks; asking it for tasks is refused.
            let texts = try await park.createProject(as: park.managerA)
            let textStorage = try #require(try await Self.attach(park, texts, json).int("id"))
            let refused = try await Self.sync(park, texts, textStorage, json: #"{"create_tasks":true}"#)
            #expect(refused.status == .unprocessableContent && refused.string("error.field") == "create_tasks")
            let quiet = try await Self.sync(park, texts, textStorage)
            #expect(quiet.status == .accepted && quiet.bool("sync.creates_tasks") == false, "\(quiet.text)")
            #expect(
                try await Self.sync(park, texts, textStorage, json: #"{"create_tasks":"yes"}"#).status
                    == .unprocessableContent)
        }
    }

    @Test("a client's bucket is listed and read with its own credentials, which never come back out")
    func bucket() async throws {
        guard let endpoint = ProcessInfo.processInfo.environment["LABELPARK_TEST_S3_ENDPOINT"],
            let endpointURL = URL(string: endpoint)
        else { return }
        let folder = "attached-\(UUID().uuidString.prefix(8).lowercased())"
        let scratch = NSTemporaryDirectory() + "labelpark-bucket-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // The client's bucket, filled by the client (here through the park's own S3 code).
        let client = S3AssetStore(
            location: try S3Location(url: "s3://labelpark-test/\(folder)", endpoint: endpointURL, region: "us-east-1"),
            credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"), scratchDirectory: scratch)
        let photo = TestImages.jpeg(width: 640, height: 360)
        for (key, bytes) in [
            ("day1/a.jpg", photo), ("day1/b.png", TestImages.png(width: 5, height: 5)), ("x.csv", Array("1,2".utf8)),
        ] {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let file = scratch + "/" + UUID().uuidString
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            try await client.put(
                movingFileAt: file, as: AssetKey(rawValue: key)!, contentType: "application/octet-stream")
        }
        let policy = try AttachmentPolicy(
            allowedEndpoints: [endpoint], sealer: CredentialSealer(keyBytes: Array(repeating: 9, count: 32)))
        try await withTestPark(attachments: policy) { park in
            let project = try await MediaRouteTests.imageProject(park)
            let attached = try await Self.attach(
                park, project,
                #"{"kind":"s3","endpoint":"\#(endpoint)","bucket":"labelpark-test","prefix":"/\#(folder)/","access_key_id":"testing","secret_access_key":"s3cr3t-value"}"#
            )
            #expect(attached.status == .created, "\(attached.text)")
            #expect(attached.string("prefix") == folder && attached.bool("has_credentials") == true)
            #expect(!attached.text.contains("s3cr3t") && !attached.text.contains("testing"))
            let storage = try #require(attached.int("id"))
            let row = try await park.store.storage(StorageID(Int64(storage)), by: park.fixture.managerA)
            #expect(
                row.sealedCredentials?.hasPrefix("v1:") == true && row.sealedCredentials?.contains("s3cr3t") == false)

            _ = try await Self.sync(park, project, storage)
            let shown = try await park.send(.get, "/api/v1/projects/\(project)/storages/\(storage)", as: park.managerA)
            #expect(shown.string("sync.state") == "finished", "\(shown.text)")
            #expect(shown.int("sync.assets") == 2 && shown.int("sync.tasks") == 2 && shown.int("sync.skipped") == 1)
            let listing = try await park.send(
                .get, "/api/v1/projects/\(project)/storages/\(storage)/objects", as: park.managerA)
            let objects = try #require(listing.array("objects") as? [[String: Any]])
            let asset = try #require(objects.first { $0["key"] as? String == "day1/a.jpg" }?["asset_id"] as? Int)
            let content = try await park.send(.get, "/api/v1/assets/\(asset)/content", as: park.annotatorA)
            #expect(content.status == .ok && content.bytes == photo, "\(content.status)")
            #expect(content.header("Location") == nil)
        }
    }
}

@Suite struct CredentialSealerTests {
    @Test("sealed credentials open for their project only, and a key file is made private")
    func sealing() throws {
        let directory = NSTemporaryDirectory() + "labelpark-key-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/storage.key"
        let sealer = try CredentialSealer.loadingKey(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let credentials = S3Credentials(accessKeyID: "AKID", secretAccessKey: "wJalr/K7+secret", sessionToken: "tok")
        let sealed = try sealer.seal(credentials, for: ProjectID(5))
        let resealed = try sealer.seal(credentials, for: ProjectID(5))
        #expect(!sealed.contains("wJalr") && sealed != resealed)
        #expect(try sealer.open(sealed, for: ProjectID(5)) == credentials)
        // The same key from the same file; a different key, project or a changed byte does not open.
        #expect(try CredentialSealer.loadingKey(at: path).open(sealed, for: ProjectID(5)) == credentials)
        #expect(throws: CredentialSealer.SealError.cannotOpen) { try sealer.open(sealed, for: ProjectID(6)) }
        let other = CredentialSealer(keyBytes: Array(repeating: 1, count: 32))
        #expect(throws: CredentialSealer.SealError.cannotOpen) { try other.open(sealed, for: ProjectID(5)) }
        var tampered = Array(sealed.utf8)
        tampered[10] = tampered[10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: CredentialSealer.SealError.cannotOpen) {
            try sealer.open(String(decoding: tampered, as: UTF8.self), for: ProjectID(5))
        }
        try "not a key".write(toFile: directory + "/bad.key", atomically: true, encoding: .utf8)
        #expect(throws: CredentialSealer.SealError.unreadableKey(directory + "/bad.key")) {
            _ = try CredentialSealer.loadingKey(at: directory + "/bad.key")
        }
    }
}
