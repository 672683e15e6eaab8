import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web UI's static files (`Public/`), read into memory once at start-up and served under `/static`.
///
/// They are a few hundred kilobytes, so serving from memory costs nothing and leaves no file-system path
/// for a request to steer: a name that is not one of the loaded files is simply not found. Each file has an
/// ETag, so browsers revalidate with a 304 instead of downloading again.
struct StaticFiles: Sendable {
    struct File: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        var etag: String
    }

    private let files: [String: File]

    init(directory: URL) throws {
        var files: [String: File] = [:]
        let root = directory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { throw WebAssetsError.missing(root) }
        while let relative = walker.nextObject() as? String {
            let url = URL(fileURLWithPath: root).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let type = Self.contentTypes[url.pathExtension]
            else { continue }
            let data = try Data(contentsOf: url)
            let digest = SHA256.hash(data: data).prefix(12).map { String($0, radix: 16) }.joined()
            files[relative] = File(bytes: ByteBuffer(bytes: data), contentType: type, etag: "\"\(digest)\"")
        }
        self.files = files
    }

    static let contentTypes = [
        "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "json": "application/json; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
        "ico": "image/x-icon", "woff2": "font/woff2",
    ]

    func addRoutes(to router: Router<ParkRequestContext>) {
        router.get("static/**") { request, context in try self.serve(request, context: context) }
        router.head("static/**") { request, context in try self.serve(request, context: context).withoutBody() }
        // The OpenAPI description of API v1, where clients and fuzzers look for it.
        router.get("api/v1/openapi.json") { request, _ in try self.serve(Self.openAPIDocument, for: request) }
    }

    /// `Public/api/openapi-v1.json`: API v1 described in OpenAPI 3.1.
    static let openAPIDocument = "api/openapi-v1.json"

    private func serve(_ request: Request, context: ParkRequestContext) throws -> Response {
        try serve(context.parameters.getCatchAll().joined(separator: "/"), for: request)
    }

    private func serve(_ name: String, for request: Request) throws -> Response {
        guard let file = files[name] else { throw APIError.notFound }
        var headers: HTTPFields = [:]
        headers[.contentType] = file.contentType
        headers[.eTag] = file.etag
        headers[.cacheControl] = "no-cache"
        if request.headers[.ifNoneMatch] == file.etag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.bytes))
    }
}

extension Response {
    /// The same status and headers with no body, as a HEAD request is answered.
    func withoutBody() -> Response {
        Response(status: status, headers: headers)
    }
}
