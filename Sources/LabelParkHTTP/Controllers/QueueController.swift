import Hummingbird
import LabelParkCore
import LabelParkStore

/// The work queue: claim the next task, renew or release its lease.
struct QueueController {
    let store: any ParkStore
    let handles: TaskHandleSource

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("projects/:id/next", use: next)
        group.post("leases/:token/renew", use: renew)
        group.delete("leases/:token", use: release)
    }

    /// `POST /api/v1/projects/{id}/next` → 200 `{task, lease}` or 204 when nothing is left for the caller.
    @Sendable func next(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let claim = try await store.claimNextSlot(in: try context.pathID("id"), by: principal) else {
            return Response(status: .noContent)
        }
        let naming = try await handles.naming(for: principal)
        return JSONResponse.make(Rendering.claim(claim, handle: naming.handle(claim.task.id)))
    }

    @Sendable func renew(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let expiresAt = try await store.renewLease(try Self.token(context), by: principal)
        return JSONResponse.make(.object(["expires_at": .string(expiresAt.iso8601)]))
    }

    @Sendable func release(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let skipping = request.uri.queryParameters.get("skip") == "true"
        try await store.releaseLease(try Self.token(context), by: principal, skipping: skipping)
        return Response(status: .noContent)
    }

    private static func token(_ context: ParkRequestContext) throws -> LeaseToken {
        guard let text = context.parameters.get("token"), let token = LeaseToken(parsing: text) else {
            throw StoreError.notFound(.lease)
        }
        return token
    }
}
