/// The kind of tenant an organization is in a park.
public enum OrganizationKind: String, Sendable, CaseIterable {
    /// Runs the park: the platform, the academy and the statistics.
    case `operator`
    /// Owns projects and pays for annotated data.
    case client
    /// Employs annotators in workplaces and staffs projects it is granted.
    case vendor
}

/// A person's role within one organization.
public enum Role: String, Sendable, CaseIterable {
    case annotator
    case reviewer
    case trainer
    case manager
    case admin

    /// Whether this role may create projects, import tasks, export results and manage settings.
    public var managesProjects: Bool { self == .manager || self == .admin }

    /// Whether this role may review annotations: reviewers, and those who manage projects.
    public var reviewsWork: Bool { self == .reviewer || managesProjects }

    /// Whether this role may manage the organization's members and workplaces.
    public var managesOrganization: Bool { self == .admin }
}

/// One organization a person belongs to, with the role they hold there.
public struct Membership: Sendable, Hashable {
    public var organizationID: OrganizationID
    public var organizationKind: OrganizationKind
    public var role: Role

    public init(organizationID: OrganizationID, organizationKind: OrganizationKind, role: Role) {
        self.organizationID = organizationID
        self.organizationKind = organizationKind
        self.role = role
    }
}

/// The authenticated person acting on a request, with every organization they may act for.
///
/// Every store method takes a principal, so tenant scoping happens once, in the store, and is never
/// redone (or forgotten) in a route handler.
public struct Principal: Sendable, Hashable {
    public var userID: UserID
    public var memberships: [Membership]

    public init(userID: UserID, memberships: [Membership]) {
        self.userID = userID
        self.memberships = memberships
    }

    /// The role held in `organization`, if the principal belongs to it.
    public func role(in organization: OrganizationID) -> Role? {
        memberships.first { $0.organizationID == organization }?.role
    }

    public var organizationIDs: [OrganizationID] { memberships.map(\.organizationID) }
}
