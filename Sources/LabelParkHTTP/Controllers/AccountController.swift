import Hummingbird
import LabelParkCore
import LabelParkStore

/// Sign-in for API tokens, the caller's identity, organizations, workplaces and members.
struct AccountController {
    let store: any ParkStore
    let passwords: PasswordHasher
    let signIn: SignIn
    let principals: PrincipalCache
    let clock: any WallClock

    func addPublicRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.post("tokens", use: createToken)
    }

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.get("tokens", use: listTokens)
        group.delete("tokens/:id", use: revokeToken)
        group.get("invitations", use: invitations)
        group.post("invitations/:organization/accept", use: acceptInvitation)
        group.delete("invitations/:organization", use: declineInvitation)
        group.get("me", use: me)
        group.get("session", use: session)
        group.get("organizations", use: listOrganizations)
        group.post("organizations", use: createOrganization)
        group.get("organizations/:id/workplaces", use: listWorkplaces)
        group.post("organizations/:id/workplaces", use: createWorkplace)
        group.get("organizations/:id/members", use: listMembers)
        group.post("organizations/:id/members", use: createMember)
    }

    /// `POST /api/v1/tokens {email, password, name?, expires_in_days?}`: exchanges credentials for a new API
    /// token, valid until revoked or, with `expires_in_days`, until then.
    @Sendable func createToken(request: Request, context: ParkRequestContext) async throws -> Response {
        let body = try await JSONRequest.read(request)
        let email = try body.nonEmptyString("email", maxLength: 320)
        let password = try body.string("password", maxLength: 1_000, allowsNUL: true)
        let name = try body.optionalString("name", maxLength: 200) ?? "api"
        let lifetimeDays = try body.optionalInt("expires_in_days", range: 1...3_650)
        let userID = try await signIn.verify(email: email, password: password, address: context.remoteAddress)
        let token = APIToken.generate()
        let expiresAt = lifetimeDays.map { clock.now().adding(seconds: $0 * 86_400) }
        try await store.storeToken(hash: APIToken.hash(token), for: userID, name: name, expiresAt: expiresAt)
        return JSONResponse.make(
            .object([
                "token": .string(token), "user_id": .integer(userID.rawValue),
                "expires_at": expiresAt.map { .string($0.iso8601) } ?? .null,
            ]), status: .created)
    }

    /// `GET /api/v1/tokens`: the caller's live API tokens (ids and times, never the tokens themselves).
    @Sendable func listTokens(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let tokens = try await store.tokens(of: principal.userID)
        return JSONResponse.make(.object(["tokens": .array(tokens.map(Rendering.token))]))
    }

    /// `DELETE /api/v1/tokens/{id}`: revokes one of the caller's tokens, at once on this instance and within
    /// the principal cache's lifetime on others.
    @Sendable func revokeToken(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let id = context.parameters.get("id"), try await store.revokeToken(id: id, of: principal.userID) else {
            throw APIError.notFound
        }
        principals.forget(user: principal.userID)
        return Response(status: .noContent)
    }

    /// `GET /api/v1/invitations`: organizations that added the caller and wait for them to accept.
    @Sendable func invitations(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let invitations = try await store.invitations(of: principal.userID)
        return JSONResponse.make(.object(["invitations": .array(invitations.map(Rendering.invitation))]))
    }

    /// `POST /api/v1/invitations/{organization}/accept`: the membership becomes active (204; 404 if none).
    @Sendable func acceptInvitation(request: Request, context: ParkRequestContext) async throws -> Response {
        try await answerInvitation(context, accepting: true)
    }

    /// `DELETE /api/v1/invitations/{organization}`: declines, deleting the pending membership.
    @Sendable func declineInvitation(request: Request, context: ParkRequestContext) async throws -> Response {
        try await answerInvitation(context, accepting: false)
    }

    private func answerInvitation(_ context: ParkRequestContext, accepting: Bool) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization: OrganizationID = try context.pathID("organization")
        guard try await store.answerInvitation(from: organization, of: principal.userID, accepting: accepting) else {
            throw StoreError.notFound(.organization)
        }
        principals.forget(user: principal.userID)
        return Response(status: .noContent)
    }

    /// `GET /api/v1/session`: the browser session's person and CSRF token; 401 without a session cookie.
    @Sendable func session(request: Request, context: ParkRequestContext) async throws -> Response {
        guard let session = context.session else { throw APIError.unauthenticated }
        return JSONResponse.make(
            .object([
                "user_id": .integer(session.principal.userID.rawValue), "name": .string(session.displayName),
                "csrf": .string(session.csrfToken),
            ]))
    }

    @Sendable func me(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organizations = try await store.organizations(visibleTo: principal)
        return JSONResponse.make(
            .object([
                "user_id": .integer(principal.userID.rawValue),
                "organizations": .array(
                    organizations.map { Rendering.organization($0, role: principal.role(in: $0.id)) }),
            ]))
    }

    @Sendable func listOrganizations(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organizations = try await store.organizations(visibleTo: principal)
        return JSONResponse.make(
            .object([
                "organizations": .array(
                    organizations.map { Rendering.organization($0, role: principal.role(in: $0.id)) })
            ]))
    }

    @Sendable func createOrganization(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await JSONRequest.read(request)
        let name = try body.nonEmptyString("name")
        let kindText = try body.string("kind", maxLength: 20)
        guard let kind = OrganizationKind(rawValue: kindText), kind != .operator else {
            throw ValidationError(field: "kind", message: "must be \"client\" or \"vendor\"")
        }
        let organization = try await store.createOrganization(name: name, kind: kind, by: principal)
        return JSONResponse.make(Rendering.organization(organization, role: nil), status: .created)
    }

    @Sendable func listWorkplaces(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let workplaces = try await store.workplaces(in: try context.pathID("id"), by: principal)
        return JSONResponse.make(.object(["workplaces": .array(workplaces.map(Rendering.workplace))]))
    }

    @Sendable func createWorkplace(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization: OrganizationID = try context.pathID("id")
        let body = try await JSONRequest.read(request)
        let workplace = try await store.createWorkplace(
            name: try body.nonEmptyString("name"), county: try body.nonEmptyString("county"), in: organization,
            by: principal)
        return JSONResponse.make(Rendering.workplace(workplace), status: .created)
    }

    @Sendable func listMembers(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let members = try await store.members(of: try context.pathID("id"), by: principal)
        return JSONResponse.make(.object(["members": .array(members.map(Rendering.member))]))
    }

    /// `POST /api/v1/organizations/{id}/members {email, name, password, role, workplace_id?}`.
    @Sendable func createMember(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let organization: OrganizationID = try context.pathID("id")
        let body = try await JSONRequest.read(request)
        let email = try Self.validatedEmail(try body.nonEmptyString("email", maxLength: 320))
        let name = try body.optionalString("name", maxLength: 200) ?? email
        let password = try body.string("password", maxLength: 1_000, allowsNUL: true)
        guard password.count >= PasswordHasher.minimumLength else {
            throw ValidationError(field: "password", message: "at least \(PasswordHasher.minimumLength) characters")
        }
        guard let role = Role(rawValue: try body.string("role", maxLength: 20)) else {
            throw ValidationError(
                field: "role", message: "must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let workplace = try body.optionalInt("workplace_id", range: 1...Int.max).map { WorkplaceID(Int64($0)) }
        let member = try await store.createMember(
            email: email, displayName: name, passwordHash: try await passwords.hash(password), role: role,
            workplace: workplace, in: organization, by: principal)
        return JSONResponse.make(Rendering.member(member), status: .created)
    }

    /// A deliberately loose check (one `@`, a dot in the domain, no spaces): mail servers decide the rest.
    static func validatedEmail(_ email: String) throws -> String {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(where: \.isWhitespace) else {
            throw ValidationError(field: "email", message: "is not an email address")
        }
        return email
    }
}
