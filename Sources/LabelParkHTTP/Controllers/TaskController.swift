import Foundation
import Hummingbird
import LabelParkCore
import LabelParkFormats
import LabelParkStore
import NIOCore

/// Limits on imports, set by the server's configuration.
public struct ImportLimits: Sendable {
    /// The largest import body accepted; larger ones are refused with 413.
    public var maxBodyBytes: Int
    /// The largest single task (NDJSON line, CSV record or array element).
    public var maxTaskBytes: Int
    /// How many line errors a response lists; the count covers all of them.
    public var maxListedErrors: Int

    public init(maxBodyBytes: Int = 1 << 30, maxTaskBytes: Int = 4 << 20, maxListedErrors: Int = 1_000) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTaskBytes = maxTaskBytes
        self.maxListedErrors = maxListedErrors
    }
}

/// Task import and task reads.
struct TaskController {
    let store: any ParkStore
    let handles: TaskHandleSource
    let limits: ImportLimits
    let spoolDirectory: URL

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("projects/:id/tasks", use: importTasks)
        group.get("tasks/:id", use: show)
    }

    /// `POST /api/v1/projects/{id}/tasks[?partial=true]` with an NDJSON, CSV or JSON array body.
    ///
    /// Atomic by default: any invalid line means nothing is stored and every bad line is listed.
    @Sendable func importTasks(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let access = try await store.projectAccess(try context.pathID("id"), by: principal)
        // The store checks this too, but only after the whole body has been received and spooled.
        try AccessRules.requireManagement(access, for: .importTasks)
        let contentType = request.headers[.contentType] ?? ""
        guard let format = ImportFormat(contentType: contentType) else {
            throw APIError.unsupportedMediaType(
                contentType, accepted: ["application/x-ndjson", "text/csv", "application/json"])
        }
        let partial = request.query("partial") == "true"

        var importer = TaskImporter(format: format, schema: access.project.schema, maxRecordBytes: limits.maxTaskBytes)
        let spool = try ImportSpool(directory: spoolDirectory)
        var errors: [LineError] = []
        var errorCount = 0
        var media = ImportedMedia(schema: access.project.schema)
        let limits = limits
        let handle: (Result<ImportedTask, LineError>) throws -> Void = { outcome in
            switch outcome {
            case .success(let task):
                // In atomic mode, once a line failed nothing will be stored: keep validating, stop spooling.
                if partial || errorCount == 0 {
                    media?.note(task, spoolPosition: spool.count)
                    try spool.append(
                        NewTask(
                            dataJSON: task.dataJSON, goldJSON: task.goldJSON, priority: task.priority,
                            prefillJSON: task.prefillJSON))
                }
            case .failure(let error):
                errorCount += 1
                if errors.count < limits.maxListedErrors { errors.append(error) }
            }
        }
        var received = 0
        for try await chunk in request.body {
            received += chunk.readableBytes
            guard received <= limits.maxBodyBytes else { throw APIError.payloadTooLarge(limit: limits.maxBodyBytes) }
            try chunk.withUnsafeReadableBytes { bytes in try importer.push(bytes, handle: handle) }
        }
        try importer.finish(handle: handle)
        var resolution = ImportedMedia.Resolution()
        if let media, errorCount == 0 || partial {
            resolution = try await media.resolve(in: access.project.id, store: store, by: principal)
            try media.checkPrefills(in: spool, &resolution)
            errorCount += resolution.errors.count
            errors = Array((errors + resolution.errors).sorted { $0.line < $1.line }.prefix(limits.maxListedErrors))
        }
        if errorCount > 0 && !partial { throw APIError.invalidLines(errors, total: errorCount) }

        let (left, rewrites) = (resolution.positions, resolution.rewrites)
        let imported =
            spool.count == left.count
            ? ImportedBatch(batchID: nil, taskCount: 0)
            : try await store.importTasks(into: access.project.id, by: principal) { insert in
                try spool.replay(skipping: left) { task, position in
                    try insert(rewrites[position].map { ImportedMedia.rewritten(task, $0) } ?? task)
                }
            }
        let created = imported.taskCount
        return JSONResponse.make(
            .object([
                "created": .integer(created),
                "batch_id": imported.batchID.map { .integer($0.rawValue) } ?? .null,
                "errors": .array(errors.map(ErrorMappingMiddleware.lineErrorJSON)),
                "error_count": .integer(errorCount),
            ]),
            status: created > 0 ? .created : .ok)
    }

    /// `GET /api/v1/tasks/{id}`: by the caller's handle (workers' view) or, for managers, by the real id.
    @Sendable func show(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let naming = try await handles.naming(for: principal)
        switch naming.resolve(try context.pathID("id")) {
        case .handle(let id):
            let (task, _) = try await store.task(id, by: principal)
            return JSONResponse.make(Rendering.workerTask(task, handle: naming.handle(id)))
        case .realID(let id):
            let (task, access) = try await store.task(id, by: principal)
            guard access.canManage else { throw StoreError.notFound(.task) }
            return JSONResponse.make(Rendering.task(task))
        }
    }
}
