import Hummingbird
import LabelParkCore
import LabelParkStore

/// Projects: create, list, read, progress and vendor grants.
struct ProjectController {
    let store: any ParkStore

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("projects", use: create)
        group.post("schemas/validate", use: validateSchema)
        group.get("projects", use: list)
        group.get("projects/:id", use: show)
        group.patch("projects/:id", use: update)
        group.get("projects/:id/progress", use: progress)
        group.post("projects/:id/grants", use: grant)
    }

    /// `POST /api/v1/schemas/validate {schema}`: 200 `{"valid": true}`, or the error naming the field, as
    /// creating a project with it would answer (the schema editor checks as you type).
    @Sendable func validateSchema(request: Request, context: ParkRequestContext) async throws -> Response {
        _ = try context.requirePrincipal()
        let body = try await JSONRequest.read(request)
        guard let schemaJSON = body.value["schema"] else {
            throw ValidationError(field: "schema", message: "is required")
        }
        _ = try ProjectSchema(json: schemaJSON)
        return JSONResponse.make(.object(["valid": .bool(true)]))
    }

    /// `POST /api/v1/projects {name, schema, overlap?, lease_seconds?, description?, organization_id?, quality?}`.
    @Sendable func create(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await JSONRequest.read(request)
        let name = try body.nonEmptyString("name")
        let description = try body.optionalString("description", maxLength: 10_000) ?? ""
        guard let schemaJSON = body.value["schema"] else {
            throw ValidationError(field: "schema", message: "is required")
        }
        let schema = try ProjectSchema(json: schemaJSON)
        let overlap = try body.optionalInt("overlap", range: LeaseRules.overlapRange) ?? 1
        let leaseSeconds = try body.optionalInt("lease_seconds", range: LeaseRules.leaseSecondsRange) ?? 600
        let organization = try Self.owningOrganization(
            requested: try body.optionalInt("organization_id", range: 1...Int.max), principal: principal)
        let quality = try body.value["quality"].map { try QualityPolicy(json: $0, baseOverlap: overlap) }
        let project = try await store.createProject(
            name: name, description: description, schema: schema, overlap: overlap, leaseSeconds: leaseSeconds,
            quality: quality ?? QualityPolicy(), in: organization, by: principal)
        let access = ProjectAccess(project: project, role: principal.role(in: organization) ?? .manager, isOwner: true)
        return JSONResponse.make(Rendering.project(access), status: .created)
    }

    /// `PATCH /api/v1/projects/{id} {name?, description?, lease_seconds?, schema?, quality?}`: the project's settings;
    /// the schema only while the project has no annotations (else 409 `schema_locked`).
    @Sendable func update(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await JSONRequest.read(request)
        var changes = ProjectChanges()
        if body.value["name"] != nil { changes.name = try body.nonEmptyString("name") }
        changes.description = try body.optionalString("description", maxLength: 10_000)
        changes.leaseSeconds = try body.optionalInt("lease_seconds", range: LeaseRules.leaseSecondsRange)
        if let schemaJSON = body.value["schema"] { changes.schema = try ProjectSchema(json: schemaJSON) }
        let id: ProjectID = try context.pathID("id")
        if let qualityJSON = body.value["quality"] {
            let overlap = try await store.projectAccess(id, by: principal).project.overlap
            changes.quality = try QualityPolicy(json: qualityJSON, baseOverlap: overlap)
        }
        _ = try await store.updateProject(id, with: changes, by: principal)
        return JSONResponse.make(Rendering.project(try await store.projectAccess(id, by: principal)))
    }

    /// The organization a new project belongs to: the one named, or the principal's only one that may own projects.
    static func owningOrganization(requested: Int?, principal: Principal) throws -> OrganizationID {
        if let requested { return OrganizationID(Int64(requested)) }
        let candidates = principal.memberships.filter { $0.role.managesProjects && $0.organizationKind != .vendor }
        guard candidates.count == 1 else {
            throw ValidationError(
                field: "organization_id",
                message: candidates.isEmpty
                    ? "you manage no client organization that could own a project"
                    : "you manage several organizations; say which one owns the project")
        }
        return candidates[0].organizationID
    }

    @Sendable func list(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let projects = try await store.projects(visibleTo: principal)
        return JSONResponse.make(.object(["projects": .array(projects.map(Rendering.project))]))
    }

    @Sendable func show(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return JSONResponse.make(
            Rendering.project(try await store.projectAccess(try context.pathID("id"), by: principal)))
    }

    @Sendable func progress(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return JSONResponse.make(
            Rendering.progress(try await store.progress(of: try context.pathID("id"), by: principal)))
    }

    /// `POST /api/v1/projects/{id}/grants {organization_id}`: lets a vendor's people work on the project.
    @Sendable func grant(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let project: ProjectID = try context.pathID("id")
        let body = try await JSONRequest.read(request)
        let vendor = OrganizationID(Int64(try body.int("organization_id", range: 1...Int.max)))
        try await store.grantProject(project, to: vendor, by: principal)
        return JSONResponse.make(
            .object(["project_id": .integer(project.rawValue), "organization_id": .integer(vendor.rawValue)]),
            status: .created)
    }
}
