import LabelParkCore

/// The storage port: every operation LabelPark performs on its database, each one transaction.
///
/// Every method that touches tenant data takes the acting `Principal` and scopes to it, so an object of
/// another organization is `StoreError.notFound`, exactly as if it did not exist. The few methods without
/// a principal are the operator's bootstrap path (the CLI and first start), named as such.
public protocol ParkStore:
    AccountStore, SessionStore, ProjectStore, QueueStore, ExportStore, ReviewStore, QualityControlStore,
    AssetCatalog, StorageCatalog
{}

/// Organizations, workplaces, people, memberships and API tokens.
public protocol AccountStore: Sendable {
    /// Returns the organization with this name, creating it with `kind` when there is none (bootstrap).
    func ensureOrganization(named name: String, kind: OrganizationKind) async throws -> Organization

    /// Creates a user with a membership, for the CLI and the demo (bootstrap).
    func createUser(
        email: String, displayName: String, passwordHash: String, organization: OrganizationID, role: Role,
        workplace: WorkplaceID?
    ) async throws -> User

    /// Creates a workplace in an organization (bootstrap); an existing one of the same name is returned.
    func ensureWorkplace(named name: String, county: String, in organization: OrganizationID) async throws -> Workplace

    func user(withEmail email: String) async throws -> User?

    /// The stored password hash for sign-in; `nil` for an unknown email.
    func passwordCredential(forEmail email: String) async throws -> PasswordCredential?

    /// Stores the hash of a new API token for a user; `expiresAt` `nil` for a token that never expires.
    func storeToken(hash: [UInt8], for user: UserID, name: String, expiresAt: Timestamp?) async throws

    /// The principal an API token authenticates, or `nil` for an unknown, revoked or expired token.
    func principal(forTokenHash hash: [UInt8]) async throws -> Principal?

    /// A user's API tokens that are neither revoked nor expired, newest first.
    func tokens(of user: UserID) async throws -> [APITokenInfo]

    /// Revokes one of the user's tokens by its public id; `false` when the user has no such live token
    /// (another user's token is the same as a missing one).
    func revokeToken(id: String, of user: UserID) async throws -> Bool

    func principal(for user: UserID) async throws -> Principal?

    /// The organizations the principal belongs to.
    func organizations(visibleTo principal: Principal) async throws -> [Organization]

    /// Creates an organization; only the operator's admins may.
    func createOrganization(name: String, kind: OrganizationKind, by principal: Principal) async throws -> Organization

    func createWorkplace(
        name: String, county: String, in organization: OrganizationID, by principal: Principal
    ) async throws -> Workplace

    func workplaces(in organization: OrganizationID, by principal: Principal) async throws -> [Workplace]

    /// Adds a person to an organization; only its admins may. The membership is pending (see
    /// `MembershipStatus`) whether the email is new or belongs to someone elsewhere, and answers the same
    /// either way; only an email already in this organization is a conflict.
    func createMember(
        email: String, displayName: String, passwordHash: String, role: Role, workplace: WorkplaceID?,
        in organization: OrganizationID, by principal: Principal
    ) async throws -> Member

    func members(of organization: OrganizationID, by principal: Principal) async throws -> [Member]

    /// The person's pending memberships, oldest first.
    func invitations(of user: UserID) async throws -> [Invitation]

    /// Accepts (the membership becomes active) or declines (it is deleted) one; `false` when there is none.
    func answerInvitation(from organization: OrganizationID, of user: UserID, accepting: Bool) async throws -> Bool

    /// At sign-in: a person with no active membership (a new account) gets every pending one activated.
    func activateInvitationsOfNewAccount(_ user: UserID) async throws
}

/// Browser sign-in sessions: the cookie's hash, its CSRF token and its times.
public protocol SessionStore: Sendable {
    /// Stores a new session for a user; its token is known only to the browser, as with API tokens.
    func createSession(tokenHash: [UInt8], csrfToken: String, for user: UserID, expiresAt: Timestamp) async throws

    /// The session a cookie's token names, with its principal; `nil` for an unknown or deleted session.
    /// Expiry is the caller's decision (the times are in the result).
    func session(forTokenHash hash: [UInt8]) async throws -> WebSession?

    /// Records activity on a session, for its idle expiry.
    func touchSession(tokenHash: [UInt8], at time: Timestamp) async throws

    /// Ends a session (sign-out); unknown hashes are ignored.
    func deleteSession(tokenHash: [UInt8]) async throws

    /// Deletes sessions past their absolute expiry or idle since before `idleSince`; returns how many.
    func purgeSessions(expiredAt now: Timestamp, idleSince: Timestamp) async throws -> Int

    /// The park's secret of this name (32 random bytes), created from `candidate` by the first caller of
    /// any instance and the same for every instance afterwards.
    func parkSecret(named name: String, candidate: [UInt8]) async throws -> [UInt8]
}

/// Projects and their tasks.
public protocol ProjectStore: Sendable {
    func createProject(
        name: String, description: String, schema: ProjectSchema, overlap: Int, leaseSeconds: Int,
        quality: QualityPolicy, in organization: OrganizationID, by principal: Principal
    ) async throws -> Project

    /// Changes a project's settings (its managers only); the schema only while it has no annotations.
    func updateProject(
        _ project: ProjectID, with changes: ProjectChanges, by principal: Principal
    ) async throws
        -> Project

    /// The project and the principal's access to it; `notFound` when it cannot see it.
    func projectAccess(_ project: ProjectID, by principal: Principal) async throws -> ProjectAccess

    /// Every project the principal can see, owned or granted, newest first.
    func projects(visibleTo principal: Principal) async throws -> [ProjectAccess]

    /// Lets a vendor organization's members work on a project; the owner's managers may.
    func grantProject(_ project: ProjectID, to vendor: OrganizationID, by principal: Principal) async throws

    func progress(of project: ProjectID, by principal: Principal) async throws -> ProjectProgress

    /// Inserts tasks in one transaction, as one batch: all of them or, if `produce` throws, none. Work
    /// tasks get the project's overlap in slots; gold tasks get none (``QueueStore`` mixes them in).
    ///
    /// `produce` is called once inside the transaction and hands each task to `insert`; it reads local
    /// (already received and validated) input, never the network.
    func importTasks(
        into project: ProjectID, by principal: Principal,
        produce: @Sendable (_ insert: (NewTask) throws -> Void) throws -> Void
    ) async throws -> ImportedBatch

    /// A task of a project the principal can see (without its gold answer).
    func task(_ task: TaskID, by principal: Principal) async throws -> (TaskRecord, ProjectAccess)
}

/// Claims, leases and annotations.
public protocol QueueStore: Sendable {
    /// Leases the next task for the principal in a project, or returns `nil` when none is left for them.
    ///
    /// While work is left, the project's ``QualityPolicy`` decides whether the task is a gold one the
    /// annotator has not had yet. A paused annotator gets ``StoreError/annotatorPaused(accuracy:window:)``.
    func claimNextSlot(in project: ProjectID, by principal: Principal) async throws -> Claim?

    /// The task a lease was issued for, with its project, if the lease was the principal's (live or not).
    func leasedTask(_ token: LeaseToken, by principal: Principal) async throws -> (TaskRecord, Project)

    /// Extends a live lease by the project's lease length and returns the new expiry.
    func renewLease(_ token: LeaseToken, by principal: Principal) async throws -> Timestamp

    /// Gives a leased slot back to the queue. A skip also remembers that this annotator passed on the task,
    /// so their claims never offer it again (others still get it).
    func releaseLease(_ token: LeaseToken, by principal: Principal, skipping: Bool) async throws

    /// Stores a submission durably: in its slot if the lease is live, marked late otherwise.
    ///
    /// A gold task's answer is scored and may pause the annotator; a work task's answer may be drawn for
    /// review under the project's review policy.
    func submit(_ submission: NewSubmission, by principal: Principal) async throws -> SubmissionReceipt

    /// Replaces the result of one's own annotation if `expectedVersion` is current, keeping the old revision.
    /// Reworking a rejected annotation makes it submitted again and sends it back to review.
    func editAnnotation(
        _ annotation: AnnotationID, resultJSON: String, expectedVersion: Int, leadTimeMilliseconds: Int64?,
        by principal: Principal
    ) async throws -> Annotation

    /// An annotation visible to the principal: their own, or any in a project they manage.
    func annotation(_ annotation: AnnotationID, by principal: Principal) async throws -> Annotation

    /// The superseded revisions of an annotation, oldest first.
    func revisions(of annotation: AnnotationID, by principal: Principal) async throws -> [AnnotationRevision]

    /// The principal's own annotations, newest first, optionally within one project.
    func annotations(
        by principal: Principal, in project: ProjectID?, before cursor: AnnotationID?, limit: Int
    ) async throws -> [Annotation]
}

/// The review stage and clients' acceptance inspections.
public protocol ReviewStore: Sendable {
    /// Leases the next annotation waiting for review to a reviewer: the project's review stage, or the
    /// sample of one inspection. Never their own annotation; `nil` when none is waiting.
    func claimNextReview(
        in project: ProjectID, inspection: InspectionID?, by principal: Principal
    ) async throws -> ReviewClaim?

    /// What a live review lease of the principal's holds: the task, the annotation and the lease.
    func reviewClaim(_ token: LeaseToken, by principal: Principal) async throws -> ReviewClaim

    /// Extends a live review lease by the project's lease length and returns the new expiry.
    func renewReview(_ token: LeaseToken, by principal: Principal) async throws -> Timestamp

    /// Puts a leased review item back in the queue.
    func releaseReview(_ token: LeaseToken, by principal: Principal) async throws

    /// Records a decision on a live review lease: accept, reject (back to the annotator for rework, or to
    /// the queue for anyone when that annotator can no longer work on the project) or fix (a new revision).
    func decideReview(
        _ token: LeaseToken, decision: ReviewDecision, by principal: Principal
    ) async throws -> ReviewOutcome

    /// Every decision on an annotation, oldest first; for its annotator and the project's managers and reviewers.
    func reviews(of annotation: AnnotationID, by principal: Principal) async throws -> [ReviewRecord]

    /// The principal's rejected annotations waiting for rework, newest rejection first.
    func rework(by principal: Principal, in project: ProjectID?) async throws -> [ReworkItem]

    /// The project's import batches, newest first; managers only.
    func batches(of project: ProjectID, by principal: Principal) async throws -> [TaskBatch]

    /// Draws up to `sampleSize` of a batch's work annotations at random for a client's inspection.
    /// When every sampled annotation is decided the inspection closes: the batch is accepted if the
    /// sample's accuracy reaches `acceptableQuality`, and otherwise all its annotations go back for rework.
    func startInspection(
        of batch: BatchID, in project: ProjectID, sampleSize: Int, acceptableQuality: Double, by principal: Principal
    ) async throws -> Inspection

    func inspection(_ inspection: InspectionID, by principal: Principal) async throws -> Inspection
}

/// Quality control that acts on the queue: auto-pause and dynamic overlap.
public protocol QualityControlStore: Sendable {
    /// Annotators paused on the project, newest first; managers only.
    func pausedAnnotators(in project: ProjectID, by principal: Principal) async throws -> [AnnotatorPause]

    /// Everyone who annotated the project, with the organization and workplace through which they work on
    /// it; managers only. Quality reports group annotators by it.
    func annotatorAffiliations(in project: ProjectID, by principal: Principal) async throws -> [AnnotatorAffiliation]

    /// Lets a paused annotator claim again; only gold answers given from now on count towards a new pause.
    func reinstate(_ annotator: UserID, in project: ProjectID, by principal: Principal) async throws

    /// The project's work-task annotations with an id above `cursor`, in id order, at most `limit`;
    /// rejected ones left out. Truth inference reads it for the park itself, so it takes no principal.
    func annotationDigests(
        in project: ProjectID, after cursor: AnnotationID?, limit: Int
    ) async throws -> [AnnotationDigest]

    /// Applies the project's dynamic overlap to one task whose aggregate has `confidence`: adds a slot or
    /// closes the open ones, deciding on the task's slots as they are inside the transaction. Run for the
    /// park itself after a submission.
    func settleOverlap(of task: TaskID, confidence: Double) async throws -> OverlapDecision
}

extension QueueStore {
    /// Gives a leased slot back to the queue without skipping its task.
    public func releaseLease(_ token: LeaseToken, by principal: Principal) async throws {
        try await releaseLease(token, by: principal, skipping: false)
    }
}

/// Consistent, streamed exports.
public protocol ExportStore: Sendable {
    /// Calls `consume` for every task of the project in id order with all its annotations, reading one
    /// snapshot: what it sees is the database at one instant.
    ///
    /// `consume` runs synchronously inside the read transaction and may block to apply backpressure.
    ///
    /// Gold answers are read only with `includingGold`, which quality measurement sets and exports never do.
    func exportTasks(
        of project: ProjectID, by principal: Principal, includingGold: Bool,
        consume: @Sendable (ExportedTask) throws -> Void
    ) async throws
}

extension ProjectStore {
    /// Creates a project with the default quality policy.
    public func createProject(
        name: String, description: String, schema: ProjectSchema, overlap: Int, leaseSeconds: Int,
        in organization: OrganizationID, by principal: Principal
    ) async throws -> Project {
        try await createProject(
            name: name, description: description, schema: schema, overlap: overlap, leaseSeconds: leaseSeconds,
            quality: QualityPolicy(), in: organization, by: principal)
    }
}

extension ExportStore {
    /// Every task of the project with its annotations, without gold answers (what exports write).
    public func exportTasks(
        of project: ProjectID, by principal: Principal, consume: @Sendable (ExportedTask) throws -> Void
    ) async throws {
        try await exportTasks(of: project, by: principal, includingGold: false, consume: consume)
    }
}
