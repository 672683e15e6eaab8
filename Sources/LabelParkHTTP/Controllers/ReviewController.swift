import Hummingbird
import LabelParkCore
import LabelParkStore

/// The review stage: a reviewer's queue with leases, decisions, review history and the annotator's
/// rework list.
struct ReviewController {
    let store: any ParkStore
    let handles: TaskHandleSource

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("projects/:id/reviews/next", use: next)
        group.post("reviews/:token/renew", use: renew)
        group.delete("reviews/:token", use: release)
        group.post("reviews/:token/decision", use: decide)
        group.get("annotations/:id/reviews", use: history)
        group.get("rework", use: rework)
    }

    /// `POST /api/v1/projects/{id}/reviews/next?inspection=` → 200 `{review, task, annotation}` or 204.
    @Sendable func next(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard
            let claim = try await store.claimNextReview(
                in: try context.pathID("id"), inspection: try request.queryID("inspection"), by: principal)
        else { return Response(status: .noContent) }
        let naming = try await handles.naming(for: principal)
        return JSONResponse.make(
            .object([
                "review": .object([
                    "token": .string(claim.token.rawValue),
                    "expires_at": .string(claim.expiresAt.iso8601),
                    "inspection_id": claim.inspectionID.map { .integer($0.rawValue) } ?? .null,
                ]),
                "task": Rendering.workerTask(claim.task, handle: naming.handle(claim.task.id)),
                "annotation": Rendering.annotation(claim.annotation, taskID: naming.handle(claim.task.id)),
            ]))
    }

    @Sendable func renew(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let expiresAt = try await store.renewReview(try Self.token(context), by: principal)
        return JSONResponse.make(.object(["expires_at": .string(expiresAt.iso8601)]))
    }

    @Sendable func release(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try await store.releaseReview(try Self.token(context), by: principal)
        return Response(status: .noContent)
    }

    /// `POST /api/v1/reviews/{token}/decision {decision: accept|reject|fix, comment?, result?}`.
    ///
    /// A rejection needs a comment (the annotator reads it); a fix needs a result valid for the task.
    @Sendable func decide(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let token = try Self.token(context)
        let body = try await JSONRequest.read(request, limit: 8 << 20)
        let comment = try body.optionalString("comment", maxLength: 2_000)
        let decision: ReviewDecision
        switch try body.string("decision", maxLength: 20) {
        case "accept":
            decision = .accept
        case "reject":
            guard let comment, !comment.isEmpty else {
                throw ValidationError(field: "comment", message: "is required to reject: say what to rework")
            }
            decision = .reject(comment: comment)
        case "fix":
            let result = try body.object("result")
            let claim = try await store.reviewClaim(token, by: principal)
            let project = try await store.projectAccess(claim.task.projectID, by: principal).project
            try project.schema.validate(
                result: result,
                in: try await AnswerContexts(store: store).context(
                    for: project, dataJSON: claim.task.dataJSON, by: principal))
            decision = .fix(resultJSON: result.jsonText, comment: comment)
        default:
            throw ValidationError(field: "decision", message: "must be one of accept, reject, fix")
        }
        let outcome = try await store.decideReview(token, decision: decision, by: principal)
        let naming = try await handles.naming(for: principal)
        return JSONResponse.make(
            .object([
                "annotation": Rendering.annotation(
                    outcome.annotation, taskID: naming.handle(outcome.annotation.taskID)),
                "review": Rendering.review(outcome.review),
                "reopened_for_others": .bool(outcome.reopenedForOthers),
                "closed_inspection": outcome.closedInspection.map(Rendering.inspection) ?? .null,
            ]))
    }

    @Sendable func history(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let reviews = try await store.reviews(of: try context.pathID("id"), by: principal)
        return JSONResponse.make(.object(["reviews": .array(reviews.map(Rendering.review))]))
    }

    /// `GET /api/v1/rework?project=`: the caller's rejected annotations, each with its rejection.
    @Sendable func rework(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let items = try await store.rework(by: principal, in: try request.queryID("project"))
        let naming = try await handles.naming(for: principal)
        return JSONResponse.make(
            .object([
                "rework": .array(
                    items.map { item in
                        .object([
                            "annotation": Rendering.annotation(
                                item.annotation, taskID: naming.handle(item.annotation.taskID)),
                            "rejection": Rendering.review(item.rejection),
                        ])
                    })
            ]))
    }

    private static func token(_ context: ParkRequestContext) throws -> LeaseToken {
        guard let text = context.parameters.get("token"), let token = LeaseToken(parsing: text) else {
            throw StoreError.notFound(.review)
        }
        return token
    }
}
