import LabelParkCore

/// Who may do what, decided once for every engine: each rule returns normally or throws the
/// `StoreError` the caller must see (`notFound` when the organization is not the principal's to see).
public enum AccessRules {
    /// Only the park operator's admins create organizations.
    public static func requireOperatorAdmin(_ principal: Principal) throws {
        guard principal.memberships.contains(where: { $0.organizationKind == .operator && $0.role == .admin }) else {
            throw StoreError.forbidden("only the park operator's admins create organizations")
        }
    }

    /// Reading an organization's workplaces or members needs a membership in it.
    public static func requireMembership(of organization: OrganizationID, _ principal: Principal) throws {
        guard principal.role(in: organization) != nil else { throw StoreError.notFound(.organization) }
    }

    /// Changing an organization's workplaces or people needs its admin role.
    public static func requireAdmin(of organization: OrganizationID, _ principal: Principal) throws {
        guard let role = principal.role(in: organization) else { throw StoreError.notFound(.organization) }
        guard role.managesOrganization else { throw StoreError.forbidden("only the organization's admins may do this") }
    }

    /// Projects are created by managers and admins of a client or of the operator; vendors are granted them.
    public static func requireProjectCreation(in organization: OrganizationID, _ principal: Principal) throws {
        guard let membership = principal.memberships.first(where: { $0.organizationID == organization }) else {
            throw StoreError.notFound(.organization)
        }
        guard membership.role.managesProjects else {
            throw StoreError.forbidden("only managers and admins create projects")
        }
        guard membership.organizationKind != .vendor else {
            throw StoreError.forbidden(
                "vendors work on projects they are granted; clients and the operator own projects")
        }
    }

    /// What only a project's managers may do.
    public enum ManagedAction: String, Sendable {
        case importTasks = "import tasks"
        case export
        case seeProgress = "see its progress"
        case grantAccess = "grant access"
        case seeQuality = "see its quality"
        case changeSettings = "change its settings"
        case inspectBatches = "inspect its batches"
        case reinstateAnnotators = "reinstate paused annotators"
        case uploadMedia = "upload media"
        case attachStorage = "attach and sync storages"
    }

    /// Refuses `action` unless the principal manages the project.
    public static func requireManagement(_ access: ProjectAccess, for action: ManagedAction) throws {
        guard access.canManage else { throw StoreError.forbidden("only the project's managers \(action.rawValue)") }
    }

    /// Reviewing needs a reviewer's or manager's role on the project; an acceptance inspection is the
    /// client's, so only the owning organization's people take part in one.
    public static func requireReviewing(_ access: ProjectAccess, inspection: InspectionID?) throws {
        guard access.role.reviewsWork else { throw StoreError.forbidden("only reviewers and managers review") }
        if inspection != nil, !access.isOwner {
            throw StoreError.forbidden("acceptance inspections are the client's: only its reviewers inspect")
        }
    }

    /// Who may read an annotation's review history: its annotator, the project's managers (of any
    /// organization working on it), and a reviewer only for an item they decided or hold. Anyone else gets
    /// the same 404 as for a missing annotation, so the history of other people's work stays private.
    public static func reviewHistoryAccess(
        annotatorID: UserID, access: ProjectAccess?, by principal: Principal
    ) throws -> ReviewHistoryAccess {
        if annotatorID == principal.userID { return .granted }
        guard let access, access.role.reviewsWork else { throw StoreError.notFound(.annotation) }
        return access.role.managesProjects ? .granted : .ifReviewedByCaller
    }

    /// What `reviewHistoryAccess` leaves to the engine: nothing more, or a look for the caller's own review.
    public enum ReviewHistoryAccess: Sendable {
        case granted
        /// Only if the caller decided on the annotation or holds its review lease; else 404.
        case ifReviewedByCaller
    }
}

extension AccessRules {
    /// How a principal reaches a project: by membership of its owner, or by looking for a grant to one of
    /// their other organizations.
    public enum ProjectReach: Sendable, Hashable {
        case owner(ProjectAccess)
        /// The organizations whose grant would give access, to look up in `project_grant`.
        case throughGrant(organizations: [Int64])
    }

    /// The first step of resolving access to `project` (`nil` when it does not exist); both engines then look
    /// up a grant only when this says so, and finish with ``grantedAccess(to:grantedTo:by:)``.
    public static func reach(_ project: Project?, by principal: Principal) throws(StoreError) -> ProjectReach {
        guard let project else { throw .notFound(.project) }
        if let role = principal.role(in: project.organizationID) {
            return .owner(ProjectAccess(project: project, role: role, isOwner: true))
        }
        let organizations = principal.organizationIDs.map(\.rawValue)
        guard !organizations.isEmpty else { throw .notFound(.project) }
        return .throughGrant(organizations: organizations)
    }

    /// Access through the granted organization found (`nil`: none), as the principal's role there; a project
    /// without a grant to the principal is `notFound`, like a missing one.
    public static func grantedAccess(
        to project: Project, grantedTo organization: Int64?, by principal: Principal
    ) throws(StoreError) -> ProjectAccess {
        guard let organization, let role = principal.role(in: OrganizationID(organization)) else {
            throw .notFound(.project)
        }
        return ProjectAccess(project: project, role: role, isOwner: false)
    }
}
