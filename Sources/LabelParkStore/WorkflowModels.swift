import LabelParkCore

/// A submitted annotation handed to a reviewer under a lease, with the task it answers.
public struct ReviewClaim: Sendable, Hashable {
    public var task: TaskRecord
    public var annotation: Annotation
    public var token: LeaseToken
    public var expiresAt: Timestamp
    /// The acceptance inspection the item was sampled for; `nil` for the project's own review stage.
    public var inspectionID: InspectionID?

    public init(
        task: TaskRecord, annotation: Annotation, token: LeaseToken, expiresAt: Timestamp, inspectionID: InspectionID?
    ) {
        self.task = task
        self.annotation = annotation
        self.token = token
        self.expiresAt = expiresAt
        self.inspectionID = inspectionID
    }
}

/// What a reviewer decides about an annotation.
public enum ReviewDecision: Sendable, Hashable {
    /// The annotation is right as it is.
    case accept
    /// The annotation goes back for rework, with the reason.
    case reject(comment: String)
    /// The reviewer's corrected result (already validated) becomes the annotation's new revision.
    case fix(resultJSON: String, comment: String?)

    /// The name stored and shown in the API.
    public var name: String {
        switch self {
        case .accept: "accept"
        case .reject: "reject"
        case .fix: "fix"
        }
    }

    /// Whether the decision finds a defect (what acceptance sampling counts).
    public var isDefect: Bool {
        if case .accept = self { return false }
        return true
    }
}

/// One recorded review decision.
public struct ReviewRecord: Sendable, Hashable {
    public var id: ReviewID
    public var annotationID: AnnotationID
    public var reviewerID: UserID
    /// The annotation's version the decision was about.
    public var annotationVersion: Int
    public var decision: String
    public var comment: String?
    /// The fixed result, for a fix.
    public var resultJSON: String?
    public var inspectionID: InspectionID?
    public var createdAt: Timestamp

    public init(
        id: ReviewID, annotationID: AnnotationID, reviewerID: UserID, annotationVersion: Int, decision: String,
        comment: String?, resultJSON: String?, inspectionID: InspectionID?, createdAt: Timestamp
    ) {
        self.id = id
        self.annotationID = annotationID
        self.reviewerID = reviewerID
        self.annotationVersion = annotationVersion
        self.decision = decision
        self.comment = comment
        self.resultJSON = resultJSON
        self.inspectionID = inspectionID
        self.createdAt = createdAt
    }
}

/// What a review decision did.
public struct ReviewOutcome: Sendable, Hashable {
    public var annotation: Annotation
    public var review: ReviewRecord
    /// A rejected annotation whose annotator can no longer work on the project: its slot went back to the
    /// queue for anyone.
    public var reopenedForOthers: Bool
    /// The inspection, when this decision was its last one and closed it.
    public var closedInspection: Inspection?

    public init(annotation: Annotation, review: ReviewRecord, reopenedForOthers: Bool, closedInspection: Inspection?) {
        self.annotation = annotation
        self.review = review
        self.reopenedForOthers = reopenedForOthers
        self.closedInspection = closedInspection
    }
}

/// A rejected annotation waiting for its annotator's rework, with the rejection that sent it back.
public struct ReworkItem: Sendable, Hashable {
    public var annotation: Annotation
    public var rejection: ReviewRecord

    public init(annotation: Annotation, rejection: ReviewRecord) {
        self.annotation = annotation
        self.rejection = rejection
    }
}

/// The tasks of one import, the unit a client inspects and accepts.
public struct TaskBatch: Sendable, Hashable {
    public var id: BatchID
    public var projectID: ProjectID
    public var taskCount: Int
    public var status: BatchStatus
    public var createdAt: Timestamp
    /// Its inspections, oldest first.
    public var inspections: [Inspection]

    public init(
        id: BatchID, projectID: ProjectID, taskCount: Int, status: BatchStatus, createdAt: Timestamp,
        inspections: [Inspection] = []
    ) {
        self.id = id
        self.projectID = projectID
        self.taskCount = taskCount
        self.status = status
        self.createdAt = createdAt
        self.inspections = inspections
    }
}

/// Where a batch stands with its client.
public enum BatchStatus: String, Sendable, Hashable {
    /// Being worked on, or inspected.
    case open
    /// An inspection passed: its annotations are accepted.
    case accepted
    /// An inspection failed: its annotations went back for rework.
    case returned
}

/// A client's acceptance inspection of a batch.
public struct Inspection: Sendable, Hashable {
    public var id: InspectionID
    public var projectID: ProjectID
    public var batchID: BatchID
    /// The acceptable quality level, a share in (0, 1].
    public var acceptableQuality: Double
    /// Annotations drawn into the sample.
    public var sampled: Int
    public var decided: Int
    public var defects: Int
    public var status: InspectionStatus
    public var createdAt: Timestamp
    public var closedAt: Timestamp?

    public init(
        id: InspectionID, projectID: ProjectID, batchID: BatchID, acceptableQuality: Double, sampled: Int,
        decided: Int, defects: Int, status: InspectionStatus, createdAt: Timestamp, closedAt: Timestamp?
    ) {
        self.id = id
        self.projectID = projectID
        self.batchID = batchID
        self.acceptableQuality = acceptableQuality
        self.sampled = sampled
        self.decided = decided
        self.defects = defects
        self.status = status
        self.createdAt = createdAt
        self.closedAt = closedAt
    }

    /// The verdict the decisions so far give.
    public var verdict: InspectionVerdict {
        InspectionVerdict(sampled: decided, defects: defects, acceptableQuality: acceptableQuality)
    }
}

public enum InspectionStatus: String, Sendable, Hashable {
    case open, passed, failed
}

/// An annotator who stopped receiving a project's tasks, and why.
public struct AnnotatorPause: Sendable, Hashable {
    public var userID: UserID
    public var displayName: String
    public var pausedAt: Timestamp
    /// Their mean gold score over the window when they were paused.
    public var accuracy: Double
    public var window: Int

    public init(userID: UserID, displayName: String, pausedAt: Timestamp, accuracy: Double, window: Int) {
        self.userID = userID
        self.displayName = displayName
        self.pausedAt = pausedAt
        self.accuracy = accuracy
        self.window = window
    }
}

/// An annotation as truth inference reads it: which task, who, and what they answered.
public struct AnnotationDigest: Sendable, Hashable {
    public var id: AnnotationID
    public var taskID: TaskID
    public var annotatorID: UserID
    public var resultJSON: String

    public init(id: AnnotationID, taskID: TaskID, annotatorID: UserID, resultJSON: String) {
        self.id = id
        self.taskID = taskID
        self.annotatorID = annotatorID
        self.resultJSON = resultJSON
    }
}

/// What an import stored.
public struct ImportedBatch: Sendable, Hashable {
    /// `nil` when nothing was imported.
    public var batchID: BatchID?
    public var taskCount: Int

    public init(batchID: BatchID?, taskCount: Int) {
        self.batchID = batchID
        self.taskCount = taskCount
    }
}

extension AnnotatorAffiliation {
    /// The first affiliation of each person, in order: engines list each person's memberships best first.
    public static func firstPerPerson(_ rows: [AnnotatorAffiliation]) -> [AnnotatorAffiliation] {
        var seen = Set<Int64>()
        return rows.filter { seen.insert($0.userID).inserted }
    }
}

extension ReviewDecision {
    /// Whether the decision replaces the result, so engines keep the old one as a revision first.
    public var replacesResult: Bool {
        if case .fix = self { true } else { false }
    }

    /// The annotation as the decision leaves it: accepted or rejected, and a fix's result as a new version.
    public func applied(to annotation: Annotation, at now: Timestamp) -> Annotation {
        var decided = annotation
        switch self {
        case .accept:
            decided.status = .accepted
        case .reject:
            decided.status = .rejected
        case .fix(let resultJSON, _):
            decided.resultJSON = resultJSON
            decided.version += 1
            decided.status = .accepted
        }
        decided.updatedAt = now
        return decided
    }
}
