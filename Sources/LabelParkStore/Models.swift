import LabelParkCore

/// A tenant of the park.
public struct Organization: Sendable, Hashable {
    public var id: OrganizationID
    public var name: String
    public var kind: OrganizationKind
    public var createdAt: Timestamp

    public init(id: OrganizationID, name: String, kind: OrganizationKind, createdAt: Timestamp) {
        self.id = id
        self.name = name
        self.kind = kind
        self.createdAt = createdAt
    }
}

/// A vendor's site in one county, where its annotators work.
public struct Workplace: Sendable, Hashable {
    public var id: WorkplaceID
    public var organizationID: OrganizationID
    public var name: String
    public var county: String
    public var createdAt: Timestamp

    public init(id: WorkplaceID, organizationID: OrganizationID, name: String, county: String, createdAt: Timestamp) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.county = county
        self.createdAt = createdAt
    }
}

/// A person with an account.
public struct User: Sendable, Hashable {
    public var id: UserID
    public var email: String
    public var displayName: String
    public var createdAt: Timestamp

    public init(id: UserID, email: String, displayName: String, createdAt: Timestamp) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.createdAt = createdAt
    }
}

/// A person as a member of one organization.
public struct Member: Sendable, Hashable {
    /// For a pending member, `displayName` is the name the admin gave and `createdAt` when they were added:
    /// nothing of the account itself, which may belong to someone working elsewhere.
    public var user: User
    public var organizationID: OrganizationID
    public var role: Role
    public var workplaceID: WorkplaceID?
    public var status: MembershipStatus

    public init(
        user: User, organizationID: OrganizationID, role: Role, workplaceID: WorkplaceID?,
        status: MembershipStatus = .active
    ) {
        self.user = user
        self.organizationID = organizationID
        self.role = role
        self.workplaceID = workplaceID
        self.status = status
    }
}

/// Whether a membership counts: an admin's addition is `pending` until the person signs in for the first
/// time (a new account) or accepts it (an account with memberships elsewhere).
public enum MembershipStatus: String, Sendable, Hashable {
    case active, pending
}

/// An organization's invitation to the person who reads it: a pending membership of theirs.
public struct Invitation: Sendable, Hashable {
    public var organizationID: OrganizationID
    public var organizationName: String
    public var organizationKind: OrganizationKind
    public var role: Role
    public var invitedAt: Timestamp

    public init(
        organizationID: OrganizationID, organizationName: String, organizationKind: OrganizationKind, role: Role,
        invitedAt: Timestamp
    ) {
        self.organizationID = organizationID
        self.organizationName = organizationName
        self.organizationKind = organizationKind
        self.role = role
        self.invitedAt = invitedAt
    }
}

/// What sign-in needs to check a password.
/// An API token as its owner may see it: never the token, only its public id and times.
public struct APITokenInfo: Sendable, Hashable {
    /// The first 16 hex digits of the token's SHA-256: names the token without revealing it.
    public var id: String
    public var name: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?

    public init(id: String, name: String, createdAt: Timestamp, expiresAt: Timestamp?) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// The public id of a stored token hash (hex).
    public static func id(ofHashHex hex: String) -> String { String(hex.prefix(idLength)) }

    /// Whether `text` has the shape of a token id, so anything else never reaches a query.
    public static func isValidID(_ text: String) -> Bool {
        text.utf8.count == idLength && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static let idLength = 16
}

public struct PasswordCredential: Sendable, Hashable {
    public var userID: UserID
    public var passwordHash: String

    public init(userID: UserID, passwordHash: String) {
        self.userID = userID
        self.passwordHash = passwordHash
    }
}

/// A signed-in browser: who it is and the token that guards its state-changing requests.
public struct WebSession: Sendable, Hashable {
    public var principal: Principal
    /// The person's display name, for the page header.
    public var displayName: String
    /// Sent back in `X-CSRF-Token` by the pages' scripts; a cross-site form cannot know it.
    public var csrfToken: String
    public var createdAt: Timestamp
    public var lastSeenAt: Timestamp
    /// The absolute end of the session, whatever the activity.
    public var expiresAt: Timestamp

    public init(
        principal: Principal, displayName: String, csrfToken: String, createdAt: Timestamp, lastSeenAt: Timestamp,
        expiresAt: Timestamp
    ) {
        self.principal = principal
        self.displayName = displayName
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}

/// A client organization's labelling project.
public struct Project: Sendable, Hashable {
    public var id: ProjectID
    public var organizationID: OrganizationID
    public var name: String
    public var description: String
    public var schema: ProjectSchema
    public var overlap: Int
    public var leaseSeconds: Int
    /// Gold mixing, auto-pause, dynamic overlap and review.
    public var quality: QualityPolicy
    public var createdBy: UserID
    public var createdAt: Timestamp

    public init(
        id: ProjectID, organizationID: OrganizationID, name: String, description: String, schema: ProjectSchema,
        overlap: Int, leaseSeconds: Int, quality: QualityPolicy = QualityPolicy(), createdBy: UserID,
        createdAt: Timestamp
    ) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.description = description
        self.schema = schema
        self.overlap = overlap
        self.leaseSeconds = leaseSeconds
        self.quality = quality
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// Settings to change on a project; `nil` leaves one as it is.
public struct ProjectChanges: Sendable, Hashable {
    public var name: String?
    public var description: String?
    public var leaseSeconds: Int?
    /// Only while the project has no annotations: answers given under one schema must stay valid.
    public var schema: ProjectSchema?
    public var quality: QualityPolicy?

    public init(
        name: String? = nil, description: String? = nil, leaseSeconds: Int? = nil, schema: ProjectSchema? = nil,
        quality: QualityPolicy? = nil
    ) {
        self.name = name
        self.description = description
        self.leaseSeconds = leaseSeconds
        self.schema = schema
        self.quality = quality
    }
}

extension Project {
    /// The project with `changes` applied.
    public mutating func apply(_ changes: ProjectChanges) {
        if let name = changes.name { self.name = name }
        if let description = changes.description { self.description = description }
        if let leaseSeconds = changes.leaseSeconds { self.leaseSeconds = leaseSeconds }
        if let schema = changes.schema { self.schema = schema }
        if let quality = changes.quality { self.quality = quality }
    }
}

/// A project together with what the acting principal may do with it.
public struct ProjectAccess: Sendable, Hashable {
    public var project: Project
    /// The role that gives access: the principal's role in the owning organization, or in a granted vendor.
    public var role: Role
    /// Whether access comes from owning the project (as opposed to a grant to the principal's vendor).
    public var isOwner: Bool

    public init(project: Project, role: Role, isOwner: Bool) {
        self.project = project
        self.role = role
        self.isOwner = isOwner
    }

    /// Whether the principal may change the project, import tasks and export results.
    public var canManage: Bool { isOwner && role.managesProjects }
}

/// Counts that show how far a project has come.
public struct ProjectProgress: Sendable, Hashable {
    public var tasks: Int
    public var slots: Int
    public var openSlots: Int
    public var leasedSlots: Int
    public var submittedSlots: Int
    public var annotations: Int
    public var lateAnnotations: Int
    /// Tasks whose every slot is submitted.
    public var completedTasks: Int
    public var annotators: [AnnotatorCount]

    public init(
        tasks: Int, slots: Int, openSlots: Int, leasedSlots: Int, submittedSlots: Int, annotations: Int,
        lateAnnotations: Int, completedTasks: Int, annotators: [AnnotatorCount]
    ) {
        self.tasks = tasks
        self.slots = slots
        self.openSlots = openSlots
        self.leasedSlots = leasedSlots
        self.submittedSlots = submittedSlots
        self.annotations = annotations
        self.lateAnnotations = lateAnnotations
        self.completedTasks = completedTasks
        self.annotators = annotators
    }
}

extension ProjectProgress {
    /// Progress from the counts an engine reads; every task has `overlap` slots from its import, so the
    /// slot total and the submitted slots need no scan.
    ///
    /// `tasks` counts work tasks only (gold tasks have no slots); `extraSlots` is what dynamic overlap added
    /// and closed since, net.
    public init(
        tasks: Int, overlap: Int, extraSlots: Int = 0, openSlots: Int, leasedSlots: Int, unfinishedTasks: Int,
        annotators: [AnnotatorCount]
    ) {
        let slots = tasks * overlap + extraSlots
        self.init(
            tasks: tasks, slots: slots, openSlots: openSlots, leasedSlots: leasedSlots,
            submittedSlots: slots - openSlots - leasedSlots, annotations: annotators.reduce(0) { $0 + $1.annotations },
            lateAnnotations: annotators.reduce(0) { $0 + $1.late }, completedTasks: tasks - unfinishedTasks,
            annotators: annotators)
    }
}

/// How many annotations one annotator made in a project.
public struct AnnotatorCount: Sendable, Hashable {
    public var userID: UserID
    public var displayName: String
    public var annotations: Int
    public var late: Int

    public init(userID: UserID, displayName: String, annotations: Int, late: Int) {
        self.userID = userID
        self.displayName = displayName
        self.annotations = annotations
        self.late = late
    }
}

/// One task to import, already validated against the project's schema.
public struct NewTask: Sendable, Hashable {
    /// The compact JSON text of the task's data object.
    public var dataJSON: String
    /// The compact JSON text of the known answer, for gold tasks.
    public var goldJSON: String?
    public var priority: Int
    /// The compact JSON text of a starting answer annotators see and correct (a model's or an imported
    /// dataset's regions); a result, possibly partial.
    public var prefillJSON: String?

    public init(dataJSON: String, goldJSON: String? = nil, priority: Int = 0, prefillJSON: String? = nil) {
        self.dataJSON = dataJSON
        self.goldJSON = goldJSON
        self.priority = priority
        self.prefillJSON = prefillJSON
    }
}

/// A stored task as its project's members see it (gold answers are never part of it).
public struct TaskRecord: Sendable, Hashable {
    public var id: TaskID
    public var projectID: ProjectID
    public var dataJSON: String
    public var priority: Int
    public var createdAt: Timestamp
    /// The starting answer annotators correct, when the task was imported with one.
    public var prefillJSON: String?

    public init(
        id: TaskID, projectID: ProjectID, dataJSON: String, priority: Int, createdAt: Timestamp,
        prefillJSON: String? = nil
    ) {
        self.id = id
        self.projectID = projectID
        self.dataJSON = dataJSON
        self.priority = priority
        self.createdAt = createdAt
        self.prefillJSON = prefillJSON
    }
}

/// A slot handed to an annotator: the task to work on and the lease that holds it.
public struct Claim: Sendable, Hashable {
    public var task: TaskRecord
    public var token: LeaseToken
    public var expiresAt: Timestamp

    public init(task: TaskRecord, token: LeaseToken, expiresAt: Timestamp) {
        self.task = task
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// An annotator's answer for a task, at its latest revision.
public struct Annotation: Sendable, Hashable {
    public var id: AnnotationID
    public var taskID: TaskID
    public var projectID: ProjectID
    public var annotatorID: UserID
    public var resultJSON: String
    public var version: Int
    public var status: AnnotationStatus
    /// Stored after its lease lapsed; it did not fill a slot.
    public var isLate: Bool
    public var leadTimeMilliseconds: Int64?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: AnnotationID, taskID: TaskID, projectID: ProjectID, annotatorID: UserID, resultJSON: String, version: Int,
        status: AnnotationStatus, isLate: Bool, leadTimeMilliseconds: Int64?, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.taskID = taskID
        self.projectID = projectID
        self.annotatorID = annotatorID
        self.resultJSON = resultJSON
        self.version = version
        self.status = status
        self.isLate = isLate
        self.leadTimeMilliseconds = leadTimeMilliseconds
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A superseded version of an annotation, kept when it was edited.
public struct AnnotationRevision: Sendable, Hashable {
    public var version: Int
    public var resultJSON: String
    public var leadTimeMilliseconds: Int64?
    public var createdAt: Timestamp

    public init(version: Int, resultJSON: String, leadTimeMilliseconds: Int64?, createdAt: Timestamp) {
        self.version = version
        self.resultJSON = resultJSON
        self.leadTimeMilliseconds = leadTimeMilliseconds
        self.createdAt = createdAt
    }
}

/// A submission as the annotator sent it, its result already validated.
public struct NewSubmission: Sendable, Hashable {
    public var taskID: TaskID
    public var leaseToken: LeaseToken
    public var resultJSON: String
    public var idempotencyKey: String?
    public var leadTimeMilliseconds: Int64?

    public init(
        taskID: TaskID, leaseToken: LeaseToken, resultJSON: String, idempotencyKey: String?,
        leadTimeMilliseconds: Int64?
    ) {
        self.taskID = taskID
        self.leaseToken = leaseToken
        self.resultJSON = resultJSON
        self.idempotencyKey = idempotencyKey
        self.leadTimeMilliseconds = leadTimeMilliseconds
    }
}

/// What a submission did.
public struct SubmissionReceipt: Sendable, Hashable {
    public var annotation: Annotation
    /// The same idempotency key was seen before; `annotation` is what that first request stored.
    public var isReplay: Bool

    public init(annotation: Annotation, isReplay: Bool) {
        self.annotation = annotation
        self.isReplay = isReplay
    }
}

/// One annotation as an export writes it.
public struct ExportedAnnotation: Sendable, Hashable {
    public var id: AnnotationID
    public var annotatorID: UserID
    public var annotatorEmail: String
    public var resultJSON: String
    public var version: Int
    public var status: AnnotationStatus
    public var isLate: Bool
    public var leadTimeMilliseconds: Int64?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: AnnotationID, annotatorID: UserID, annotatorEmail: String, resultJSON: String, version: Int,
        status: AnnotationStatus, isLate: Bool, leadTimeMilliseconds: Int64?, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.annotatorID = annotatorID
        self.annotatorEmail = annotatorEmail
        self.resultJSON = resultJSON
        self.version = version
        self.status = status
        self.isLate = isLate
        self.leadTimeMilliseconds = leadTimeMilliseconds
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One task with all its annotations, as an export writes it.
public struct ExportedTask: Sendable, Hashable {
    public var id: TaskID
    public var dataJSON: String
    public var priority: Int
    public var annotations: [ExportedAnnotation]
    /// The known answer of a gold task; read only for quality measurement, never written to an export.
    public var goldJSON: String?

    public init(
        id: TaskID, dataJSON: String, priority: Int, annotations: [ExportedAnnotation], goldJSON: String? = nil
    ) {
        self.id = id
        self.dataJSON = dataJSON
        self.priority = priority
        self.annotations = annotations
        self.goldJSON = goldJSON
    }
}
