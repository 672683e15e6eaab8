import LabelParkCore
import LabelParkStore

/// The public JSON shapes of stored objects (contract v1); one function per noun.
enum Rendering {
    static func organization(_ organization: Organization, role: Role?) -> JSONValue {
        var members: [JSONMember] = [
            JSONMember("id", .integer(organization.id.rawValue)),
            JSONMember("name", .string(organization.name)),
            JSONMember("kind", .string(organization.kind.rawValue)),
            JSONMember("created_at", .string(organization.createdAt.iso8601)),
        ]
        if let role { members.append(JSONMember("role", .string(role.rawValue))) }
        return .object(members)
    }

    static func token(_ token: APITokenInfo) -> JSONValue {
        .object([
            "id": .string(token.id),
            "name": .string(token.name),
            "created_at": .string(token.createdAt.iso8601),
            "expires_at": token.expiresAt.map { .string($0.iso8601) } ?? .null,
        ])
    }

    static func workplace(_ workplace: Workplace) -> JSONValue {
        .object([
            "id": .integer(workplace.id.rawValue),
            "organization_id": .integer(workplace.organizationID.rawValue),
            "name": .string(workplace.name),
            "county": .string(workplace.county),
            "created_at": .string(workplace.createdAt.iso8601),
        ])
    }

    /// A member; a pending one without its account's id, which would tell an old account from a new one.
    static func member(_ member: Member) -> JSONValue {
        .object([
            "id": member.status == .active ? .integer(member.user.id.rawValue) : .null,
            "email": .string(member.user.email),
            "name": .string(member.user.displayName),
            "organization_id": .integer(member.organizationID.rawValue),
            "role": .string(member.role.rawValue),
            "workplace_id": member.workplaceID.map { .integer($0.rawValue) } ?? .null,
            "status": .string(member.status.rawValue),
        ])
    }

    static func invitation(_ invitation: Invitation) -> JSONValue {
        .object([
            "organization_id": .integer(invitation.organizationID.rawValue),
            "organization": .string(invitation.organizationName),
            "kind": .string(invitation.organizationKind.rawValue),
            "role": .string(invitation.role.rawValue),
            "invited_at": .string(invitation.invitedAt.iso8601),
        ])
    }

    static func project(_ access: ProjectAccess) -> JSONValue {
        let project = access.project
        return .object([
            "id": .integer(project.id.rawValue),
            "organization_id": .integer(project.organizationID.rawValue),
            "name": .string(project.name),
            "description": .string(project.description),
            "schema": project.schema.json,
            "overlap": .integer(project.overlap),
            "lease_seconds": .integer(project.leaseSeconds),
            "quality": project.quality.json,
            "created_at": .string(project.createdAt.iso8601),
            "your_role": .string(access.role.rawValue),
            "can_manage": .bool(access.canManage),
        ])
    }

    static func progress(_ progress: ProjectProgress) -> JSONValue {
        .object([
            "tasks": .integer(progress.tasks),
            "completed_tasks": .integer(progress.completedTasks),
            "slots": .object([
                "total": .integer(progress.slots),
                "open": .integer(progress.openSlots),
                "leased": .integer(progress.leasedSlots),
                "submitted": .integer(progress.submittedSlots),
            ]),
            "annotations": .integer(progress.annotations),
            "late_annotations": .integer(progress.lateAnnotations),
            "annotators": .array(
                progress.annotators.map {
                    .object([
                        "user_id": .integer($0.userID.rawValue),
                        "name": .string($0.displayName),
                        "annotations": .integer($0.annotations),
                        "late": .integer($0.late),
                    ])
                }),
        ])
    }

    /// Stored JSON text back to a value; stored texts were produced by `JSONValue`, so this cannot fail
    /// short of a hand-edited database, which then shows as `null` rather than a crash.
    static func storedJSON(_ text: String) -> JSONValue {
        (try? JSONParser(maxDepth: 128).parse(text)) ?? .null
    }

    /// A task as its project's managers see it: real id, priority and import time.
    static func task(_ task: TaskRecord) -> JSONValue {
        var members = [
            JSONMember("id", .integer(task.id.rawValue)), JSONMember("project_id", .integer(task.projectID.rawValue)),
            JSONMember("data", storedJSON(task.dataJSON)), JSONMember("priority", .integer(task.priority)),
            JSONMember("created_at", .string(task.createdAt.iso8601)),
        ]
        if let prefill = task.prefillJSON { members.append(JSONMember("prefill", storedJSON(prefill))) }
        return .object(members)
    }

    /// A task as people who work on it see it: their handle for it and its data, nothing that tells when
    /// or in which batch it was imported (so a gold task looks like any other). A prefilled task carries its
    /// `prefill`, the answer the annotator starts from.
    static func workerTask(_ task: TaskRecord, handle: Int64) -> JSONValue {
        var members = [
            JSONMember("id", .integer(handle)), JSONMember("project_id", .integer(task.projectID.rawValue)),
            JSONMember("data", storedJSON(task.dataJSON)),
        ]
        if let prefill = task.prefillJSON { members.append(JSONMember("prefill", storedJSON(prefill))) }
        return .object(members)
    }

    static func claim(_ claim: Claim, handle: Int64) -> JSONValue {
        .object([
            "task": workerTask(claim.task, handle: handle),
            "lease": .object([
                "token": .string(claim.token.rawValue),
                "expires_at": .string(claim.expiresAt.iso8601),
            ]),
        ])
    }

    /// An annotation, its task named by `taskID`: the viewer's handle, or the real id for managers.
    static func annotation(_ annotation: Annotation, taskID: Int64) -> JSONValue {
        .object([
            "id": .integer(annotation.id.rawValue),
            "task_id": .integer(taskID),
            "project_id": .integer(annotation.projectID.rawValue),
            "annotator_id": .integer(annotation.annotatorID.rawValue),
            "result": storedJSON(annotation.resultJSON),
            "version": .integer(annotation.version),
            "status": .string(annotation.status.rawValue),
            "late": .bool(annotation.isLate),
            "lead_time_ms": annotation.leadTimeMilliseconds.map { .integer($0) } ?? .null,
            "created_at": .string(annotation.createdAt.iso8601),
            "updated_at": .string(annotation.updatedAt.iso8601),
        ])
    }

    static func revision(_ revision: AnnotationRevision) -> JSONValue {
        .object([
            "version": .integer(revision.version),
            "result": storedJSON(revision.resultJSON),
            "lead_time_ms": revision.leadTimeMilliseconds.map { .integer($0) } ?? .null,
            "created_at": .string(revision.createdAt.iso8601),
        ])
    }
}

extension Rendering {
    static func review(_ review: ReviewRecord) -> JSONValue {
        .object([
            "id": .integer(review.id.rawValue),
            "annotation_id": .integer(review.annotationID.rawValue),
            "reviewer_id": .integer(review.reviewerID.rawValue),
            "annotation_version": .integer(review.annotationVersion),
            "decision": .string(review.decision),
            "comment": review.comment.map { .string($0) } ?? .null,
            "result": review.resultJSON.map(storedJSON) ?? .null,
            "inspection_id": review.inspectionID.map { .integer($0.rawValue) } ?? .null,
            "created_at": .string(review.createdAt.iso8601),
        ])
    }

    static func inspection(_ inspection: Inspection) -> JSONValue {
        let verdict = inspection.verdict
        return .object([
            "id": .integer(inspection.id.rawValue),
            "project_id": .integer(inspection.projectID.rawValue),
            "batch_id": .integer(inspection.batchID.rawValue),
            "aql": .double(inspection.acceptableQuality),
            "sampled": .integer(inspection.sampled),
            "decided": .integer(inspection.decided),
            "defects": .integer(inspection.defects),
            "accuracy": inspection.decided > 0 ? .double(verdict.accuracy) : .null,
            "status": .string(inspection.status.rawValue),
            "created_at": .string(inspection.createdAt.iso8601),
            "closed_at": inspection.closedAt.map { .string($0.iso8601) } ?? .null,
        ])
    }
}
