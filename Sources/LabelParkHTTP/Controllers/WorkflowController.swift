import Hummingbird
import LabelParkCore
import LabelParkStore

/// What managers do about quality: paused annotators, import batches and clients' acceptance inspections.
struct WorkflowController {
    let store: any ParkStore

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.get("projects/:id/pauses", use: pauses)
        group.delete("projects/:id/pauses/:user", use: reinstate)
        group.get("projects/:id/batches", use: batches)
        group.post("projects/:id/batches/:batch/inspections", use: startInspection)
        group.get("inspections/:id", use: inspection)
    }

    @Sendable func pauses(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let paused = try await store.pausedAnnotators(in: try context.pathID("id"), by: principal)
        return JSONResponse.make(
            .object([
                "paused": .array(
                    paused.map { pause in
                        .object([
                            "user_id": .integer(pause.userID.rawValue),
                            "name": .string(pause.displayName),
                            "paused_at": .string(pause.pausedAt.iso8601),
                            "accuracy": .double(pause.accuracy),
                            "window": .integer(pause.window),
                        ])
                    })
            ]))
    }

    /// `DELETE /api/v1/projects/{id}/pauses/{user_id}`: reinstates a paused annotator.
    @Sendable func reinstate(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try await store.reinstate(try context.pathID("user"), in: try context.pathID("id"), by: principal)
        return Response(status: .noContent)
    }

    @Sendable func batches(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let batches = try await store.batches(of: try context.pathID("id"), by: principal)
        return JSONResponse.make(
            .object([
                "batches": .array(
                    batches.map { batch in
                        .object([
                            "id": .integer(batch.id.rawValue),
                            "task_count": .integer(batch.taskCount),
                            "status": .string(batch.status.rawValue),
                            "created_at": .string(batch.createdAt.iso8601),
                            "inspections": .array(batch.inspections.map(Rendering.inspection)),
                        ])
                    })
            ]))
    }

    /// `POST /api/v1/projects/{id}/batches/{batch}/inspections {sample_size, aql}` → 201 inspection.
    @Sendable func startInspection(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await JSONRequest.read(request)
        let sampleSize = try body.int("sample_size", range: 1...100_000)
        // Stored in parts per million, so anything below one part per million would round to nothing.
        guard let aql = body.value["aql"]?.doubleValue, aql >= 0.000_001, aql <= 1 else {
            throw ValidationError(field: "aql", message: "must be a number from 0.000001 to 1, e.g. 0.98")
        }
        let inspection = try await store.startInspection(
            of: try context.pathID("batch"), in: try context.pathID("id"), sampleSize: sampleSize,
            acceptableQuality: aql, by: principal)
        return JSONResponse.make(Rendering.inspection(inspection), status: .created)
    }

    @Sendable func inspection(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return JSONResponse.make(
            Rendering.inspection(try await store.inspection(try context.pathID("id"), by: principal)))
    }
}
