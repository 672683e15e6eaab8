import HTTPTypes
import Hummingbird
import LabelParkCore
import LabelParkStore
import Logging

/// Submissions, edits and reads of annotations.
struct AnnotationController {
    let store: any ParkStore
    let consensus: ConsensusTracker
    let handles: TaskHandleSource

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("tasks/:id/annotations", use: submit)
        group.get("annotations", use: listMine)
        group.get("annotations/:id", use: show)
        group.put("annotations/:id", use: edit)
        group.get("annotations/:id/revisions", use: revisions)
    }

    /// `POST /api/v1/tasks/{id}/annotations {lease_token, result, idempotency_key?, lead_time_ms?}`.
    ///
    /// 201 once the annotation is durable. A retry with the same idempotency key answers with the
    /// annotation the first attempt stored (and `Idempotent-Replayed: true`).
    @Sendable func submit(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let named: TaskID = try context.pathID("id")
        let body = try await JSONRequest.read(request, limit: 8 << 20)
        guard let token = LeaseToken(parsing: try body.string("lease_token", maxLength: 64)) else {
            throw ValidationError(field: "lease_token", message: "is not a lease token")
        }
        let result = try body.object("result")
        let idempotencyKey = try body.optionalString("idempotency_key", maxLength: 200)
        let leadTime = try body.optionalInt("lead_time_ms", range: 0...(7 * 86_400_000)).map(Int64.init)

        let (task, project) = try await store.leasedTask(token, by: principal)
        let naming = try await handles.naming(for: principal)
        guard (try? naming.resolve(named).taskID(managesProject: principal.manages(project))) == task.id else {
            throw ValidationError(field: "lease_token", message: "this lease is for another task")
        }
        let taskID = task.id
        try project.schema.validate(
            result: result,
            in: try await AnswerContexts(store: store).context(for: project, dataJSON: task.dataJSON, by: principal))
        let receipt = try await store.submit(
            NewSubmission(
                taskID: taskID, leaseToken: token, resultJSON: result.jsonText, idempotencyKey: idempotencyKey,
                leadTimeMilliseconds: leadTime),
            by: principal)
        if !receipt.isReplay, project.quality.dynamicOverlap != nil {
            // The answer is stored either way; a failed overlap decision is logged and retried with the
            // task's next submission, never turned into a failed submission.
            do {
                _ = try await consensus.settle(task: taskID, in: project)
            } catch {
                context.logger.warning("dynamic overlap not settled for task \(taskID): \(error)")
            }
        }
        var headers: HTTPFields = [:]
        if receipt.isReplay { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return JSONResponse.make(
            Rendering.annotation(receipt.annotation, taskID: naming.handle(taskID)), status: .created, headers: headers)
    }

    /// `PUT /api/v1/annotations/{id} {result, version, lead_time_ms?}`: 409 unless `version` is current.
    @Sendable func edit(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id: AnnotationID = try context.pathID("id")
        let body = try await JSONRequest.read(request, limit: 8 << 20)
        let result = try body.object("result")
        let version = try body.int("version", range: 1...Int.max)
        let leadTime = try body.optionalInt("lead_time_ms", range: 0...(7 * 86_400_000)).map(Int64.init)
        let current = try await store.annotation(id, by: principal)
        guard current.annotatorID == principal.userID else {
            throw StoreError.forbidden("only the annotator edits an annotation")
        }
        let (task, access) = try await store.task(current.taskID, by: principal)
        try access.project.schema.validate(
            result: result,
            in: try await AnswerContexts(store: store).context(
                for: access.project, dataJSON: task.dataJSON, by: principal))
        let updated = try await store.editAnnotation(
            id, resultJSON: result.jsonText, expectedVersion: version, leadTimeMilliseconds: leadTime, by: principal)
        return JSONResponse.make(
            Rendering.annotation(updated, taskID: try await handles.naming(for: principal).handle(updated.taskID)))
    }

    /// `GET /api/v1/annotations/{id}`: one's own (its task by one's handle), or any in a project one manages.
    @Sendable func show(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let annotation = try await store.annotation(try context.pathID("id"), by: principal)
        let naming = try await handles.naming(for: principal)
        var manages = false
        if annotation.annotatorID != principal.userID {
            manages = try await store.projectAccess(annotation.projectID, by: principal).canManage
        }
        return JSONResponse.make(
            Rendering.annotation(annotation, taskID: naming.taskID(of: annotation, managesProject: manages)))
    }

    @Sendable func revisions(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let revisions = try await store.revisions(of: try context.pathID("id"), by: principal)
        return JSONResponse.make(.object(["revisions": .array(revisions.map(Rendering.revision))]))
    }

    /// `GET /api/v1/annotations?project=&before=&limit=`: the caller's own work, newest first.
    @Sendable func listMine(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let limit = request.query("limit").flatMap { Int($0) } ?? 50
        guard (1...500).contains(limit) else { throw ValidationError(field: "limit", message: "must be from 1 to 500") }
        let naming = try await handles.naming(for: principal)
        let annotations = try await store.annotations(
            by: principal, in: try request.queryID("project"), before: try request.queryID("before"), limit: limit)
        return JSONResponse.make(
            .object([
                "annotations": .array(
                    annotations.map { Rendering.annotation($0, taskID: naming.handle($0.taskID)) }),
                "next_before": annotations.count == limit
                    ? annotations.last.map { .integer($0.id.rawValue) } ?? .null : .null,
            ]))
    }
}
