import Foundation
import Hummingbird
import LabelParkAssets
import LabelParkCore
import LabelParkStore

/// Storages attached to a project — a client's bucket or a server directory the operator allowed — and their
/// syncs, which make each new image an asset (its bytes stay where they are) and, by default, a task:
/// `POST|GET /projects/{id}/storages`, `GET /projects/{id}/storages/{sid}`, `POST …/{sid}/sync` and
/// `GET …/{sid}/objects`. For the project's managers only; credentials go in and never come out.
struct StorageController {
    let store: any ParkStore
    let media: MediaSettings
    let syncs: StorageSyncs
    let clock: any WallClock

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("projects/:id/storages", use: attach)
        group.get("projects/:id/storages", use: list)
        group.get("projects/:id/storages/:sid", use: show)
        group.post("projects/:id/storages/:sid/sync", use: sync)
        group.get("projects/:id/storages/:sid/objects", use: objects)
    }

    static let keys: Set<String> = [
        "kind", "title", "endpoint", "bucket", "prefix", "region", "path_style", "access_key_id", "secret_access_key",
        "session_token", "path",
    ]

    /// `POST /api/v1/projects/{id}/storages`: checks the source against the operator's allowances (and, for a
    /// bucket, that it can be listed with the credentials given) before attaching it.
    @Sendable func attach(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let access = try await store.projectAccess(try context.pathID("id"), by: principal)
        try AccessRules.requireManagement(access, for: .attachStorage)
        let body = try await JSONRequest.read(request, limit: 64 * 1024)
        try body.rejectUnknownKeys(allowed: Self.keys)
        let policy = media.attachments
        let new: NewStorage
        switch try body.string("kind", maxLength: 20) {
        case "s3":
            new = try bucket(from: body, policy: policy, project: access.project.id)
            try await probe(new, project: access.project.id, by: principal)
        case "directory":
            let path = try body.string("path", maxLength: 4_096)
            guard let resolved = AttachmentPolicy.directory(path) else {
                throw ValidationError(field: "path", message: "must be the absolute path of an existing directory")
            }
            guard policy.allows(directory: resolved) else {
                throw ValidationError(
                    field: "path",
                    message: policy.allowedDirectories.isEmpty
                        ? "this park attaches no server directories (its operator allows them with --attachable-directory)"
                        : "is not inside a directory this park's operator allows")
            }
            guard FileManager.default.isReadableFile(atPath: resolved) else {
                throw ValidationError(field: "path", message: "the server cannot read this directory")
            }
            let title = try body.optionalString("title", maxLength: 200) ?? String(resolved.suffix(200))
            new = NewStorage(title: title, source: .directory(path: resolved), sealedCredentials: nil)
        default:
            throw ValidationError(field: "kind", message: "must be s3 or directory")
        }
        guard !new.title.allSatisfy(\.isWhitespace) else {
            throw ValidationError(field: "title", message: "must not be empty")
        }
        let storage = try await store.attachStorage(new, to: access.project.id, by: principal)
        return JSONResponse.make(render(storage), status: .created)
    }

    private func bucket(from body: JSONRequest, policy: AttachmentPolicy, project: ProjectID) throws -> NewStorage {
        let endpointText = try body.string("endpoint", maxLength: 2_048)
        guard let endpoint = AttachmentPolicy.origin(of: endpointText) else {
            throw ValidationError(
                field: "endpoint", message: "must be an http(s) URL such as https://minio.example:9000")
        }
        guard policy.allowedEndpoints.contains(endpoint) else {
            throw ValidationError(
                field: "endpoint",
                message: policy.allowedEndpoints.isEmpty
                    ? "this park attaches no buckets (its operator allows endpoints with --attachable-endpoint)"
                    : "is not an endpoint this park's operator allows")
        }
        let bucket = try body.string("bucket", maxLength: 63)
        guard S3Location.isBucketName(bucket) else {
            throw ValidationError(field: "bucket", message: "must be 3–63 of a-z, 0-9, '.' and '-'")
        }
        let prefix = (try body.optionalString("prefix", maxLength: 1_024) ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !prefix.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError(field: "prefix", message: "must not contain control characters")
        }
        let region = try body.optionalString("region", maxLength: 40) ?? "us-east-1"
        guard !region.isEmpty,
            region.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 })
        else { throw ValidationError(field: "region", message: "must be a region name such as us-east-1") }
        let credentials = S3Credentials(
            accessKeyID: try body.nonEmptyString("access_key_id", maxLength: 128),
            secretAccessKey: try body.nonEmptyString("secret_access_key", maxLength: 256),
            sessionToken: try body.optionalString("session_token", maxLength: 4_096))
        guard let sealer = policy.sealer else {
            throw ValidationError(field: "kind", message: "this server has no key to seal credentials with")
        }
        let title =
            try body.optionalString("title", maxLength: 200) ?? (prefix.isEmpty ? bucket : "\(bucket)/\(prefix)")
        return NewStorage(
            title: String(title.prefix(200)),
            source: .s3(
                endpoint: endpoint, bucket: bucket, prefix: prefix, region: region,
                pathStyle: try body.optionalBool("path_style") ?? true),
            sealedCredentials: try sealer.seal(credentials, for: project))
    }

    /// Lists one object of a bucket about to be attached, so a wrong bucket, key or region is said now.
    private func probe(_ new: NewStorage, project: ProjectID, by principal: Principal) async throws {
        let candidate = AttachedStorage(
            id: StorageID(0), projectID: project, title: new.title, source: new.source,
            sealedCredentials: new.sealedCredentials, createdBy: principal.userID, createdAt: clock.now(),
            sync: StorageSync())
        let seconds = media.attachments.probeSeconds
        do {
            let source = try ObjectSources.make(
                candidate, policy: media.attachments, scratchDirectory: media.sources.scratchDirectory,
                logger: media.sources.logger)
            // The HTTP client retries a refused connection until its deadline; the manager is waiting.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await source.list(pageSize: 1) { _ in throw FirstPageSeen() } }
                group.addTask {
                    try await Task.sleep(for: .seconds(seconds))
                    throw ProbeTimeout(seconds: seconds)
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch is FirstPageSeen {
            return
        } catch {
            throw APIError.mediaRefused(
                status: 422, code: "storage_unreachable", message: "the bucket could not be listed: \(error)")
        }
    }

    private struct FirstPageSeen: Error {}

    private struct ProbeTimeout: Error, CustomStringConvertible {
        let seconds: Int
        var description: String { "no answer within \(seconds) s" }
    }

    @Sendable func list(request: Request, context: ParkRequestContext) async throws -> Response {
        let storages = try await store.storages(of: try context.pathID("id"), by: try context.requirePrincipal())
        return JSONResponse.make(.object(["storages": .array(storages.map(render))]))
    }

    @Sendable func show(request: Request, context: ParkRequestContext) async throws -> Response {
        JSONResponse.make(render(try await storage(context)))
    }

    /// `POST …/storages/{sid}/sync [{create_tasks}]`: starts a sync in the background (202). Tasks are created
    /// by default when the project's schema has a single media field; 409 while another sync runs.
    @Sendable func sync(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let storage = try await storage(context)
        let body = try await JSONRequest.readIfPresent(request, limit: 4_096)
        try body?.rejectUnknownKeys(allowed: ["create_tasks"])
        let schema = try await store.projectAccess(storage.projectID, by: principal).project.schema
        let field = schema.fields.count == 1 && schema.fields[0].kind.isMedia ? schema.fields[0].name : nil
        let createTasks = try body?.optionalBool("create_tasks") ?? (field != nil)
        if createTasks && field == nil {
            throw ValidationError(
                field: "create_tasks",
                message: "the project's schema must have exactly one field, an image field, for a sync to create tasks")
        }
        let stale = clock.now().adding(milliseconds: -Int64(media.attachments.staleAfterSeconds) * 1_000)
        let begun = try await store.beginSync(
            of: storage.id, taskField: createTasks ? field : nil, staleBefore: stale, by: principal)
        syncs.start(begun)
        return JSONResponse.make(render(begun), status: .accepted)
    }

    /// `GET …/storages/{sid}/objects?after=KEY&limit=N`: what the syncs recorded, in key order, with each
    /// object's asset (to reference in imports as `asset:ID`) or why it was skipped.
    @Sendable func objects(request: Request, context: ParkRequestContext) async throws -> Response {
        let storage = try await storage(context)
        var limit = 100
        if let text = request.query("limit") {
            guard let value = Int(text), (1...1_000).contains(value) else {
                throw ValidationError(field: "limit", message: "must be from 1 to 1000")
            }
            limit = value
        }
        let objects = try await store.storageObjects(
            of: storage.id, after: request.query("after"), limit: limit, by: try context.requirePrincipal())
        let rendered: [JSONValue] = objects.map { object in
            .object([
                "key": .string(object.key), "bytes": .integer(object.byteCount),
                "asset_id": object.assetID.map { .integer($0.rawValue) } ?? .null,
                "skipped": object.skipped.map { .string($0) } ?? .null,
                "synced_at": .string(object.syncedAt.iso8601),
            ])
        }
        let next: JSONValue = objects.count == limit ? objects.last.map { .string($0.key) } ?? .null : .null
        return JSONResponse.make(.object(["objects": .array(rendered), "next_after": next]))
    }

    /// The storage in the path, which must belong to the project in the path.
    private func storage(_ context: ParkRequestContext) async throws -> AttachedStorage {
        let storage = try await store.storage(try context.pathID("sid"), by: try context.requirePrincipal())
        guard storage.projectID == (try context.pathID("id") as ProjectID) else { throw StoreError.notFound(.storage) }
        return storage
    }

    func render(_ storage: AttachedStorage) -> JSONValue {
        var members: [JSONMember] = [
            JSONMember("id", .integer(storage.id.rawValue)),
            JSONMember("project_id", .integer(storage.projectID.rawValue)),
            JSONMember("title", .string(storage.title)),
            JSONMember("kind", .string(storage.source.kind)),
        ]
        switch storage.source {
        case .s3(let endpoint, let bucket, let prefix, let region, let pathStyle):
            members += [
                JSONMember("endpoint", .string(endpoint)), JSONMember("bucket", .string(bucket)),
                JSONMember("prefix", .string(prefix)), JSONMember("region", .string(region)),
                JSONMember("path_style", .bool(pathStyle)),
                JSONMember("has_credentials", .bool(storage.sealedCredentials != nil)),
            ]
        case .directory(let path):
            members.append(JSONMember("path", .string(path)))
        }
        let sync = storage.sync
        let stale = clock.now().adding(milliseconds: -Int64(media.attachments.staleAfterSeconds) * 1_000)
        // A running sync whose heartbeat stopped was cut short (its instance stopped); another may start.
        let interrupted = sync.state == .running && (sync.heartbeatAt.map { $0 <= stale } ?? true)
        func time(_ value: Timestamp?) -> JSONValue { value.map { .string($0.iso8601) } ?? .null }
        members += [
            JSONMember("created_at", .string(storage.createdAt.iso8601)),
            JSONMember(
                "sync",
                .object([
                    "state": .string(interrupted ? "interrupted" : sync.state.rawValue),
                    "creates_tasks": .bool(sync.taskField != nil),
                    "started_at": time(sync.startedAt), "heartbeat_at": time(sync.heartbeatAt),
                    "finished_at": time(sync.finishedAt), "objects": .integer(sync.objects),
                    "assets": .integer(sync.assets), "tasks": .integer(sync.tasks), "skipped": .integer(sync.skipped),
                    "batch_id": sync.batchID.map { .integer($0.rawValue) } ?? .null,
                    "error": sync.error.map { .string($0) } ?? .null,
                ])),
        ]
        return .object(members)
    }
}
