import Foundation
import Hummingbird
import LabelParkCore
import LabelParkFormats
import LabelParkStore
import NIOCore
import Synchronization

/// Streamed exports of a project's tasks and annotations.
struct ExportController {
    let store: any ParkStore
    let gate: SnapshotReadGate
    /// Where a COCO export's annotations wait while its images stream.
    let spoolDirectory: URL

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.get("projects/:id/export", use: export)
    }

    /// `GET /api/v1/projects/{id}/export?format=jsonl|csv[&aggregate=false]`, streamed from one database
    /// snapshot, each task with the crowd's aggregated answer to every choice and multi-choice question
    /// unless `aggregate=false`.
    ///
    /// Two reads: the first fits the aggregation models before the response starts, the second streams;
    /// without aggregates only the second, which is about two and a half times faster on a large project.
    /// Each line's aggregates come from that line's own annotations (see `ExportAggregation`), so every
    /// line matches the snapshot it was read from.
    @Sendable func export(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let access = try await store.projectAccess(try context.pathID("id"), by: principal)
        // The store checks this too, but only once streaming has begun and the 200 is sent; asking first
        // lets a refusal be a proper 403.
        try AccessRules.requireManagement(access, for: .export)
        let formatName = request.query("format") ?? ExportFormat.jsonl.rawValue
        switch formatName {
        case "coco": return try await exportCOCO(request, access: access, by: principal)
        case "yolo": return try await exportYOLO(request, access: access, by: principal)
        case "voc": return try await exportVOC(request, access: access, by: principal)
        default: break
        }
        guard let format = ExportFormat(rawValue: formatName) else {
            throw ValidationError(
                field: "format",
                message:
                    "must be one of \((ExportFormat.allCases.map(\.rawValue) + ["coco", "yolo", "voc"]).joined(separator: ", "))"
            )
        }
        let store = store
        let project = access.project
        // Held by the body closure below until the stream ends or is dropped.
        let permit = try gate.enter()
        let aggregation: ExportAggregation?
        switch request.query("aggregate") {
        case nil, "true":
            let answers = Mutex(ExportAnswers(schema: project.schema))
            if answers.withLock({ $0.isNeeded }) {
                try await store.exportTasks(of: project.id, by: principal) { task in
                    answers.withLock { $0.add(task) }
                }
            }
            aggregation = answers.withLock { $0.fit() }
        case "false":
            aggregation = nil
        default:
            throw ValidationError(field: "aggregate", message: "must be true or false")
        }
        let encoder = ExportEncoder(format: format, schema: project.schema, aggregation: aggregation)
        var headers: HTTPFields = [:]
        headers[.contentType] = format.contentType
        headers[.contentDisposition] = "attachment; filename=\"project-\(project.id)-export.\(format.rawValue)\""
        let body = Self.streamed(holding: permit) { pipe in
            let chunker = ExportChunker(encoder: encoder, pipe: pipe)
            try await store.exportTasks(of: project.id, by: principal) { task in try chunker.add(task) }
            try chunker.flush()
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `GET …/export?format=coco[&answers=latest|all][&images=names|urls]`: a COCO instances file of the
    /// project's region questions, streamed from one snapshot (see `COCOWriter`).
    ///
    /// A first read collects the assets the tasks show, whose sizes and names are looked up before the response
    /// starts and held for the export (a name and a size an image). The second streams the images while the
    /// annotations wait in a spool file, which follows them.
    func exportCOCO(_ request: Request, access: ProjectAccess, by principal: Principal) async throws -> Response {
        let project = access.project
        guard let coco = COCOWriter(schema: project.schema) else {
            throw ValidationError(field: "format", message: "coco needs a boxes, polygons, keypoints or masks question")
        }
        let answers = try Self.cocoAnswers(request)
        let byURL = try Self.namesImagesByURL(request)
        let store = store
        let permit = try gate.enter()
        let (images, _) = try await datasetImages(
            of: project.id, field: coco.imageField, byURL: byURL, urlNames: true, by: principal)
        let known = images
        let spoolDirectory = spoolDirectory
        let description = "LabelPark project \(project.id.rawValue): \(project.name)"
        var headers: HTTPFields = [:]
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"project-\(project.id)-coco.json\""
        let body = Self.streamed(holding: permit) { pipe in
            let spool = try AnnotationSpool(directory: spoolDirectory)
            defer { spool.remove() }
            var buffer: [UInt8] = []
            coco.opening(description: description, createdAt: SystemClock().now().iso8601, into: &buffer)
            let state = Mutex(
                (buffer: buffer, written: Set<Int64>(), firstAnnotation: true, nextID: Int64(1)))
            try await store.exportTasks(of: project.id, by: principal) { task in
                guard let asset = DatasetImage.assetID(of: task, field: coco.imageField), let image = known[asset]
                else { return }
                try state.withLock { state in
                    // An image several tasks show is one COCO image.
                    if state.written.insert(asset).inserted {
                        coco.image(image, first: state.written.count == 1, into: &state.buffer)
                    }
                    var annotations: [UInt8] = []
                    coco.annotations(
                        of: task, imageID: asset, answers: answers, nextID: &state.nextID,
                        first: &state.firstAnnotation, into: &annotations)
                    try spool.append(annotations)
                    if state.buffer.count >= 1 << 16 {
                        try pipe.send(state.buffer)
                        state.buffer.removeAll(keepingCapacity: true)
                    }
                }
            }
            var tail = state.withLock { $0.buffer }
            tail += COCOWriter.annotationsOpening
            try pipe.send(tail)
            try spool.replay { try pipe.send($0) }
            try pipe.send(COCOWriter.closing)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// A response body that `produce` fills through an `ExportPipe` from a task of its own (the database read is
    /// synchronous), while this one writes each chunk to the client; `permit` is held until the body ends.
    static func streamed(
        holding permit: SnapshotReadGate.Permit, _ produce: @escaping @Sendable (ExportPipe) async throws -> Void
    ) -> ResponseBody {
        ResponseBody { writer in
            _ = permit
            let pipe = ExportPipe()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { pipe.finish() }
                    try await produce(pipe)
                }
                do {
                    while let chunk = try await pipe.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
                } catch {
                    pipe.cancel()
                    throw error
                }
                try await group.waitForAll()
            }
            try await writer.finish(nil)
        }
    }

    static func fileExtension(of mediaType: String) -> String {
        switch mediaType {
        case "image/jpeg": "jpg"
        case "image/png": "png"
        case "image/webp": "webp"
        case "image/tiff": "tif"
        default: "bin"
        }
    }
}

/// The annotations of a COCO export while its images stream: a temporary file, written once and read once.
final class AnnotationSpool: @unchecked Sendable {
    // Unchecked: used by the single export producer, first appending, then replaying.
    private let path: String
    private let handle: FileHandle

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("coco-" + UUID().uuidString).path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forUpdatingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown) }
        self.handle = handle
    }

    func append(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try handle.write(contentsOf: Data(bytes))
    }

    /// Hands the file back in 64 KiB pieces, in order.
    func replay(_ body: ([UInt8]) throws -> Void) throws {
        try handle.seek(toOffset: 0)
        while let data = try handle.read(upToCount: 1 << 16), !data.isEmpty { try body(Array(data)) }
    }

    func remove() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}
