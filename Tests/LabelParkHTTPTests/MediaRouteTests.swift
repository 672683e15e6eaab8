import HTTPTypes
import LabelParkCore
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

/// Image files small enough to write by hand: valid headers and endings, with the sizes they declare.
enum TestImages {
    static func bigEndian32(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
    static func littleEndian(_ value: Int, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func png(width: Int, height: Int, extra: Int = 0) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bigEndian32(13) + Array("IHDR".utf8) + bigEndian32(width)
            + bigEndian32(height) + [8, 2, 0, 0, 0] + [0, 0, 0, 0] + [UInt8](repeating: 7, count: extra)
            + [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    }

    static func jpeg(width: Int, height: Int) -> [UInt8] {
        let app0: [UInt8] = [0xFF, 0xE0, 0, 16] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let sof: [UInt8] = [
            0xFF, 0xC0, 0, 11, 8, UInt8(height >> 8), UInt8(height & 255), UInt8(width >> 8),
            UInt8(width & 255), 1, 1, 0x11, 0,
        ]
        return [0xFF, 0xD8] + app0 + sof + [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 1, 2, 3] + [0xFF, 0xD9]
    }

    static func webp(width: Int, height: Int) -> [UInt8] {
        let chunk: [UInt8] =
            Array("VP8X".utf8) + littleEndian(10, 4) + [0, 0, 0, 0] + littleEndian(width - 1, 3)
            + littleEndian(height - 1, 3)
        return Array("RIFF".utf8) + littleEndian(4 + chunk.count, 4) + Array("WEBP".utf8) + chunk
    }

    static func tiff(width: Int, height: Int) -> [UInt8] {
        func entry(_ tag: Int, _ value: Int) -> [UInt8] {
            littleEndian(tag, 2) + littleEndian(4, 2) + littleEndian(1, 4) + littleEndian(value, 4)
        }
        let directory = 8
        let dataOffset = directory + 2 + 4 * 12 + 4
        return [0x49, 0x49, 0x2A, 0x00] + littleEndian(directory, 4) + littleEndian(4, 2) + entry(256, width)
            + entry(257, height) + entry(273, dataOffset) + entry(279, 16) + littleEndian(0, 4)
            + [UInt8](repeating: 1, count: 16)
    }
}

@Suite("Media: uploads, their bytes and who may see them")
struct MediaRouteTests {
    static let imageSchema =
        #"{"fields":[{"name":"photo","type":"image"}],"questions":[{"name":"ok","type":"choice","options":["yes","no"]}]}"#

    static func imageProject(_ park: TestPark) async throws -> Int {
        let reply = try await park.send(
            .post, "/api/v1/projects", as: park.managerA, json: #"{"name":"Photos","schema":\#(imageSchema)}"#)
        try #require(reply.status == .created, "\(reply.text)")
        return try #require(reply.int("id"))
    }

    static func upload(
        _ park: TestPark, _ bytes: [UInt8], as type: String, into project: Int, by person: Person? = nil
    ) async throws -> Reply {
        try await park.send(
            .post, "/api/v1/projects/\(project)/assets", as: person ?? park.managerA, body: bytes, contentType: type)
    }

    @Test("every accepted format is read from its bytes, with its size; the same bytes twice are one asset")
    func formats() async throws {
        try await withTestPark { park in
            let project = try await Self.imageProject(park)
            let cases: [([UInt8], String, Int, Int)] = [
                (TestImages.png(width: 640, height: 480), "image/png", 640, 480),
                (TestImages.jpeg(width: 1920, height: 1080), "image/jpeg", 1920, 1080),
                (TestImages.webp(width: 300, height: 200), "image/webp", 300, 200),
                (TestImages.tiff(width: 1000, height: 750), "image/tiff", 1000, 750),
            ]
            for (bytes, type, width, height) in cases {
                let reply = try await Self.upload(park, bytes, as: "\(type); charset=binary", into: project)
                #expect(reply.status == .created, "\(type): \(reply.text)")
                #expect(
                    reply.string("media_type") == type && reply.int("width") == width && reply.int("height") == height)
                #expect(reply.int("bytes") == bytes.count && reply.string("tiles_state") == "none")
                #expect(reply.string("sha256")?.count == 64)
                let again = try await Self.upload(park, bytes, as: type, into: project)
                #expect(again.status == .ok && again.int("id") == reply.int("id"))
            }
        }
    }

    @Test("hostile uploads get a 4xx naming the reason and store nothing")
    func hostileUploads() async throws {
        try await withTestPark(maxUploadBytes: 64 << 10) { park in
            let project = try await Self.imageProject(park)
            let png = TestImages.png(width: 64, height: 48)
            let cases: [([UInt8], String, HTTPResponse.Status, String)] = [
                (png, "image/jpeg", .unsupportedMediaType, "type_mismatch"),
                (Array("GIF89a-not-accepted".utf8), "image/png", .unsupportedMediaType, "unsupported_media_type"),
                (png, "image/gif", .unsupportedMediaType, "unsupported_media_type"),
                (png, "application/octet-stream", .unsupportedMediaType, "unsupported_media_type"),
                (Array(png.dropLast(5)), "image/png", .unprocessableContent, "truncated"),
                (
                    Array(TestImages.jpeg(width: 10, height: 10).dropLast(2)), "image/jpeg", .unprocessableContent,
                    "truncated"
                ),
                (
                    TestImages.png(width: 100_000, height: 100_000), "image/png", .unprocessableContent,
                    "too_many_pixels"
                ),
                (TestImages.png(width: 70_000, height: 10), "image/png", .unprocessableContent, "too_many_pixels"),
                (TestImages.png(width: 0, height: 10), "image/png", .unprocessableContent, "invalid_image"),
                (
                    TestImages.jpeg(width: 30_000, height: 30_000), "image/jpeg", .unprocessableContent,
                    "too_many_pixels"
                ),
                (
                    Array(TestImages.webp(width: 10, height: 10).dropLast(4)), "image/webp", .unprocessableContent,
                    "truncated"
                ),
                ([], "image/png", .badRequest, "empty_body"),
                ([0x89, 0x50], "image/png", .unsupportedMediaType, "unsupported_media_type"),
                (
                    TestImages.png(width: 10, height: 10, extra: 70 << 10), "image/png", .contentTooLarge,
                    "payload_too_large"
                ),
            ]
            for (bytes, type, status, code) in cases {
                let reply = try await Self.upload(park, bytes, as: type, into: project)
                #expect(reply.status == status && reply.errorCode == code, "\(code): \(reply.text)")
            }
            #expect(try await park.store.assetBytes(of: park.fixture.clientA.id) == 0)
        }
    }

    @Test("managers upload; the project's people see the asset, other tenants get 404")
    func tenancy() async throws {
        try await withTestPark { park in
            let project = try await Self.imageProject(park)
            let png = TestImages.png(width: 64, height: 48)
            let denied = try await Self.upload(park, png, as: "image/png", into: project, by: park.annotatorA)
            #expect(denied.status == .forbidden)
            let stranger = try await Self.upload(park, png, as: "image/png", into: project, by: park.managerB)
            #expect(stranger.status == .notFound)
            let id = try #require(try await Self.upload(park, png, as: "image/png", into: project).int("id"))
            for path in ["/api/v1/assets/\(id)", "/api/v1/assets/\(id)/content"] {
                #expect(try await park.send(.get, path, as: park.annotatorA).status == .ok)
                #expect(try await park.send(.get, path, as: park.managerB).status == .notFound)
                #expect(try await park.send(.get, path, as: park.vendorAnnotator).status == .notFound)
                #expect(try await park.send(.get, path, as: nil).status == .unauthorized)
            }
            #expect(try await park.send(.get, "/api/v1/assets/999999", as: park.managerA).status == .notFound)
            #expect(try await park.send(.get, "/api/v1/assets/abc", as: park.managerA).status == .notFound)
            let grant = try await park.send(
                .post, "/api/v1/projects/\(project)/grants", as: park.managerA,
                json: #"{"organization_id":\#(park.vendor)}"#)
            #expect(grant.status.code < 300, "\(grant.text)")
            #expect(try await park.send(.get, "/api/v1/assets/\(id)", as: park.vendorAnnotator).status == .ok)
        }
    }

    @Test("content is served with ETag, long caching and byte ranges")
    func content() async throws {
        try await withTestPark { park in
            let project = try await Self.imageProject(park)
            let png = TestImages.png(width: 64, height: 48, extra: 1_000)
            let uploaded = try await Self.upload(park, png, as: "image/png", into: project)
            let id = try #require(uploaded.int("id"))
            let sha = try #require(uploaded.string("sha256"))
            let path = "/api/v1/assets/\(id)/content"
            let whole = try await park.send(.get, path, as: park.annotatorA)
            #expect(whole.status == .ok && whole.bytes == png)
            #expect(whole.headers[.contentType] == "image/png" && whole.headers[.eTag] == "\"\(sha)\"")
            #expect(whole.headers[.cacheControl]?.contains("immutable") == true)
            #expect(whole.headers[.acceptRanges] == "bytes")
            func ranged(_ range: String) async throws -> Reply {
                var headers = HTTPFields()
                headers[.range] = range
                return try await park.send(.get, path, as: park.annotatorA, headers: headers)
            }
            let middle = try await ranged("bytes=10-19")
            #expect(middle.status == .partialContent && middle.bytes == Array(png[10..<20]))
            #expect(middle.headers[.contentRange] == "bytes 10-19/\(png.count)")
            #expect(try await ranged("bytes=-5").bytes == Array(png.suffix(5)))
            #expect(try await ranged("bytes=1000-").bytes == Array(png[1_000...]))
            #expect(try await ranged("bytes=5-999999").bytes == Array(png[5...]))
            let past = try await ranged("bytes=99999-")
            #expect(past.status == .rangeNotSatisfiable && past.headers[.contentRange] == "bytes */\(png.count)")
            #expect(try await ranged("bytes=-0").status == .rangeNotSatisfiable)
            for ignored in [
                "bytes=0-1,5-6", "items=0-1", "bytes=x-y", "bytes=9-3", "bytes=99999999999999999999-",
                "bytes=-99999999999999999999", "bytes=-x",
            ] {
                let reply = try await ranged(ignored)
                #expect(reply.status == .ok && reply.bytes == png, "\(ignored)")
            }
            var conditional = HTTPFields()
            conditional[.ifNoneMatch] = "\"\(sha)\""
            #expect(try await park.send(.get, path, as: park.annotatorA, headers: conditional).status == .notModified)
            #expect(
                try await park.send(.get, "/api/v1/assets/\(id)/tiles/0/0_0.jpg", as: park.annotatorA).status
                    == .notFound)
        }
    }

    @Test("an organization's uploads stay within its quota")
    func quota() async throws {
        try await withTestPark(mediaQuotaBytes: 2_000) { park in
            let project = try await Self.imageProject(park)
            let first = try await Self.upload(
                park, TestImages.png(width: 8, height: 8, extra: 1_200), as: "image/png", into: project)
            #expect(first.status == .created)
            let second = try await Self.upload(
                park, TestImages.png(width: 9, height: 9, extra: 1_200), as: "image/png", into: project)
            #expect(second.status == .contentTooLarge && second.errorCode == "quota_exceeded", "\(second.text)")
            let larger = try await Self.upload(
                park, TestImages.png(width: 9, height: 9, extra: 3_000), as: "image/png", into: project)
            #expect(larger.status == .contentTooLarge && larger.errorCode == "quota_exceeded", "\(larger.text)")
        }
    }

    @Test("image fields take asset references; URLs in task data are refused, not fetched")
    func imageTasks() async throws {
        try await withTestPark { park in
            let project = try await Self.imageProject(park)
            let id = try #require(
                try await Self.upload(park, TestImages.png(width: 4, height: 4), as: "image/png", into: project).int(
                    "id"))
            let ok = try await park.importNDJSON([#"{"photo":"asset:\#(id)"}"#], into: project, as: park.managerA)
            #expect(ok.status == .created, "\(ok.text)")
            let url = try await park.importNDJSON(
                [#"{"photo":"http://169.254.169.254/latest/meta-data"}"#], into: project, as: park.managerA)
            #expect(url.status == .unprocessableContent && url.text.contains("asset:ID"), "\(url.text)")
            // An asset of another project (here: of another client) is not this project's to show.
            let other = try await park.createProject(as: park.managerB)
            let foreign = try #require(
                try await park.send(
                    .post, "/api/v1/projects/\(other)/assets", as: park.managerB,
                    body: TestImages.png(width: 5, height: 5), contentType: "image/png"
                ).int("id"))
            let lines = [#"{"photo":"asset:\#(id)"}"#, #"{"photo":"asset:\#(foreign)"}"#, #"{"photo":"asset:999999"}"#]
            let atomic = try await park.importNDJSON(lines, into: project, as: park.managerA)
            #expect(atomic.status == .unprocessableContent && atomic.int("error_count") == 2, "\(atomic.text)")
            #expect(atomic.int("errors.0.line") == 2 && atomic.int("errors.1.line") == 3)
            let partial = try await park.importNDJSON(lines, into: project, as: park.managerA, partial: true)
            #expect(partial.status == .created && partial.int("created") == 1 && partial.int("error_count") == 2)
        }
    }
}
