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
    /// The largest dataset file (COCO), which is parsed whole.
    public var maxDatasetBytes: Int

    public init(
        maxBodyBytes: Int = 1 << 30, maxTaskBytes: Int = 4 << 20, maxListedErrors: Int = 1_000,
        maxDatasetBytes: Int = 256 << 20
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTaskBytes = maxTaskBytes
        self.maxListedErrors = maxListedErrors
        self.maxDatasetBytes = maxDatasetBytes
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

    /// `POST /api/v1/projects/{id}/tasks[?partial=true]` with an NDJSON, CSV or JSON array body, or with
    /// `format=coco|yolo&as=gold|prefill[&storage=ID][&question=NAME]` a COCO instances file or a YOLO labels
    /// zip, a task per image.
    ///
    /// Atomic by default: any invalid line means nothing is stored and every bad line is listed.
    @Sendable func importTasks(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let access = try await store.projectAccess(try context.pathID("id"), by: principal)
        // The store checks this too, but only after the whole body has been received and spooled.
        try AccessRules.requireManagement(access, for: .importTasks)
        let contentType = request.headers[.contentType] ?? ""
        let dataset = try Self.datasetReader(request, schema: access.project.schema)
        guard let format = dataset != nil ? .ndjson : ImportFormat(contentType: contentType) else {
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
        if let dataset {
            // A dataset file is read whole (a JSON document, a zip), then turned into a line per image.
            let body = try await JSONRequest.collect(request, limit: limits.maxDatasetBytes)
            let lines = try await datasetLines(dataset, body: body, project: access.project.id, by: principal)
            for (index, line) in lines.enumerated() {
                switch line {
                case .task(let text):
                    try Array((text + "\n").utf8).withUnsafeBytes { try importer.push($0, handle: handle) }
                case .problem(let message):
                    // An empty line keeps the numbering: line N is the file's N-th image.
                    try Array("\n".utf8).withUnsafeBytes { try importer.push($0, handle: handle) }
                    try handle(.failure(LineError(line: index + 1, message: message)))
                }
            }
        } else {
            var received = 0
            for try await chunk in request.body {
                received += chunk.readableBytes
                guard received <= limits.maxBodyBytes else {
                    throw APIError.payloadTooLarge(limit: limits.maxBodyBytes)
                }
                try chunk.withUnsafeReadableBytes { bytes in try importer.push(bytes, handle: handle) }
            }
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

    /// A dataset import's format and what its annotations become.
    enum DatasetImport {
        case coco(COCODatasetReader)
        case yolo(answers: DatasetAnswers, storage: StorageID, question: String?)
    }

    /// The dataset import a request asks for (`format=coco|yolo`), or `nil` for a plain import.
    private static func datasetReader(_ request: Request, schema: ProjectSchema) throws -> DatasetImport? {
        guard let format = request.query("format") else { return nil }
        guard format == "coco" || format == "yolo" else {
            throw ValidationError(field: "format", message: "must be coco or yolo")
        }
        guard let answers = request.query("as").flatMap(DatasetAnswers.init(rawValue:)) else {
            throw ValidationError(field: "as", message: "must be gold or prefill: what the file's annotations become")
        }
        var storage: StorageID?
        if let text = request.query("storage") {
            guard let id = Int64(text), id > 0 else {
                throw ValidationError(field: "storage", message: "must be a storage id")
            }
            storage = StorageID(id)
        }
        if format == "yolo" {
            guard let storage else {
                throw ValidationError(
                    field: "storage",
                    message: "must name the attached storage holding the images (YOLO zips hold labels only)")
            }
            return .yolo(answers: answers, storage: storage, question: request.query("question"))
        }
        return .coco(
            COCODatasetReader(
                schema: schema, answers: answers, images: storage.map { .storage($0.rawValue) } ?? .assets,
                question: request.query("question")))
    }

    /// The import lines of a dataset file, one per image.
    private func datasetLines(
        _ dataset: DatasetImport, body: ByteBuffer, project: ProjectID, by principal: Principal
    ) async throws -> [DatasetLine] {
        switch dataset {
        case .coco(let reader):
            let parsed: JSONValue
            do {
                parsed = try JSONParser(maxDepth: 64).parse(body.readableBytesView)
            } catch {
                throw ValidationError(field: "body", message: "is not JSON: \(error)")
            }
            return try reader.lines(from: parsed)
        case .yolo(let answers, let storage, let question):
            let schema = try await store.projectAccess(project, by: principal).project.schema
            let reader = try YOLODatasetReader(
                zip: Data(body.readableBytesView), schema: schema, answers: answers, question: question)
            return reader.lines(for: try await foundImages(reader.images, in: storage, project: project, by: principal))
        }
    }

    /// The listed images the storage's syncs recorded, by list position, with their sizes.
    private func foundImages(
        _ images: [YOLODatasetReader.ListedImage], in storage: StorageID, project: ProjectID, by principal: Principal
    ) async throws -> [Int: YOLODatasetReader.FoundImage] {
        guard try await store.storage(storage, by: principal).projectID == project else {
            throw ValidationError(field: "storage", message: "is not a storage of this project")
        }
        let keys = Array(Set(images.flatMap(\.candidateKeys)))
        var assetOfKey: [String: AssetID] = [:]
        for start in stride(from: 0, to: keys.count, by: 1_000) {
            let batch = Array(keys[start..<min(start + 1_000, keys.count)])
            assetOfKey.merge(try await store.objectAssets(batch, in: storage, by: principal)) { first, _ in first }
        }
        let ids = Array(Set(assetOfKey.values))
        var sizes: [AssetID: (Int, Int)] = [:]
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            for asset in try await store.assets(
                Array(ids[start..<min(start + 1_000, ids.count)]), in: project, by: principal)
            {
                if let width = asset.width, let height = asset.height { sizes[asset.id] = (width, height) }
            }
        }
        var found: [Int: YOLODatasetReader.FoundImage] = [:]
        for (index, image) in images.enumerated() {
            guard let asset = image.candidateKeys.lazy.compactMap({ assetOfKey[$0] }).first,
                let (width, height) = sizes[asset]
            else { continue }
            found[index] = YOLODatasetReader.FoundImage(assetID: asset.rawValue, width: width, height: height)
        }
        return found
    }
}
