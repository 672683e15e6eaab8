import Foundation
import HTTPTypes
import Hummingbird
import LabelParkAssets
import LabelParkCore
import LabelParkStore
import NIOCore

/// Media uploads and their bytes: `POST /projects/{id}/assets`, `GET /assets/{id}` (what it is),
/// `/assets/{id}/content` (its bytes) and `/assets/{id}/tiles/{level}/{column}_{row}.jpg` (its pyramid).
///
/// Tenancy is the project's: an asset of a project the caller cannot see is 404, like a missing one.
struct AssetController {
    let store: any ParkStore
    let media: MediaSettings
    let tiles: TileSignal

    private var bytes: MediaBytes { MediaBytes(store: media.store, catalog: store, sources: media.sources) }

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("projects/:id/assets", use: upload)
        group.get("assets/:id", use: metadata)
        group.get("assets/:id/content", use: content)
        group.get("assets/:id/tiles/:level/:tile", use: tile)
    }

    /// Streams the body to storage, then records it. The type comes from the bytes (and must match the
    /// declared `Content-Type`), the size from the header; an image too large to decode safely, a truncated one,
    /// an empty body or one past the limit or the quota is refused with the reason.
    @Sendable func upload(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let access = try await store.projectAccess(try context.pathID("id"), by: principal)
        try AccessRules.requireManagement(access, for: .uploadMedia)
        let declared = try Self.declaredFormat(request.headers[.contentType])
        let limit = media.maxUploadBytes
        // What the organization may still store: a body that would pass it is refused as it streams, even
        // without a declared length, so a full quota cannot fill the disk with refused uploads.
        var room: (used: Int64, quota: Int64)?
        if let quota = media.quotaBytes {
            let used = try await store.assetBytes(of: access.project.organizationID)
            room = (used, quota)
        }
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }) {
            guard length <= limit else { throw APIError.payloadTooLarge(limit: Int(clamping: limit)) }
            if let room, length > room.quota - min(room.used, room.quota) {
                throw StoreError.conflict(.quotaExceeded(usedBytes: room.used, quotaBytes: room.quota))
            }
        }
        var spool = try UploadSpool(directory: media.stagingDirectory, declared: declared, limit: limit, room: room)
        let sha256: String
        let header: ImageHeader
        do {
            for try await chunk in request.body {
                try chunk.withUnsafeReadableBytes { try spool.append($0) }
            }
            sha256 = try spool.finish()
            header = try Self.probe(spool.path, size: spool.byteCount)
        } catch {
            spool.discard()
            throw error
        }
        guard let key = AssetKey.blob(sha256: sha256) else { throw APIError.notFound }
        do {
            try await media.store.put(movingFileAt: spool.path, as: key, contentType: header.format.rawValue)
        } catch {
            spool.discard()
            throw error
        }
        let needsTiles = max(header.width, header.height) >= media.tileThreshold
        let (asset, isNew) = try await store.recordAsset(
            NewAsset(
                sha256: sha256, mediaType: header.format.rawValue, byteCount: spool.byteCount, width: header.width,
                height: header.height, tiles: needsTiles ? .pending : .none),
            in: access.project.id, quotaBytes: media.quotaBytes, by: principal)
        if isNew && needsTiles { tiles.wake() }
        return JSONResponse.make(Self.render(asset), status: isNew ? .created : .ok)
    }

    @Sendable func metadata(request: Request, context: ParkRequestContext) async throws -> Response {
        let asset = try await store.asset(try context.pathID("id"), by: try context.requirePrincipal())
        return JSONResponse.make(Self.render(asset))
    }

    /// The bytes, with `Range`, `ETag` and caching forever (they never change); from object storage, a
    /// redirect to a short-lived presigned URL instead. A synced asset's bytes are read from its attached
    /// storage through this server (the storage may be unreachable from browsers, and the CSP stays narrow),
    /// and only while the object is still the version that was hashed.
    @Sendable func content(request: Request, context: ParkRequestContext) async throws -> Response {
        let asset = try await store.asset(try context.pathID("id"), by: try context.requirePrincipal())
        if let located = asset.source { return try await serve(located, of: asset, request) }
        guard let key = AssetKey.blob(sha256: asset.sha256) else { throw APIError.notFound }
        return try await serve(key, size: asset.byteCount, mediaType: asset.mediaType, etag: asset.sha256, request)
    }

    private func serve(_ located: AssetSource, of asset: Asset, _ request: Request) async throws -> Response {
        let (headers, range) = try Self.prepare(
            size: asset.byteCount, mediaType: asset.mediaType, etag: asset.sha256, request)
        guard let range else { return Response(status: .notModified, headers: headers) }
        let opened: ObjectBytes
        do {
            opened = try await bytes.source(of: located).open(
                located.objectKey, version: located.objectVersion, range: range.part)
        } catch ObjectSourceError.changed {
            throw APIError.mediaUnavailable(
                status: 409, code: "object_changed",
                message: "the object \(located.objectKey) changed in its storage after it was synced")
        } catch ObjectSourceError.notFound {
            throw APIError.mediaUnavailable(
                status: 410, code: "object_gone", message: "the object \(located.objectKey) is gone from its storage")
        } catch let refusal as AttachmentRefusal {
            throw APIError.mediaUnavailable(status: 503, code: "storage_unavailable", message: refusal.description)
        } catch let refusal as CredentialSealer.SealError {
            throw APIError.mediaUnavailable(status: 503, code: "storage_unavailable", message: refusal.description)
        } catch let error as AssetStoreError {
            throw APIError.mediaUnavailable(status: 502, code: "storage_error", message: error.description)
        }
        let body = ResponseBody(contentLength: Int(clamping: range.length)) { writer in
            for try await chunk in opened { try await writer.write(chunk) }
            try await writer.finish(nil)
        }
        return Response(status: range.part == nil ? .ok : .partialContent, headers: headers, body: body)
    }

    @Sendable func tile(request: Request, context: ParkRequestContext) async throws -> Response {
        let asset = try await store.asset(try context.pathID("id"), by: try context.requirePrincipal())
        let name = context.parameters.get("tile") ?? ""
        let parts = name.split(separator: ".", maxSplits: 1)
        let position = parts.first?.split(separator: "_") ?? []
        guard asset.tiles == .ready, parts.count == 2, parts[1] == Substring(TileLayout.suffix), position.count == 2,
            let level = context.parameters.get("level").flatMap({ Int($0) }), let column = Int(position[0]),
            let row = Int(position[1]), let width = asset.width, let height = asset.height,
            TileLayout.contains(level: level, column: column, row: row, width: width, height: height),
            let key = AssetKey.tile(
                sha256: asset.sha256, level: level, column: column, row: row, suffix: TileLayout.suffix)
        else { throw APIError.notFound }
        return try await serve(
            key, size: nil, mediaType: "image/jpeg", etag: "\(asset.sha256)-\(level)-\(name)", request)
    }

    /// Serves the object `key`; its `size` is asked of the store when not known, and only when this server
    /// sends the bytes itself (a presigned redirect needs no round trip to storage).
    private func serve(
        _ key: AssetKey, size knownSize: Int64?, mediaType: String, etag: String, _ request: Request
    ) async throws -> Response {
        if let url = try media.store.presignedURL(for: key, expiresIn: media.presignedSeconds, contentType: mediaType) {
            var headers: HTTPFields = [:]
            headers[.location] = url
            // The redirect itself must not outlive the URL it names.
            headers[.cacheControl] = "private, max-age=\(max(0, media.presignedSeconds - 30))"
            return Response(status: .found, headers: headers)
        }
        var size = knownSize
        if size == nil { size = try await media.store.size(of: key) }
        guard let size else { throw APIError.notFound }
        let (headers, range) = try Self.prepare(size: size, mediaType: mediaType, etag: etag, request)
        guard let range else { return Response(status: .notModified, headers: headers) }
        let assets = media.store
        let body = ResponseBody(contentLength: Int(clamping: range.length)) { writer in
            try await assets.read(key, range: range.part) { chunk in try await writer.write(chunk) }
            try await writer.finish(nil)
        }
        return Response(status: range.part == nil ? .ok : .partialContent, headers: headers, body: body)
    }

    /// The part of an object to send.
    struct Selected {
        /// `nil` for all of it.
        var part: Range<Int64>?
        var length: Int64
    }

    /// The headers of an answer with an object of `size` bytes, and what to send; `nil` when the client's copy is
    /// current (304).
    static func prepare(
        size: Int64, mediaType: String, etag: String, _ request: Request
    ) throws -> (HTTPFields, Selected?) {
        var headers: HTTPFields = [:]
        headers[.cacheControl] = "private, max-age=31536000, immutable"
        let quoted = "\"\(etag)\""
        headers[.eTag] = quoted
        headers[.acceptRanges] = "bytes"
        if let match = request.headers[.ifNoneMatch], match == quoted || match == "*" { return (headers, nil) }
        headers[.contentType] = mediaType
        var selected = Selected(part: nil, length: size)
        switch ByteRange.select(request.headers[.range], size: size) {
        case .whole:
            break
        case .part(let part):
            selected = Selected(part: part, length: part.upperBound - part.lowerBound)
            headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound - 1)/\(size)"
        case .unsatisfiable:
            throw APIError.rangeNotSatisfiable(size: size)
        }
        headers[.contentLength] = String(selected.length)
        return (headers, selected)
    }

    /// The declared type, which must be one the park takes.
    static func declaredFormat(_ header: String?) throws -> ImageFormat {
        let mediaType = (header ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let mediaType, let format = ImageFormat(rawValue: mediaType.lowercased()) else {
            throw APIError.unsupportedMediaType(header ?? "", accepted: ImageFormat.allCases.map(\.rawValue))
        }
        return format
    }

    /// Reads the header from the staged file; what is wrong with it becomes a 4xx naming the reason.
    static func probe(_ path: String, size: Int64) throws -> ImageHeader {
        do {
            return try ImageFile.header(at: path, size: size)
        } catch let error as ImageProbeError {
            switch error {
            case .unknownFormat:
                throw APIError.mediaRefused(status: 415, code: "unsupported_media_type", message: error.description)
            case .truncated:
                throw APIError.mediaRefused(status: 422, code: "truncated", message: error.description)
            case .tooLarge:
                throw APIError.mediaRefused(status: 422, code: "too_many_pixels", message: error.description)
            case .malformed, .unsupported:
                throw APIError.mediaRefused(status: 422, code: "invalid_image", message: error.description)
            }
        }
    }

    static func render(_ asset: Asset) -> JSONValue {
        let base = "/api/v1/assets/\(asset.id)"
        var tiles = JSONValue.null
        if asset.tiles == .ready, let width = asset.width, let height = asset.height {
            tiles = .object([
                "format": .string("deepzoom"), "tile_size": .integer(TileLayout.tileSize),
                "overlap": .integer(TileLayout.overlap), "suffix": .string(TileLayout.suffix),
                "max_level": .integer(TileLayout.maxLevel(width: width, height: height)),
                "url": .string(base + "/tiles/"),
            ])
        }
        return .object([
            "id": .integer(asset.id.rawValue),
            "project_id": .integer(asset.projectID.rawValue),
            "sha256": .string(asset.sha256),
            "media_type": .string(asset.mediaType),
            "bytes": .integer(asset.byteCount),
            "width": asset.width.map { .integer($0) } ?? .null,
            "height": asset.height.map { .integer($0) } ?? .null,
            "tiles_state": .string(asset.tiles.rawValue),
            "tiles": tiles,
            "content_url": .string(base + "/content"),
            "created_at": .string(asset.createdAt.iso8601),
        ])
    }
}
