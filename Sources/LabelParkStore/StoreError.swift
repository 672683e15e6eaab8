import LabelParkCore

/// The ways a store operation can refuse, independent of the engine.
///
/// Engines translate their own errors (constraint violations, busy timeouts) into these cases, so the
/// HTTP layer maps exactly one closed set to status codes.
public enum StoreError: Error, Sendable, Hashable {
    /// The object does not exist or belongs to a tenant the principal cannot see; both look the same.
    case notFound(Entity)
    /// The principal can see the object but its role does not allow the action.
    case forbidden(String)
    /// The action conflicts with the current state (a duplicate, a stale version, a lapsed lease).
    case conflict(Conflict)
    /// The annotator was paused on this project for low gold accuracy; a manager may reinstate them.
    case annotatorPaused(accuracy: Double, window: Int)

    /// What was not found.
    public enum Entity: String, Sendable, Hashable {
        case organization, workplace, user, project, task, lease, annotation, review, batch, inspection, secret, asset, storage
    }

    /// Which conflict occurred; `code` values are part of the public error contract.
    public enum Conflict: Sendable, Hashable {
        case duplicateEmail(String)
        case duplicateName(String)
        case alreadyAnnotated(AnnotationID)
        case idempotencyKeyReused
        /// Another import into the project is still being written; imports into one project take turns.
        case importInProgress
        case staleVersion(current: Int)
        case leaseLapsed(LateReason)
        /// The schema cannot change once the project has annotations.
        case schemaLocked
        /// The batch or annotation is not in a state that allows the action (e.g. an inspection of an empty batch).
        case notReviewable(String)
        /// The organization's stored media would exceed its quota.
        case quotaExceeded(usedBytes: Int64, quotaBytes: Int64)
        /// A sync of the storage is running (or is no longer the running one).
        case syncInProgress

        public var code: String {
            switch self {
            case .duplicateEmail: "duplicate_email"
            case .duplicateName: "duplicate_name"
            case .alreadyAnnotated: "already_annotated"
            case .idempotencyKeyReused: "idempotency_key_reused"
            case .importInProgress: "import_in_progress"
            case .staleVersion: "stale_version"
            case .leaseLapsed: "lease_lapsed"
            case .schemaLocked: "schema_locked"
            case .notReviewable: "not_reviewable"
            case .quotaExceeded: "quota_exceeded"
            case .syncInProgress: "sync_in_progress"
            }
        }

        public var message: String {
            switch self {
            case .duplicateEmail(let email): "a user with email \(email) already exists"
            case .duplicateName(let name): "\"\(name)\" already exists"
            case .alreadyAnnotated(let id): "you already annotated this task (annotation \(id)); edit it instead"
            case .idempotencyKeyReused: "this idempotency key was used for another task"
            case .importInProgress: "another import into this project is still being written; try again when it ends"
            case .staleVersion(let current):
                "the annotation changed since you read it; its current version is \(current)"
            case .leaseLapsed(.expired): "the lease expired"
            case .leaseLapsed(.superseded): "the lease was released or handed to someone else"
            case .schemaLocked:
                "the project has annotations, so its schema can no longer change; name, description and lease length can"
            case .notReviewable(let reason): reason
            case .quotaExceeded(let used, let quota):
                "the organization stores \(used) bytes of media; its quota is \(quota) bytes"
            case .syncInProgress: "a sync of this storage is running; wait for it to finish"
            }
        }
    }
}
