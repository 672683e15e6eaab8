import LabelParkCore
import LabelParkStore
import Logging
import PostgresNIO

/// The review stage and acceptance inspections.
extension PostgresParkStore {
    public func claimNextReview(
        in project: ProjectID, inspection: InspectionID?, by principal: Principal
    ) async throws -> ReviewClaim? {
        let access = try await projectAccess(project, by: principal)
        try AccessRules.requireReviewing(access, inspection: inspection)
        // Two statements, each committing on its own, like a slot claim: reopen lapsed review leases, then
        // lease the next waiting item, stepping over those other reviewers are taking.
        return try await autocommit { connection in
            let now = self.clock.now()
            try await connection.run(
                """
                UPDATE review_item r SET state = 0, reviewer_id = NULL, lease_token = NULL, lease_expires_at = NULL
                FROM (SELECT annotation_id FROM review_item
                      WHERE project_id = \(project.rawValue) AND state = 1 AND lease_expires_at <= \(now.rawValue)
                      FOR UPDATE SKIP LOCKED) AS expired
                WHERE r.annotation_id = expired.annotation_id
                """, logger: self.logger)
            let token = self.tokens.next()
            let expiresAt = now.adding(seconds: access.project.leaseSeconds)
            guard
                let row = try await connection.first(
                    Self.claimReviewSQL(
                        project: project.rawValue, inspection: inspection?.rawValue,
                        reviewer: principal.userID.rawValue, token: token, expiresAt: expiresAt),
                    logger: self.logger)
            else { return nil }
            let (annotation, task) = try Self.annotationAndTask(from: row)
            return ReviewClaim(
                task: task, annotation: annotation, token: token, expiresAt: expiresAt, inspectionID: inspection)
        }
    }

    /// Leases the oldest waiting item of the project's review stage (`inspection` nil) or of one
    /// inspection's sample that is not the reviewer's own annotation, and returns the annotation and its
    /// task — one round trip. The candidate is locked with `SKIP LOCKED`, as in a slot claim.
    static func claimReviewSQL(
        project: Int64, inspection: Int64?, reviewer: Int64, token: LeaseToken, expiresAt: Timestamp
    ) -> PostgresQuery {
        """
        WITH candidate AS MATERIALIZED (
            SELECT r.annotation_id FROM review_item r
            WHERE r.project_id = \(project)::bigint AND r.state = 0
              AND r.inspection_id IS NOT DISTINCT FROM \(inspection)::bigint
              AND NOT EXISTS (
                  SELECT 1 FROM annotation a WHERE a.id = r.annotation_id AND a.annotator_id = \(reviewer)::bigint)
            ORDER BY r.created_at, r.annotation_id
            LIMIT 1
            FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE review_item r SET state = 1, reviewer_id = \(reviewer)::bigint, lease_token = \(token.rawValue)::text,
                                     lease_expires_at = \(expiresAt.rawValue)::bigint
            FROM candidate c WHERE r.annotation_id = c.annotation_id
            RETURNING r.annotation_id)
        SELECT a.id, a.task_id, a.project_id, a.annotator_id, a.result, a.version, a.status, a.late, a.lead_time_ms,
               a.created_at, a.updated_at, t.id, t.project_id, t.data, t.priority, t.created_at
        FROM claimed c JOIN annotation a ON a.id = c.annotation_id JOIN task t ON t.id = a.task_id
        """
    }

    /// An annotation (`annotationSelect`'s columns) followed by its task's columns.
    private static func annotationAndTask(from row: PostgresRow) throws -> (Annotation, TaskRecord) {
        let (id, task, project, annotator, result, version, status, late, leadTime, createdAt, updatedAt) =
            try row.decode((Int64, Int64, Int64, Int64, String, Int, String, Bool, Int64?, Int64, Int64).self)
        let cells = row.makeRandomAccess()
        let annotation = Annotation(
            id: AnnotationID(id), taskID: TaskID(task), projectID: ProjectID(project), annotatorID: UserID(annotator),
            resultJSON: result, version: version, status: AnnotationStatus(rawValue: status) ?? .submitted,
            isLate: late, leadTimeMilliseconds: leadTime, createdAt: Timestamp(rawValue: createdAt),
            updatedAt: Timestamp(rawValue: updatedAt))
        let record = TaskRecord(
            id: TaskID(try cells[11].decode(Int64.self)), projectID: ProjectID(try cells[12].decode(Int64.self)),
            dataJSON: try cells[13].decode(String.self), priority: try cells[14].decode(Int.self),
            createdAt: Timestamp(rawValue: try cells[15].decode(Int64.self)))
        return (annotation, record)
    }

    public func reviewClaim(_ token: LeaseToken, by principal: Principal) async throws -> ReviewClaim {
        try await read { connection in
            let item = try await self.liveReviewItem(
                token, by: principal, at: self.clock.now(), locking: false, on: connection)
            guard
                let row = try await connection.first(
                    """
                    SELECT a.id, a.task_id, a.project_id, a.annotator_id, a.result, a.version, a.status, a.late,
                           a.lead_time_ms, a.created_at, a.updated_at, t.id, t.project_id, t.data, t.priority,
                           t.created_at
                    FROM annotation a JOIN task t ON t.id = a.task_id WHERE a.id = \(item.annotationID)
                    """, logger: self.logger)
            else { throw StoreError.notFound(.review) }
            let (annotation, task) = try Self.annotationAndTask(from: row)
            return ReviewClaim(
                task: task, annotation: annotation, token: token, expiresAt: item.expiresAt,
                inspectionID: item.inspectionID.map { InspectionID($0) })
        }
    }

    /// The review item a live lease holds (locked when `locking`), refusing unknown, foreign and lapsed leases.
    private func liveReviewItem(
        _ token: LeaseToken, by principal: Principal, at now: Timestamp, locking: Bool = true,
        on connection: PostgresConnection
    ) async throws -> (annotationID: Int64, projectID: Int64, inspectionID: Int64?, expiresAt: Timestamp) {
        guard
            let row = try await connection.first(
                """
                SELECT annotation_id, project_id, inspection_id, reviewer_id, lease_expires_at
                FROM review_item WHERE lease_token = \(token.rawValue) \(unescaped: locking ? "FOR UPDATE" : "")
                """, logger: logger)
        else { throw StoreError.notFound(.review) }
        let (annotationID, projectID, inspectionID, reviewer, expiresAt) = try row.decode(
            (Int64, Int64, Int64?, Int64?, Int64?).self)
        guard reviewer == principal.userID.rawValue else { throw StoreError.notFound(.review) }
        guard let expiresAt, now < Timestamp(rawValue: expiresAt) else {
            throw StoreError.conflict(.leaseLapsed(.expired))
        }
        return (annotationID, projectID, inspectionID, Timestamp(rawValue: expiresAt))
    }

    public func renewReview(_ token: LeaseToken, by principal: Principal) async throws -> Timestamp {
        try await transaction { connection in
            let now = self.clock.now()
            let item = try await self.liveReviewItem(token, by: principal, at: now, on: connection)
            let access = try await self.projectAccess(ProjectID(item.projectID), by: principal, on: connection)
            let expiresAt = now.adding(seconds: access.project.leaseSeconds)
            try await connection.run(
                "UPDATE review_item SET lease_expires_at = \(expiresAt.rawValue) WHERE lease_token = \(token.rawValue)",
                logger: self.logger)
            return expiresAt
        }
    }

    public func releaseReview(_ token: LeaseToken, by principal: Principal) async throws {
        try await transaction { connection in
            _ = try await self.liveReviewItem(token, by: principal, at: self.clock.now(), on: connection)
            try await connection.run(
                """
                UPDATE review_item SET state = 0, reviewer_id = NULL, lease_token = NULL, lease_expires_at = NULL
                WHERE lease_token = \(token.rawValue)
                """, logger: self.logger)
        }
    }

    public func decideReview(
        _ token: LeaseToken, decision: ReviewDecision, by principal: Principal
    ) async throws -> ReviewOutcome {
        try await transaction { connection in
            let now = self.clock.now()
            let item = try await self.liveReviewItem(token, by: principal, at: now, on: connection)
            let inspection = item.inspectionID.map { InspectionID($0) }
            guard
                let reviewed = try await self.fetchAnnotations(
                    "\(unescaped: Self.annotationSelect) WHERE id = \(item.annotationID) FOR UPDATE", on: connection
                ).first
            else { throw StoreError.notFound(.annotation) }
            let reviewedVersion = reviewed.version
            if decision.replacesResult {
                try await Self.keepRevision(of: reviewed, on: connection, logger: self.logger)
            }
            let annotation = decision.applied(to: reviewed, at: now)
            try await connection.run(
                """
                UPDATE annotation SET status = \(annotation.status.rawValue), result = \(annotation.resultJSON),
                                      version = \(annotation.version), updated_at = \(now.rawValue)
                WHERE id = \(annotation.id.rawValue)
                """, logger: self.logger)
            var reopened = false
            if case .reject = decision {
                reopened = try await self.reopenIfAnnotatorsGone([annotation], on: connection)
            }
            let review = try await self.insertReviews(
                of: [annotation], version: { _ in reviewedVersion }, decision: decision, by: principal.userID,
                inspection: inspection, at: now, on: connection)[0]
            try await connection.run(
                "DELETE FROM review_item WHERE annotation_id = \(annotation.id.rawValue)", logger: self.logger)
            let closed = try await inspection.asyncFlatMap {
                try await self.countInspectionDecision(
                    $0, isDefect: decision.isDefect, by: principal.userID, at: now, on: connection)
            }
            return ReviewOutcome(
                annotation: annotation, review: review, reopenedForOthers: reopened, closedInspection: closed)
        }
    }

    /// Records one decision per annotation, in the order given, and returns them.
    private func insertReviews(
        of annotations: [Annotation], version: (Annotation) -> Int, decision: ReviewDecision, by reviewer: UserID,
        inspection: InspectionID?, at now: Timestamp, on connection: PostgresConnection
    ) async throws -> [ReviewRecord] {
        guard let projectID = annotations.first?.projectID else { return [] }
        let (comment, result): (String?, String?) =
            switch decision {
            case .accept: (nil, nil)
            case .reject(let comment): (comment, nil)
            case .fix(let resultJSON, let comment): (comment, resultJSON)
            }
        let ids = try await connection.run(
            """
            INSERT INTO review (annotation_id, project_id, reviewer_id, annotation_version, decision, comment, result,
                                inspection_id, created_at)
            SELECT annotation_id, \(projectID.rawValue), \(reviewer.rawValue), annotation_version, \(decision.name),
                   \(comment), \(result), \(inspection?.rawValue), \(now.rawValue)
            FROM unnest(\(annotations.map(\.id.rawValue))::bigint[], \(annotations.map(version))::int[])
                 WITH ORDINALITY AS r(annotation_id, annotation_version, position)
            ORDER BY position
            RETURNING id
            """, logger: logger
        ).map { try $0.decode(Int64.self) }
        // Identity values are drawn in insertion order, so sorting the returned ids restores the input order.
        return zip(annotations, ids.sorted()).map { annotation, id in
            ReviewRecord(
                id: ReviewID(id), annotationID: annotation.id, reviewerID: reviewer,
                annotationVersion: version(annotation), decision: decision.name, comment: comment,
                resultJSON: result, inspectionID: inspection, createdAt: now)
        }
    }

    /// Puts annotations in the review queue (the project's stage when `inspection` is `nil`); one already
    /// waiting stays where it is.
    static func enqueueReview(
        of annotations: [Int64], in project: Int64, inspection: Int64?, at now: Timestamp,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.run(
            """
            INSERT INTO review_item (annotation_id, project_id, inspection_id, created_at)
            SELECT id, \(project), \(inspection), \(now.rawValue) FROM unnest(\(annotations)::bigint[]) AS a(id)
            ON CONFLICT (annotation_id) DO NOTHING
            """, logger: logger)
    }

    /// Rejected annotations go back to their annotators, except those of annotators who can no longer work on
    /// the project (no membership that reaches it, or paused): their slots return to the queue for anyone,
    /// and the rejected annotations stay as they are, for the record. Returns whether any slot was reopened.
    private func reopenIfAnnotatorsGone(
        _ annotations: [Annotation], on connection: PostgresConnection
    ) async throws -> Bool {
        guard let project = annotations.first?.projectID.rawValue else { return false }
        let reopened = try await connection.run(
            """
            WITH rejected AS (
                SELECT task_id, annotator_id
                FROM unnest(\(annotations.map(\.taskID.rawValue))::bigint[],
                            \(annotations.map(\.annotatorID.rawValue))::bigint[]) AS r(task_id, annotator_id)),
            gone AS (
                SELECT DISTINCT r.annotator_id FROM rejected r
                WHERE NOT EXISTS (
                          SELECT 1 FROM membership m JOIN project p ON p.id = \(project)
                          WHERE m.account_id = r.annotator_id AND m.status = 'active'
                            AND (m.organization_id = p.organization_id
                                 OR m.organization_id IN (
                                     SELECT organization_id FROM project_grant WHERE project_id = \(project))))
                   OR EXISTS (
                          SELECT 1 FROM annotator_standing
                          WHERE project_id = \(project) AND annotator_id = r.annotator_id AND paused_at IS NOT NULL))
            UPDATE slot s SET state = 0, annotator_id = NULL, lease_token = NULL, lease_expires_at = NULL
            FROM rejected r JOIN gone g ON g.annotator_id = r.annotator_id
            WHERE s.task_id = r.task_id AND s.annotator_id = r.annotator_id
            RETURNING 1
            """, logger: logger)
        guard !reopened.isEmpty else { return false }
        try await connection.run(
            "UPDATE project SET queue_generation = queue_generation + 1 WHERE id = \(project)", logger: logger)
        return true
    }

    /// Counts one decision of an inspection's sample; when it was the last, closes the inspection and
    /// accepts or returns the batch. Returns the inspection if it closed.
    private func countInspectionDecision(
        _ id: InspectionID, isDefect: Bool, by inspector: UserID, at now: Timestamp, on connection: PostgresConnection
    ) async throws -> Inspection? {
        // The update locks the inspection's row, so parallel decisions of one sample count one at a time and
        // exactly one of them sees the last.
        let row = try await connection.first(
            """
            UPDATE inspection SET decided = decided + 1, defects = defects + \(isDefect ? 1 : 0)
            WHERE id = \(id.rawValue)
            RETURNING \(unescaped: Self.inspectionColumns)
            """, logger: logger)!
        var inspection = try Self.inspection(from: row)
        guard inspection.decided >= inspection.sampled, inspection.status == .open else { return nil }
        let verdict = inspection.verdict
        inspection.status = verdict.passes ? .passed : .failed
        inspection.closedAt = now
        try await connection.run(
            """
            UPDATE inspection SET status = \(inspection.status.rawValue), closed_at = \(now.rawValue)
            WHERE id = \(id.rawValue)
            """, logger: logger)
        let batch = inspection.batchID.rawValue
        if verdict.passes {
            try await connection.run("UPDATE task_batch SET status = 'accepted' WHERE id = \(batch)", logger: logger)
            try await connection.run(
                """
                UPDATE annotation SET status = 'accepted', updated_at = \(now.rawValue)
                WHERE status = 'submitted' AND task_id IN (SELECT id FROM task WHERE batch_id = \(batch) AND gold IS NULL)
                """, logger: logger)
            return inspection
        }
        try await connection.run("UPDATE task_batch SET status = 'returned' WHERE id = \(batch)", logger: logger)
        let returned = try await fetchAnnotations(
            """
            UPDATE annotation SET status = 'rejected', updated_at = \(now.rawValue)
            WHERE status IN ('submitted', 'accepted')
              AND task_id IN (SELECT id FROM task WHERE batch_id = \(batch) AND gold IS NULL)
            RETURNING \(unescaped: Self.annotationColumns)
            """, on: connection
        ).sorted { $0.id.rawValue < $1.id.rawValue }
        guard !returned.isEmpty else { return inspection }
        try await connection.run(
            "DELETE FROM review_item WHERE annotation_id = ANY(\(returned.map(\.id.rawValue)))", logger: logger)
        _ = try await insertReviews(
            of: returned, version: \.version,
            decision: .reject(comment: verdict.returnComment(batch: batch, inspection: id.rawValue)), by: inspector,
            inspection: id, at: now, on: connection)
        _ = try await reopenIfAnnotatorsGone(returned, on: connection)
        return inspection
    }

    public func reviews(of annotation: AnnotationID, by principal: Principal) async throws -> [ReviewRecord] {
        try await read { connection in
            guard
                let found = try await self.fetchAnnotations(
                    "\(unescaped: Self.annotationSelect) WHERE id = \(annotation.rawValue)", on: connection
                ).first
            else { throw StoreError.notFound(.annotation) }
            let access = try? await self.projectAccess(found.projectID, by: principal, on: connection)
            let rule = try AccessRules.reviewHistoryAccess(
                annotatorID: found.annotatorID, access: access, by: principal)
            if rule == .ifReviewedByCaller {
                let caller = principal.userID.rawValue
                let reviewed = try await connection.first(
                    """
                    SELECT EXISTS (SELECT 1 FROM review WHERE annotation_id = \(annotation.rawValue) AND reviewer_id = \(caller))
                        OR EXISTS (SELECT 1 FROM review_item
                                   WHERE annotation_id = \(annotation.rawValue) AND reviewer_id = \(caller) AND state = 1)
                    """, logger: self.logger)?.decode(Bool.self)
                guard reviewed == true else { throw StoreError.notFound(.annotation) }
            }
            return try await self.fetchReviews(
                "\(unescaped: Self.reviewSelect) WHERE annotation_id = \(annotation.rawValue) ORDER BY id",
                on: connection)
        }
    }

    public func rework(by principal: Principal, in project: ProjectID?) async throws -> [ReworkItem] {
        let annotator = principal.userID.rawValue
        return try await read { connection in
            // The newest 500 rejections are read first and filtered after, as on SQLite. A rejection whose
            // slot went to someone else is no longer this annotator's to rework.
            let rows = try await connection.run(
                """
                SELECT a.id, a.task_id, a.project_id, a.annotator_id, a.result, a.version, a.status, a.late,
                       a.lead_time_ms, a.created_at, a.updated_at,
                       r.id, r.annotation_id, r.reviewer_id, r.annotation_version, r.decision, r.comment, r.result,
                       r.inspection_id, r.created_at
                FROM (\(unescaped: Self.annotationSelect)
                      WHERE annotator_id = \(annotator) AND status = 'rejected'
                        AND (\(project?.rawValue)::bigint IS NULL OR project_id = \(project?.rawValue))
                      ORDER BY updated_at DESC, id DESC LIMIT 500) AS a
                JOIN LATERAL (
                    SELECT * FROM review
                    WHERE annotation_id = a.id AND decision = 'reject' ORDER BY id DESC LIMIT 1) AS r ON true
                WHERE a.late OR EXISTS (SELECT 1 FROM slot s WHERE s.task_id = a.task_id AND s.annotator_id = \(annotator))
                ORDER BY a.updated_at DESC, a.id DESC
                """, logger: self.logger)
            return try rows.map { row in
                let (id, task, project, annotator, result, version, status, late, leadTime, createdAt, updatedAt) =
                    try row.decode(
                        (Int64, Int64, Int64, Int64, String, Int, String, Bool, Int64?, Int64, Int64).self)
                let annotation = Annotation(
                    id: AnnotationID(id), taskID: TaskID(task), projectID: ProjectID(project),
                    annotatorID: UserID(annotator), resultJSON: result, version: version,
                    status: AnnotationStatus(rawValue: status) ?? .submitted, isLate: late,
                    leadTimeMilliseconds: leadTime, createdAt: Timestamp(rawValue: createdAt),
                    updatedAt: Timestamp(rawValue: updatedAt))
                return ReworkItem(annotation: annotation, rejection: try Self.review(from: row, startingAt: 11))
            }
        }
    }

    public func batches(of project: ProjectID, by principal: Principal) async throws -> [TaskBatch] {
        try await read { connection in
            try AccessRules.requireManagement(
                try await self.projectAccess(project, by: principal, on: connection), for: .inspectBatches)
            let inspections = Dictionary(
                grouping: try await connection.run(
                    """
                    SELECT \(unescaped: Self.inspectionColumns) FROM inspection
                    WHERE project_id = \(project.rawValue) ORDER BY id
                    """, logger: self.logger
                ).map(Self.inspection(from:)),
                by: \.batchID)
            return try await connection.run(
                """
                SELECT id, task_count, status, created_at FROM task_batch
                WHERE project_id = \(project.rawValue) ORDER BY id DESC
                """, logger: self.logger
            ).map { row in
                let (id, count, status, createdAt) = try row.decode((Int64, Int, String, Int64).self)
                return TaskBatch(
                    id: BatchID(id), projectID: project, taskCount: count,
                    status: BatchStatus(rawValue: status) ?? .open,
                    createdAt: Timestamp(rawValue: createdAt), inspections: inspections[BatchID(id)] ?? [])
            }
        }
    }

    public func startInspection(
        of batch: BatchID, in project: ProjectID, sampleSize: Int, acceptableQuality: Double, by principal: Principal
    ) async throws -> Inspection {
        try await transaction { connection in
            try AccessRules.requireManagement(
                try await self.projectAccess(project, by: principal, on: connection), for: .inspectBatches)
            // Locking the batch makes two managers starting an inspection of it at once take turns, so the
            // second finds the first's open inspection.
            guard
                try await connection.first(
                    """
                    SELECT 1 FROM task_batch WHERE id = \(batch.rawValue) AND project_id = \(project.rawValue)
                    FOR UPDATE
                    """, logger: self.logger) != nil
            else { throw StoreError.notFound(.batch) }
            let open = try await connection.first(
                "SELECT EXISTS (SELECT 1 FROM inspection WHERE batch_id = \(batch.rawValue) AND status = 'open')",
                logger: self.logger)!.decode(Bool.self)
            guard !open else {
                throw StoreError.conflict(.notReviewable("batch \(batch) already has an open inspection"))
            }
            // A negative size means no limit, as SQLite reads it.
            let sample = try await connection.run(
                """
                SELECT a.id FROM task t JOIN annotation a ON a.task_id = t.id
                WHERE t.batch_id = \(batch.rawValue) AND t.gold IS NULL AND a.status != 'rejected'
                  AND NOT EXISTS (SELECT 1 FROM review_item r WHERE r.annotation_id = a.id)
                ORDER BY random() LIMIT \(sampleSize < 0 ? nil : sampleSize)::bigint
                """, logger: self.logger
            ).map { try $0.decode(Int64.self) }
            guard !sample.isEmpty else {
                throw StoreError.conflict(.notReviewable("batch \(batch) has no annotations waiting to be inspected"))
            }
            let now = self.clock.now()
            let row = try await connection.first(
                """
                INSERT INTO inspection (project_id, batch_id, aql_ppm, sampled, created_by, created_at)
                VALUES (\(project.rawValue), \(batch.rawValue), \(PartsPerMillion.from(acceptableQuality)),
                        \(sample.count), \(principal.userID.rawValue), \(now.rawValue))
                RETURNING \(unescaped: Self.inspectionColumns)
                """, logger: self.logger)!
            let inspection = try Self.inspection(from: row)
            try await Self.enqueueReview(
                of: sample, in: project.rawValue, inspection: inspection.id.rawValue, at: now, on: connection,
                logger: self.logger)
            return inspection
        }
    }

    public func inspection(_ id: InspectionID, by principal: Principal) async throws -> Inspection {
        try await read { connection in
            guard
                let row = try await connection.first(
                    "SELECT \(unescaped: Self.inspectionColumns) FROM inspection WHERE id = \(id.rawValue)",
                    logger: self.logger)
            else { throw StoreError.notFound(.inspection) }
            let inspection = try Self.inspection(from: row)
            guard let access = try? await self.projectAccess(inspection.projectID, by: principal, on: connection),
                access.isOwner
            else { throw StoreError.notFound(.inspection) }
            return inspection
        }
    }

    static let inspectionColumns = """
        id, project_id, batch_id, aql_ppm, sampled, decided, defects, status, created_at, closed_at
        """

    private static func inspection(from row: PostgresRow) throws -> Inspection {
        let (id, project, batch, aql, sampled, decided, defects, status, createdAt, closedAt) = try row.decode(
            (Int64, Int64, Int64, Int64, Int, Int, Int, String, Int64, Int64?).self)
        return Inspection(
            id: InspectionID(id), projectID: ProjectID(project), batchID: BatchID(batch),
            acceptableQuality: PartsPerMillion.share(aql), sampled: sampled, decided: decided, defects: defects,
            status: InspectionStatus(rawValue: status) ?? .open, createdAt: Timestamp(rawValue: createdAt),
            closedAt: closedAt.map(Timestamp.init(rawValue:)))
    }

    static let reviewSelect = """
        SELECT id, annotation_id, reviewer_id, annotation_version, decision, comment, result, inspection_id, created_at
        FROM review
        """

    /// Runs a query that starts with `reviewSelect` and maps its rows.
    private func fetchReviews(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [ReviewRecord]
    {
        try await connection.run(query, logger: logger).map { try Self.review(from: $0, startingAt: 0) }
    }

    /// A review from `reviewSelect`'s columns, starting at column `first` of the row.
    private static func review(from row: PostgresRow, startingAt first: Int) throws -> ReviewRecord {
        let cells = row.makeRandomAccess()
        return ReviewRecord(
            id: ReviewID(try cells[first].decode(Int64.self)),
            annotationID: AnnotationID(try cells[first + 1].decode(Int64.self)),
            reviewerID: UserID(try cells[first + 2].decode(Int64.self)),
            annotationVersion: try cells[first + 3].decode(Int.self),
            decision: try cells[first + 4].decode(String.self),
            comment: try cells[first + 5].decode(String?.self), resultJSON: try cells[first + 6].decode(String?.self),
            inspectionID: try cells[first + 7].decode(Int64?.self).map { InspectionID($0) },
            createdAt: Timestamp(rawValue: try cells[first + 8].decode(Int64.self)))
    }
}

extension Optional {
    /// `flatMap` for an asynchronous transform.
    fileprivate func asyncFlatMap<Result>(
        _ transform: (Wrapped) async throws -> Result?
    ) async rethrows -> Result? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension PostgresParkStore {
    /// Saves the annotation's current version as a revision before it is replaced.
    static func keepRevision(of annotation: Annotation, on connection: PostgresConnection, logger: Logger) async throws
    {
        try await connection.run(
            """
            INSERT INTO annotation_revision (annotation_id, version, result, lead_time_ms, created_at)
            VALUES (\(annotation.id.rawValue), \(annotation.version), \(annotation.resultJSON),
                    \(annotation.leadTimeMilliseconds), \(annotation.updatedAt.rawValue))
            """, logger: logger)
    }
}
