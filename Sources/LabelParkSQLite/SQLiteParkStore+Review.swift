import GRDB
import LabelParkCore
import LabelParkStore

/// The review stage and acceptance inspections.
extension SQLiteParkStore {
    public func claimNextReview(
        in project: ProjectID, inspection: InspectionID?, by principal: Principal
    ) async throws -> ReviewClaim? {
        try await batcher.write { db in
            let access = try self.projectAccess(project, by: principal, in: db)
            try AccessRules.requireReviewing(access, inspection: inspection)
            let now = self.clock.now()
            try db.executeCached(
                sql: """
                    UPDATE review_item SET state = 0, reviewer_id = NULL, lease_token = NULL, lease_expires_at = NULL
                    WHERE project_id = ? AND state = 1 AND lease_expires_at <= ?
                    """,
                arguments: [project.rawValue, now.rawValue])
            guard
                let annotationID = try Int64.fetchOneCached(
                    db,
                    sql: """
                        SELECT r.annotation_id FROM review_item r INDEXED BY review_queue
                        WHERE r.project_id = ? AND r.state = 0 AND r.inspection_id IS ?
                          AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.id = r.annotation_id AND a.annotator_id = ?)
                        ORDER BY r.created_at, r.annotation_id LIMIT 1
                        """,
                    arguments: [project.rawValue, inspection?.rawValue, principal.userID.rawValue])
            else { return nil }
            let token = self.tokens.next()
            let expiresAt = now.adding(seconds: access.project.leaseSeconds)
            try db.executeCached(
                sql:
                    "UPDATE review_item SET state = 1, reviewer_id = ?, lease_token = ?, lease_expires_at = ? WHERE annotation_id = ?",
                arguments: [principal.userID.rawValue, token.rawValue, expiresAt.rawValue, annotationID])
            let annotation = try Self.fetchAnnotation(db, where: "id = ?", arguments: [annotationID])!
            let taskRow = try Row.fetchOneCached(
                db, sql: "SELECT id, project_id, data, priority, created_at, prefill FROM task WHERE id = ?",
                arguments: [annotation.taskID.rawValue])!
            return ReviewClaim(
                task: Self.task(from: taskRow), annotation: annotation, token: token, expiresAt: expiresAt,
                inspectionID: inspection)
        }
    }

    public func reviewClaim(_ token: LeaseToken, by principal: Principal) async throws -> ReviewClaim {
        try await pool.read { db in
            let item = try self.liveReviewItem(token, by: principal, at: self.clock.now(), db: db)
            let annotation = try Self.fetchAnnotation(db, where: "id = ?", arguments: [item["annotation_id"]])!
            let taskRow = try Row.fetchOneCached(
                db, sql: "SELECT id, project_id, data, priority, created_at, prefill FROM task WHERE id = ?",
                arguments: [annotation.taskID.rawValue])!
            return ReviewClaim(
                task: Self.task(from: taskRow), annotation: annotation, token: token,
                expiresAt: Timestamp(rawValue: item["lease_expires_at"]),
                inspectionID: (item["inspection_id"] as Int64?).map { InspectionID($0) })
        }
    }

    /// The review item a live lease holds, refusing unknown, foreign and lapsed leases.
    private func liveReviewItem(
        _ token: LeaseToken, by principal: Principal, at now: Timestamp, db: Database
    ) throws
        -> Row
    {
        guard
            let item = try Row.fetchOneCached(
                db,
                sql: """
                    SELECT annotation_id, project_id, inspection_id, reviewer_id, lease_expires_at
                    FROM review_item WHERE lease_token = ?
                    """,
                arguments: [token.rawValue]),
            (item["reviewer_id"] as Int64?) == principal.userID.rawValue
        else { throw StoreError.notFound(.review) }
        guard now < Timestamp(rawValue: item["lease_expires_at"]) else {
            throw StoreError.conflict(.leaseLapsed(.expired))
        }
        return item
    }

    public func renewReview(_ token: LeaseToken, by principal: Principal) async throws -> Timestamp {
        try await batcher.write { db in
            let now = self.clock.now()
            let item = try self.liveReviewItem(token, by: principal, at: now, db: db)
            let access = try self.projectAccess(ProjectID(item["project_id"]), by: principal, in: db)
            let expiresAt = now.adding(seconds: access.project.leaseSeconds)
            try db.executeCached(
                sql: "UPDATE review_item SET lease_expires_at = ? WHERE lease_token = ?",
                arguments: [expiresAt.rawValue, token.rawValue])
            return expiresAt
        }
    }

    public func releaseReview(_ token: LeaseToken, by principal: Principal) async throws {
        try await batcher.write { db in
            _ = try self.liveReviewItem(token, by: principal, at: self.clock.now(), db: db)
            try db.executeCached(
                sql: """
                    UPDATE review_item SET state = 0, reviewer_id = NULL, lease_token = NULL, lease_expires_at = NULL
                    WHERE lease_token = ?
                    """,
                arguments: [token.rawValue])
        }
    }

    public func decideReview(
        _ token: LeaseToken, decision: ReviewDecision, by principal: Principal
    ) async throws -> ReviewOutcome {
        try await batcher.write { db in
            let now = self.clock.now()
            let item = try self.liveReviewItem(token, by: principal, at: now, db: db)
            let annotationID: Int64 = item["annotation_id"]
            let inspection = (item["inspection_id"] as Int64?).map { InspectionID($0) }
            guard let reviewed = try Self.fetchAnnotation(db, where: "id = ?", arguments: [annotationID]) else {
                throw StoreError.notFound(.annotation)
            }
            let reviewedVersion = reviewed.version
            var reopened = false
            if decision.replacesResult { try Self.keepRevision(of: reviewed, db: db) }
            let annotation = decision.applied(to: reviewed, at: now)
            try db.executeCached(
                sql: "UPDATE annotation SET status = ?, result = ?, version = ?, updated_at = ? WHERE id = ?",
                arguments: [
                    annotation.status.rawValue, annotation.resultJSON, annotation.version, now.rawValue, annotationID,
                ])
            if case .reject = decision {
                reopened = try self.reopenIfAnnotatorGone(annotation, db: db)
            }
            let review = try Self.insertReview(
                of: annotation, version: reviewedVersion, decision: decision, by: principal.userID,
                inspection: inspection, at: now, db: db)
            try db.executeCached(sql: "DELETE FROM review_item WHERE annotation_id = ?", arguments: [annotationID])
            let closed = try inspection.flatMap {
                try self.countInspectionDecision($0, isDefect: decision.isDefect, by: principal.userID, at: now, db: db)
            }
            return ReviewOutcome(
                annotation: annotation, review: review, reopenedForOthers: reopened, closedInspection: closed)
        }
    }

    /// Saves the annotation's current version as a revision before it is replaced.
    static func keepRevision(of annotation: Annotation, db: Database) throws {
        try db.executeCached(
            sql:
                "INSERT INTO annotation_revision (annotation_id, version, result, lead_time_ms, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                annotation.id.rawValue, annotation.version, annotation.resultJSON, annotation.leadTimeMilliseconds,
                annotation.updatedAt.rawValue,
            ])
    }

    private static func insertReview(
        of annotation: Annotation, version: Int, decision: ReviewDecision, by reviewer: UserID,
        inspection: InspectionID?, at now: Timestamp, db: Database
    ) throws -> ReviewRecord {
        let (comment, result): (String?, String?) =
            switch decision {
            case .accept: (nil, nil)
            case .reject(let comment): (comment, nil)
            case .fix(let resultJSON, let comment): (comment, resultJSON)
            }
        try db.executeCached(
            sql: """
                INSERT INTO review (annotation_id, project_id, reviewer_id, annotation_version, decision, comment,
                                    result, inspection_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                annotation.id.rawValue, annotation.projectID.rawValue, reviewer.rawValue, version, decision.name,
                comment, result, inspection?.rawValue, now.rawValue,
            ])
        return ReviewRecord(
            id: ReviewID(db.lastInsertedRowID), annotationID: annotation.id, reviewerID: reviewer,
            annotationVersion: version, decision: decision.name, comment: comment, resultJSON: result,
            inspectionID: inspection, createdAt: now)
    }

    /// Puts an annotation in the review queue (the project's stage when `inspection` is `nil`); one already
    /// waiting stays where it is.
    static func enqueueReview(
        of annotation: AnnotationID, in project: Int64, inspection: InspectionID?, at now: Timestamp, db: Database
    ) throws {
        try db.executeCached(
            sql: """
                INSERT OR IGNORE INTO review_item (annotation_id, project_id, inspection_id, created_at)
                VALUES (?, ?, ?, ?)
                """,
            arguments: [annotation.rawValue, project, inspection?.rawValue, now.rawValue])
    }

    /// A rejected annotation goes back to its annotator, unless they can no longer work on the project (no
    /// membership that reaches it, or paused): then their slot returns to the queue for anyone, and the
    /// rejected annotation stays as it is, for the record. Returns whether the slot was reopened.
    private func reopenIfAnnotatorGone(_ annotation: Annotation, db: Database) throws -> Bool {
        let canWork =
            try Bool.fetchOneCached(
                db,
                sql: """
                    SELECT EXISTS (
                        SELECT 1 FROM membership m JOIN project p ON p.id = ?1
                        WHERE m.account_id = ?2 AND m.status = 'active'
                          AND (m.organization_id = p.organization_id
                               OR m.organization_id IN (SELECT organization_id FROM project_grant WHERE project_id = ?1)))
                    AND NOT EXISTS (
                        SELECT 1 FROM annotator_standing
                        WHERE project_id = ?1 AND annotator_id = ?2 AND paused_at IS NOT NULL)
                    """,
                arguments: [annotation.projectID.rawValue, annotation.annotatorID.rawValue]) ?? false
        guard !canWork else { return false }
        try db.executeCached(
            sql: """
                UPDATE slot SET state = 0, annotator_id = NULL, lease_token = NULL, lease_expires_at = NULL
                WHERE task_id = ? AND annotator_id = ?
                """,
            arguments: [annotation.taskID.rawValue, annotation.annotatorID.rawValue])
        guard db.changesCount > 0 else { return false }
        try db.executeCached(
            sql: "UPDATE project SET queue_generation = queue_generation + 1 WHERE id = ?",
            arguments: [annotation.projectID.rawValue])
        return true
    }

    /// Counts one decision of an inspection's sample; when it was the last, closes the inspection and
    /// accepts or returns the batch. Returns the inspection if it closed.
    private func countInspectionDecision(
        _ id: InspectionID, isDefect: Bool, by inspector: UserID, at now: Timestamp, db: Database
    ) throws -> Inspection? {
        try db.executeCached(
            sql: "UPDATE inspection SET decided = decided + 1, defects = defects + ? WHERE id = ?",
            arguments: [isDefect ? 1 : 0, id.rawValue])
        var inspection = try Self.fetchInspection(id, db: db)!
        guard inspection.decided >= inspection.sampled, inspection.status == .open else { return nil }
        let verdict = inspection.verdict
        inspection.status = verdict.passes ? .passed : .failed
        inspection.closedAt = now
        try db.executeCached(
            sql: "UPDATE inspection SET status = ?, closed_at = ? WHERE id = ?",
            arguments: [inspection.status.rawValue, now.rawValue, id.rawValue])
        let batch = inspection.batchID.rawValue
        if verdict.passes {
            try db.execute(sql: "UPDATE task_batch SET status = 'accepted' WHERE id = ?", arguments: [batch])
            try db.execute(
                sql: """
                    UPDATE annotation SET status = 'accepted', updated_at = ?
                    WHERE status = 'submitted' AND task_id IN (SELECT id FROM task WHERE batch_id = ? AND gold IS NULL)
                    """,
                arguments: [now.rawValue, batch])
            return inspection
        }
        try db.execute(sql: "UPDATE task_batch SET status = 'returned' WHERE id = ?", arguments: [batch])
        let comment = verdict.returnComment(batch: batch, inspection: id.rawValue)
        let returned = try Self.fetchAnnotations(
            db,
            where:
                "status IN ('submitted', 'accepted') AND task_id IN (SELECT id FROM task WHERE batch_id = ? AND gold IS NULL)",
            arguments: [batch])
        for var annotation in returned {
            try db.executeCached(
                sql: "UPDATE annotation SET status = 'rejected', updated_at = ? WHERE id = ?",
                arguments: [now.rawValue, annotation.id.rawValue])
            try db.executeCached(
                sql: "DELETE FROM review_item WHERE annotation_id = ?", arguments: [annotation.id.rawValue])
            annotation.status = .rejected
            _ = try Self.insertReview(
                of: annotation, version: annotation.version, decision: .reject(comment: comment), by: inspector,
                inspection: id, at: now, db: db)
            _ = try reopenIfAnnotatorGone(annotation, db: db)
        }
        return inspection
    }

    public func reviews(of annotation: AnnotationID, by principal: Principal) async throws -> [ReviewRecord] {
        try await pool.read { db in
            guard let found = try Self.fetchAnnotation(db, where: "id = ?", arguments: [annotation.rawValue]) else {
                throw StoreError.notFound(.annotation)
            }
            let access = try? self.projectAccess(found.projectID, by: principal, in: db)
            let rule = try AccessRules.reviewHistoryAccess(
                annotatorID: found.annotatorID, access: access, by: principal)
            if rule == .ifReviewedByCaller {
                let reviewed = try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM review WHERE annotation_id = ?1 AND reviewer_id = ?2)
                            OR EXISTS (SELECT 1 FROM review_item WHERE annotation_id = ?1 AND reviewer_id = ?2 AND state = 1)
                        """,
                    arguments: [annotation.rawValue, principal.userID.rawValue])
                guard reviewed == true else { throw StoreError.notFound(.annotation) }
            }
            return try Self.fetchReviews(db, where: "annotation_id = ? ORDER BY id", arguments: [annotation.rawValue])
        }
    }

    public func rework(by principal: Principal, in project: ProjectID?) async throws -> [ReworkItem] {
        try await pool.read { db in
            var condition = "annotator_id = ? AND status = 'rejected'"
            var arguments: [any DatabaseValueConvertible] = [principal.userID.rawValue]
            if let project {
                condition += " AND project_id = ?"
                arguments.append(project.rawValue)
            }
            let annotations = try Self.fetchAnnotations(
                db, where: condition + " ORDER BY updated_at DESC, id DESC LIMIT 500",
                arguments: StatementArguments(arguments))
            return try annotations.compactMap { annotation in
                // A rejection whose slot went to someone else is no longer this annotator's to rework.
                let stillHeld =
                    try Bool.fetchOneCached(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM slot WHERE task_id = ? AND annotator_id = ?)",
                        arguments: [annotation.taskID.rawValue, principal.userID.rawValue]) ?? false
                guard stillHeld || annotation.isLate,
                    let rejection = try Self.fetchReviews(
                        db, where: "annotation_id = ? AND decision = 'reject' ORDER BY id DESC LIMIT 1",
                        arguments: [annotation.id.rawValue]
                    ).first
                else { return nil }
                return ReworkItem(annotation: annotation, rejection: rejection)
            }
        }
    }

    public func batches(of project: ProjectID, by principal: Principal) async throws -> [TaskBatch] {
        try await pool.read { db in
            try AccessRules.requireManagement(
                try self.projectAccess(project, by: principal, in: db), for: .inspectBatches)
            let inspections = Dictionary(
                grouping: try Row.fetchAll(
                    db, sql: "SELECT * FROM inspection WHERE project_id = ? ORDER BY id", arguments: [project.rawValue]
                ).map(Self.inspection(from:)),
                by: \.batchID)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, task_count, status, created_at FROM task_batch
                    WHERE project_id = ?1 AND id IS NOT (SELECT importing_batch_id FROM project WHERE id = ?1)
                    ORDER BY id DESC
                    """,
                arguments: [project.rawValue]
            ).map { row in
                TaskBatch(
                    id: BatchID(row["id"]), projectID: project, taskCount: row["task_count"],
                    status: BatchStatus(rawValue: row["status"]) ?? .open,
                    createdAt: Timestamp(rawValue: row["created_at"]),
                    inspections: inspections[BatchID(row["id"])] ?? [])
            }
        }
    }

    public func startInspection(
        of batch: BatchID, in project: ProjectID, sampleSize: Int, acceptableQuality: Double, by principal: Principal
    ) async throws -> Inspection {
        try await batcher.write { db in
            try AccessRules.requireManagement(
                try self.projectAccess(project, by: principal, in: db), for: .inspectBatches)
            guard
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT EXISTS (SELECT 1 FROM task_batch WHERE id = ?1 AND project_id = ?2
                                       AND id IS NOT (SELECT importing_batch_id FROM project WHERE id = ?2))
                        """,
                    arguments: [batch.rawValue, project.rawValue]) == true
            else { throw StoreError.notFound(.batch) }
            let open =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM inspection WHERE batch_id = ? AND status = 'open')",
                    arguments: [batch.rawValue]) ?? false
            guard !open else {
                throw StoreError.conflict(.notReviewable("batch \(batch) already has an open inspection"))
            }
            let sample = try Int64.fetchAll(
                db,
                sql: """
                    SELECT a.id FROM task t INDEXED BY task_batch_member JOIN annotation a ON a.task_id = t.id
                    WHERE t.batch_id = ? AND t.gold IS NULL AND a.status != 'rejected'
                      AND NOT EXISTS (SELECT 1 FROM review_item r WHERE r.annotation_id = a.id)
                    ORDER BY random() LIMIT ?
                    """,
                arguments: [batch.rawValue, sampleSize])
            guard !sample.isEmpty else {
                throw StoreError.conflict(.notReviewable("batch \(batch) has no annotations waiting to be inspected"))
            }
            let now = self.clock.now()
            try db.execute(
                sql: """
                    INSERT INTO inspection (project_id, batch_id, aql_ppm, sampled, created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    project.rawValue, batch.rawValue, PartsPerMillion.from(acceptableQuality), sample.count,
                    principal.userID.rawValue, now.rawValue,
                ])
            let id = InspectionID(db.lastInsertedRowID)
            for annotation in sample {
                try Self.enqueueReview(
                    of: AnnotationID(annotation), in: project.rawValue, inspection: id, at: now, db: db)
            }
            return try Self.fetchInspection(id, db: db)!
        }
    }

    public func inspection(_ id: InspectionID, by principal: Principal) async throws -> Inspection {
        try await pool.read { db in
            guard let inspection = try Self.fetchInspection(id, db: db),
                let access = try? self.projectAccess(inspection.projectID, by: principal, in: db), access.isOwner
            else { throw StoreError.notFound(.inspection) }
            return inspection
        }
    }

    static func fetchInspection(_ id: InspectionID, db: Database) throws -> Inspection? {
        try Row.fetchOneCached(db, sql: "SELECT * FROM inspection WHERE id = ?", arguments: [id.rawValue]).map(
            inspection(from:))
    }

    static func inspection(from row: Row) -> Inspection {
        Inspection(
            id: InspectionID(row["id"]), projectID: ProjectID(row["project_id"]), batchID: BatchID(row["batch_id"]),
            acceptableQuality: PartsPerMillion.share(row["aql_ppm"]), sampled: row["sampled"],
            decided: row["decided"], defects: row["defects"],
            status: InspectionStatus(rawValue: row["status"]) ?? .open,
            createdAt: Timestamp(rawValue: row["created_at"]),
            closedAt: (row["closed_at"] as Int64?).map(Timestamp.init(rawValue:)))
    }

    static func fetchReviews(
        _ db: Database, where condition: String, arguments: StatementArguments
    ) throws
        -> [ReviewRecord]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, annotation_id, reviewer_id, annotation_version, decision, comment, result, inspection_id,
                       created_at
                FROM review WHERE \(condition)
                """,
            arguments: arguments
        ).map { row in
            ReviewRecord(
                id: ReviewID(row["id"]), annotationID: AnnotationID(row["annotation_id"]),
                reviewerID: UserID(row["reviewer_id"]), annotationVersion: row["annotation_version"],
                decision: row["decision"], comment: row["comment"], resultJSON: row["result"],
                inspectionID: (row["inspection_id"] as Int64?).map { InspectionID($0) },
                createdAt: Timestamp(rawValue: row["created_at"]))
        }
    }
}
