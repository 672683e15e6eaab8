import GRDB
import LabelParkCore
import LabelParkStore

extension SQLiteParkStore {
    public func claimNextSlot(in project: ProjectID, by principal: Principal) async throws -> Claim? {
        let annotator = principal.userID.rawValue
        let projectID = project.rawValue
        // The access check runs inside the write (projects are cached, so it is cheap there): one trip to
        // the writer instead of a read first, which at thousands of claims a second is the larger cost.
        return try await batcher.write { db in
            let access = try self.projectAccess(project, by: principal, in: db)
            let leaseMilliseconds = Int64(access.project.leaseSeconds) * 1000
            let now = self.clock.now()
            try Self.refuseIfPaused(principal.userID, in: projectID, db: db)
            let queue = try Row.fetchOneCached(
                db, sql: "SELECT queue_generation, importing_from_task_id FROM project WHERE id = ?",
                arguments: [projectID])
            var generation: Int64 = queue?["queue_generation"] ?? 0
            let importingFrom: Int64? = queue?["importing_from_task_id"]
            generation += try Self.reapExpiredLeases(in: projectID, at: now, db: db)
            let exhaustedAt = try Int64.fetchOneCached(
                db, sql: "SELECT generation FROM queue_exhaustion WHERE project_id = ? AND annotator_id = ?",
                arguments: [projectID, annotator])
            if exhaustedAt == generation { return nil }

            let found =
                if let importingFrom {
                    try Self.nextOpenSlot(in: projectID, for: annotator, below: importingFrom, db: db)
                } else {
                    try Row.fetchOneCached(db, sql: Self.nextOpenSlotSQL, arguments: [projectID, annotator])
                }
            guard let slot = found else {
                try db.executeCached(
                    sql: """
                        INSERT INTO queue_exhaustion (project_id, annotator_id, generation) VALUES (?1, ?2, ?3)
                        ON CONFLICT (project_id, annotator_id) DO UPDATE SET generation = ?3
                        """,
                    arguments: [projectID, annotator, generation])
                return nil
            }
            let expiresAt = now.adding(milliseconds: leaseMilliseconds)
            // Gold is mixed in only while there is work to mix it into: the slot found stays open if so.
            if try self.servesGold(to: annotator, in: projectID, policy: access.project.quality, db: db),
                let gold = try self.claimGoldTask(
                    for: annotator, in: projectID, below: importingFrom ?? .max, now: now, expiresAt: expiresAt, db: db)
            {
                return gold
            }
            let taskID: Int64 = slot["task_id"]
            let slotIndex: Int = slot["slot_index"]
            let token = self.tokens.next()
            try db.executeCached(
                sql: """
                    UPDATE slot SET state = 1, annotator_id = ?, lease_token = ?, lease_expires_at = ?
                    WHERE task_id = ? AND slot_index = ?
                    """,
                arguments: [annotator, token.rawValue, expiresAt.rawValue, taskID, slotIndex])
            try db.executeCached(
                sql: "INSERT INTO lease (token, task_id, slot_index, annotator_id, claimed_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [token.rawValue, taskID, slotIndex, annotator, now.rawValue])
            guard
                let taskRow = try Row.fetchOneCached(
                    db, sql: "SELECT id, project_id, data, priority, created_at, prefill FROM task WHERE id = ?",
                    arguments: [taskID])
            else { throw StoreError.notFound(.task) }
            return Claim(task: Self.task(from: taskRow), token: token, expiresAt: expiresAt)
        }
    }

    /// The first open slot in hand-out order whose task the annotator (`?2`) neither holds, answered nor
    /// skipped.
    ///
    /// The partial index keeps this O(log n) in the project's size (docs/ARCHITECTURE.md); a test reads
    /// its query plan so a schema change cannot quietly turn it into a scan.
    static let nextOpenSlotSQL = """
        SELECT s.task_id, s.slot_index FROM slot s INDEXED BY slot_queue
        WHERE s.project_id = ?1 AND s.state = 0
          AND NOT EXISTS (SELECT 1 FROM slot h WHERE h.task_id = s.task_id AND h.annotator_id = ?2)
          AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.task_id = s.task_id AND a.annotator_id = ?2)
          AND NOT EXISTS (SELECT 1 FROM task_skip k WHERE k.task_id = s.task_id AND k.annotator_id = ?2)
        ORDER BY s.priority DESC, s.slot_index, s.task_id
        LIMIT 1
        """

    /// `nextOpenSlotSQL` while an import is being written: the first open slot of a task below the import's
    /// first id.
    ///
    /// One query over the whole index would walk past every unpublished slot of a (priority, slot index)
    /// group before reaching the next group, and an import may hold a million. The import's tasks have the
    /// highest ids, so they end each group: this looks for a slot group by group, each look a seek
    /// bounded by `below`, and moves to the next group with one more seek. The groups are the distinct
    /// (priority, slot index) pairs with open slots, a handful in practice.
    static func nextOpenSlot(in project: Int64, for annotator: Int64, below bound: Int64, db: Database) throws -> Row? {
        var group = try Row.fetchOneCached(
            db,
            sql: """
                SELECT priority, slot_index FROM slot INDEXED BY slot_queue WHERE project_id = ? AND state = 0
                ORDER BY priority DESC, slot_index, task_id LIMIT 1
                """,
            arguments: [project])
        while let current = group {
            let priority: Int64 = current["priority"]
            let slotIndex: Int64 = current["slot_index"]
            if let slot = try Row.fetchOneCached(
                db, sql: nextOpenSlotInGroupSQL, arguments: [project, annotator, priority, slotIndex, bound])
            {
                return slot
            }
            group =
                try Row.fetchOneCached(
                    db,
                    sql: """
                        SELECT priority, slot_index FROM slot INDEXED BY slot_queue
                        WHERE project_id = ? AND state = 0 AND priority = ? AND slot_index > ?
                        ORDER BY priority DESC, slot_index, task_id LIMIT 1
                        """,
                    arguments: [project, priority, slotIndex])
                ?? Row.fetchOneCached(
                    db,
                    sql: """
                        SELECT priority, slot_index FROM slot INDEXED BY slot_queue
                        WHERE project_id = ? AND state = 0 AND priority < ?
                        ORDER BY priority DESC, slot_index, task_id LIMIT 1
                        """,
                    arguments: [project, priority])
        }
        return nil
    }

    /// The first open slot of one (priority `?3`, slot index `?4`) group below task id `?5` that the
    /// annotator (`?2`) neither holds, answered nor skipped.
    static let nextOpenSlotInGroupSQL = """
        SELECT s.task_id, s.slot_index FROM slot s INDEXED BY slot_queue
        WHERE s.project_id = ?1 AND s.state = 0 AND s.priority = ?3 AND s.slot_index = ?4 AND s.task_id < ?5
          AND NOT EXISTS (SELECT 1 FROM slot h WHERE h.task_id = s.task_id AND h.annotator_id = ?2)
          AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.task_id = s.task_id AND a.annotator_id = ?2)
          AND NOT EXISTS (SELECT 1 FROM task_skip k WHERE k.task_id = s.task_id AND k.annotator_id = ?2)
        ORDER BY s.task_id
        LIMIT 1
        """

    /// Returns expired leases of a project to the queue; returns 1 when it reopened any (and bumped the
    /// project's queue generation), 0 otherwise.
    private static func reapExpiredLeases(in project: Int64, at now: Timestamp, db: Database) throws -> Int64 {
        try db.executeCached(
            sql: """
                UPDATE slot SET state = 0, annotator_id = NULL, lease_token = NULL, lease_expires_at = NULL
                WHERE project_id = ? AND state = 1 AND lease_expires_at <= ?
                """,
            arguments: [project, now.rawValue])
        guard db.changesCount > 0 else { return 0 }
        try bumpQueueGeneration(of: project, db: db)
        return 1
    }

    private static func bumpQueueGeneration(of project: Int64, db: Database) throws {
        try db.executeCached(
            sql: "UPDATE project SET queue_generation = queue_generation + 1 WHERE id = ?", arguments: [project])
    }

    /// The lease a token names, with whether its slot still carries it.
    private static func leaseRecord(_ token: LeaseToken, db: Database) throws -> LeaseRecord? {
        guard
            let row = try Row.fetchOneCached(
                db,
                sql: """
                    SELECT l.task_id, l.slot_index, l.annotator_id,
                           coalesce(s.state, g.state) AS state, coalesce(s.lease_token, g.lease_token) AS lease_token,
                           coalesce(s.lease_expires_at, g.lease_expires_at) AS lease_expires_at
                    FROM lease l
                    LEFT JOIN slot s ON l.slot_index >= 0 AND s.task_id = l.task_id AND s.slot_index = l.slot_index
                    LEFT JOIN gold_slot g ON l.slot_index < 0 AND g.task_id = l.task_id AND g.annotator_id = l.annotator_id
                    WHERE l.token = ?
                    """,
                arguments: [token.rawValue])
        else { return nil }
        let isCurrent = (row["state"] as Int?) == 1 && (row["lease_token"] as String?) == token.rawValue
        return LeaseRecord(
            token: token, taskID: TaskID(row["task_id"]), slotIndex: row["slot_index"],
            annotatorID: UserID(row["annotator_id"]),
            isCurrent: isCurrent, expiresAt: Timestamp(rawValue: (row["lease_expires_at"] as Int64?) ?? 0))
    }

    public func leasedTask(_ token: LeaseToken, by principal: Principal) async throws -> (TaskRecord, Project) {
        try await pool.read { db in
            guard let lease = try Self.leaseRecord(token, db: db), lease.annotatorID == principal.userID,
                let row = try Row.fetchOneCached(
                    db, sql: "SELECT id, project_id, data, priority, created_at, prefill FROM task WHERE id = ?",
                    arguments: [lease.taskID.rawValue])
            else { throw StoreError.notFound(.lease) }
            let task = Self.task(from: row)
            let project = try self.projectAccess(task.projectID, by: principal, in: db).project
            return (task, project)
        }
    }

    public func renewLease(_ token: LeaseToken, by principal: Principal) async throws -> Timestamp {
        try await batcher.write { db in
            let now = self.clock.now()
            let lease = try LeaseRules.leaseToRenew(
                try Self.leaseRecord(token, db: db), by: principal.userID, at: now)
            let leaseSeconds =
                try Int.fetchOneCached(
                    db, sql: "SELECT p.lease_seconds FROM task t JOIN project p ON p.id = t.project_id WHERE t.id = ?",
                    arguments: [lease.taskID.rawValue]) ?? 0
            let expiresAt = now.adding(seconds: leaseSeconds)
            if lease.isGold {
                try db.executeCached(
                    sql:
                        "UPDATE gold_slot SET lease_expires_at = ? WHERE task_id = ? AND annotator_id = ? AND lease_token = ?",
                    arguments: [expiresAt.rawValue, lease.taskID.rawValue, principal.userID.rawValue, token.rawValue])
            } else {
                try db.executeCached(
                    sql:
                        "UPDATE slot SET lease_expires_at = ? WHERE task_id = ? AND slot_index = ? AND lease_token = ?",
                    arguments: [expiresAt.rawValue, lease.taskID.rawValue, lease.slotIndex, token.rawValue])
            }
            return expiresAt
        }
    }

    public func releaseLease(_ token: LeaseToken, by principal: Principal, skipping: Bool) async throws {
        try await batcher.write { db in
            let lease = try LeaseRules.leaseToRelease(try Self.leaseRecord(token, db: db), by: principal.userID)
            if lease.isGold {
                // A gold task released unanswered may come back to the same annotator later, like any task.
                try db.executeCached(
                    sql: "DELETE FROM gold_slot WHERE task_id = ? AND annotator_id = ? AND lease_token = ?",
                    arguments: [lease.taskID.rawValue, principal.userID.rawValue, token.rawValue])
            } else {
                try db.executeCached(
                    sql: """
                        UPDATE slot SET state = 0, annotator_id = NULL, lease_token = NULL, lease_expires_at = NULL
                        WHERE task_id = ? AND slot_index = ? AND lease_token = ?
                        """,
                    arguments: [lease.taskID.rawValue, lease.slotIndex, token.rawValue])
                let project = try Int64.fetchOneCached(
                    db, sql: "SELECT project_id FROM task WHERE id = ?", arguments: [lease.taskID.rawValue])!
                try Self.bumpQueueGeneration(of: project, db: db)
            }
            if skipping {
                try db.executeCached(
                    sql: "INSERT OR IGNORE INTO task_skip (task_id, annotator_id, skipped_at) VALUES (?, ?, ?)",
                    arguments: [lease.taskID.rawValue, principal.userID.rawValue, self.clock.now().rawValue])
            }
        }
    }

    public func submit(_ submission: NewSubmission, by principal: Principal) async throws -> SubmissionReceipt {
        try await batcher.write { db in
            let now = self.clock.now()
            let annotator = principal.userID.rawValue
            if let key = submission.idempotencyKey,
                let previous = try Self.fetchAnnotation(
                    db, where: "annotator_id = ? AND idempotency_key = ?", arguments: [annotator, key])
            {
                guard previous.taskID == submission.taskID else { throw StoreError.conflict(.idempotencyKeyReused) }
                return SubmissionReceipt(annotation: previous, isReplay: true)
            }
            let (lease, decision) = try LeaseRules.submissionOutcome(
                presenting: try Self.leaseRecord(submission.leaseToken, db: db), for: submission.taskID,
                by: principal.userID, at: now)
            if let existing = try Int64.fetchOneCached(
                db, sql: "SELECT id FROM annotation WHERE task_id = ? AND annotator_id = ?",
                arguments: [submission.taskID.rawValue, annotator])
            {
                throw StoreError.conflict(.alreadyAnnotated(AnnotationID(existing)))
            }
            let isLate: Bool
            switch decision {
            case .fillSlot where lease.isGold:
                isLate = false
            case .fillSlot:
                isLate = false
                try db.executeCached(
                    sql:
                        "UPDATE slot SET state = 2, lease_expires_at = NULL WHERE task_id = ? AND slot_index = ? AND lease_token = ?",
                    arguments: [submission.taskID.rawValue, lease.slotIndex, submission.leaseToken.rawValue])
            case .storeLate:
                isLate = true
            case .rejectUnknownLease:
                throw StoreError.notFound(.lease)
            }
            let taskRow = try Row.fetchOneCached(
                db, sql: "SELECT project_id, gold FROM task WHERE id = ?", arguments: [submission.taskID.rawValue])!
            let projectID: Int64 = taskRow["project_id"]
            try db.executeCached(
                sql: """
                    INSERT INTO annotation (task_id, project_id, annotator_id, result, late, lease_token, idempotency_key,
                                            lead_time_ms, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    submission.taskID.rawValue, projectID, annotator, submission.resultJSON, isLate,
                    submission.leaseToken.rawValue, submission.idempotencyKey, submission.leadTimeMilliseconds,
                    now.rawValue, now.rawValue,
                ])
            let annotation = Annotation(
                id: AnnotationID(db.lastInsertedRowID), taskID: submission.taskID, projectID: ProjectID(projectID),
                annotatorID: principal.userID, resultJSON: submission.resultJSON, version: 1, status: .submitted,
                isLate: isLate, leadTimeMilliseconds: submission.leadTimeMilliseconds, createdAt: now, updatedAt: now)
            // The submission is stored whatever became of the annotator's access since the claim.
            let project = try self.cachedProject(ProjectID(projectID), in: db)!
            if let gold = taskRow["gold"] as String? {
                try self.recordGoldAnswer(annotation, gold: gold, project: project, at: now, db: db)
            } else if project.quality.review.selects(draw: self.draws.next()) {
                try Self.enqueueReview(of: annotation.id, in: projectID, inspection: nil, at: now, db: db)
            }
            return SubmissionReceipt(annotation: annotation, isReplay: false)
        }
    }

    public func editAnnotation(
        _ id: AnnotationID, resultJSON: String, expectedVersion: Int, leadTimeMilliseconds: Int64?,
        by principal: Principal
    ) async throws -> Annotation {
        try await batcher.write { db in
            let now = self.clock.now()
            guard
                var annotation = try Self.fetchAnnotation(
                    db, where: "id = ? AND annotator_id = ?", arguments: [id.rawValue, principal.userID.rawValue])
            else { throw StoreError.notFound(.annotation) }
            guard annotation.version == expectedVersion else {
                throw StoreError.conflict(.staleVersion(current: annotation.version))
            }
            try Self.keepRevision(of: annotation, db: db)
            try db.executeCached(
                sql: """
                    UPDATE annotation SET result = ?, version = version + 1, lead_time_ms = ?, updated_at = ?,
                                          status = 'submitted'
                    WHERE id = ?
                    """,
                arguments: [resultJSON, leadTimeMilliseconds, now.rawValue, id.rawValue])
            // A changed answer after a decision (rework of a rejection, or second thoughts after acceptance)
            // is reviewed again.
            if annotation.status != .submitted {
                try Self.enqueueReview(of: id, in: annotation.projectID.rawValue, inspection: nil, at: now, db: db)
                annotation.status = .submitted
            }
            annotation.resultJSON = resultJSON
            annotation.version += 1
            annotation.leadTimeMilliseconds = leadTimeMilliseconds
            annotation.updatedAt = now
            return annotation
        }
    }

    public func annotation(_ id: AnnotationID, by principal: Principal) async throws -> Annotation {
        try await pool.read { db in try self.visibleAnnotation(id, by: principal, in: db) }
    }

    /// An annotation the principal may read: their own, or one in a project they manage.
    private func visibleAnnotation(_ id: AnnotationID, by principal: Principal, in db: Database) throws -> Annotation {
        guard let annotation = try Self.fetchAnnotation(db, where: "id = ?", arguments: [id.rawValue]) else {
            throw StoreError.notFound(.annotation)
        }
        if annotation.annotatorID == principal.userID { return annotation }
        let access = try? projectAccess(annotation.projectID, by: principal, in: db)
        guard access?.canManage == true else { throw StoreError.notFound(.annotation) }
        return annotation
    }

    public func revisions(of id: AnnotationID, by principal: Principal) async throws -> [AnnotationRevision] {
        try await pool.read { db in
            _ = try self.visibleAnnotation(id, by: principal, in: db)
            return try Row.fetchAll(
                db,
                sql:
                    "SELECT version, result, lead_time_ms, created_at FROM annotation_revision WHERE annotation_id = ? ORDER BY version",
                arguments: [id.rawValue]
            ).map { row in
                AnnotationRevision(
                    version: row["version"], resultJSON: row["result"], leadTimeMilliseconds: row["lead_time_ms"],
                    createdAt: Timestamp(rawValue: row["created_at"]))
            }
        }
    }

    public func annotations(
        by principal: Principal, in project: ProjectID?, before cursor: AnnotationID?, limit: Int
    ) async throws -> [Annotation] {
        try await pool.read { db in
            var conditions = ["annotator_id = ?"]
            var arguments: [any DatabaseValueConvertible] = [principal.userID.rawValue]
            if let project {
                conditions.append("project_id = ?")
                arguments.append(project.rawValue)
            }
            if let cursor {
                conditions.append("id < ?")
                arguments.append(cursor.rawValue)
            }
            return try Self.fetchAnnotations(
                db, where: conditions.joined(separator: " AND ") + " ORDER BY id DESC LIMIT \(max(1, min(limit, 500)))",
                arguments: StatementArguments(arguments))
        }
    }

    static let annotationColumns = """
        id, task_id, project_id, annotator_id, result, version, status, late, lead_time_ms, created_at, updated_at
        """

    static func fetchAnnotation(
        _ db: Database, where condition: String, arguments: StatementArguments
    ) throws -> Annotation? {
        try fetchAnnotations(db, where: condition + " LIMIT 1", arguments: arguments).first
    }

    static func fetchAnnotations(
        _ db: Database, where condition: String, arguments: StatementArguments
    ) throws -> [Annotation] {
        try Row.fetchAllCached(
            db, sql: "SELECT \(annotationColumns) FROM annotation WHERE \(condition)", arguments: arguments
        ).map {
            row in
            Annotation(
                id: AnnotationID(row["id"]), taskID: TaskID(row["task_id"]), projectID: ProjectID(row["project_id"]),
                annotatorID: UserID(row["annotator_id"]), resultJSON: row["result"], version: row["version"],
                status: AnnotationStatus(rawValue: row["status"]) ?? .submitted, isLate: row["late"],
                leadTimeMilliseconds: row["lead_time_ms"], createdAt: Timestamp(rawValue: row["created_at"]),
                updatedAt: Timestamp(rawValue: row["updated_at"]))
        }
    }
}
