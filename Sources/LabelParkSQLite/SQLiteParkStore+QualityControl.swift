import GRDB
import LabelParkCore
import LabelParkStore

/// Auto-pause as managers see it, and dynamic overlap.
extension SQLiteParkStore {
    public func pausedAnnotators(in project: ProjectID, by principal: Principal) async throws -> [AnnotatorPause] {
        try await pool.read { db in
            try AccessRules.requireManagement(
                try self.projectAccess(project, by: principal, in: db), for: .reinstateAnnotators)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT s.annotator_id, a.display_name, s.paused_at, s.pause_accuracy_ppm, s.pause_window
                    FROM annotator_standing s JOIN account a ON a.id = s.annotator_id
                    WHERE s.project_id = ? AND s.paused_at IS NOT NULL
                    ORDER BY s.paused_at DESC, s.annotator_id
                    """,
                arguments: [project.rawValue]
            ).map { row in
                AnnotatorPause(
                    userID: UserID(row["annotator_id"]), displayName: row["display_name"],
                    pausedAt: Timestamp(rawValue: row["paused_at"]),
                    accuracy: PartsPerMillion.share(row["pause_accuracy_ppm"]), window: row["pause_window"])
            }
        }
    }

    public func annotatorAffiliations(
        in project: ProjectID, by principal: Principal
    ) async throws -> [AnnotatorAffiliation] {
        try await pool.read { db in
            try AccessRules.requireManagement(try self.projectAccess(project, by: principal, in: db), for: .seeQuality)
            return AnnotatorAffiliation.firstPerPerson(
                try Row.fetchAll(db, sql: Self.affiliationsSQL, arguments: [project.rawValue]).map { row in
                    AnnotatorAffiliation(
                        userID: row["annotator_id"], displayName: row["display_name"],
                        organizationName: row["organization"], workplaceID: row["workplace_id"],
                        workplaceName: row["workplace"], county: row["county"])
                })
        }
    }

    /// Each annotator of project `?1` with the memberships that reach the project (its owner or a granted
    /// vendor), those with a workplace first.
    static let affiliationsSQL = """
        SELECT a.annotator_id, acc.display_name, o.name AS organization, w.id AS workplace_id, w.name AS workplace,
               w.county
        FROM (SELECT DISTINCT annotator_id FROM annotation WHERE project_id = ?1) a
        JOIN account acc ON acc.id = a.annotator_id
        JOIN project p ON p.id = ?1
        LEFT JOIN membership m ON m.account_id = a.annotator_id AND m.status = 'active'
            AND (m.organization_id = p.organization_id
                 OR m.organization_id IN (SELECT organization_id FROM project_grant WHERE project_id = ?1))
        LEFT JOIN organization o ON o.id = m.organization_id
        LEFT JOIN workplace w ON w.id = m.workplace_id
        ORDER BY a.annotator_id, w.id IS NULL, o.id
        """

    public func reinstate(_ annotator: UserID, in project: ProjectID, by principal: Principal) async throws {
        try await batcher.write { db in
            try AccessRules.requireManagement(
                try self.projectAccess(project, by: principal, in: db), for: .reinstateAnnotators)
            try db.executeCached(
                sql: """
                    UPDATE annotator_standing
                    SET paused_at = NULL, pause_accuracy_ppm = NULL, pause_window = NULL, counted_since = ?
                    WHERE project_id = ? AND annotator_id = ? AND paused_at IS NOT NULL
                    """,
                arguments: [self.clock.now().rawValue, project.rawValue, annotator.rawValue])
            guard db.changesCount > 0 else { throw StoreError.notFound(.user) }
        }
    }

    public func annotationDigests(
        in project: ProjectID, after cursor: AnnotationID?, limit: Int
    ) async throws -> [AnnotationDigest] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.task_id, a.annotator_id, a.result
                    FROM annotation a INDEXED BY annotation_project_order JOIN task t ON t.id = a.task_id
                    WHERE a.project_id = ? AND a.id > ? AND a.status != 'rejected' AND t.gold IS NULL
                    ORDER BY a.id LIMIT ?
                    """,
                arguments: [project.rawValue, cursor?.rawValue ?? 0, max(1, limit)]
            ).map { row in
                AnnotationDigest(
                    id: AnnotationID(row["id"]), taskID: TaskID(row["task_id"]),
                    annotatorID: UserID(row["annotator_id"]), resultJSON: row["result"])
            }
        }
    }

    public func settleOverlap(of task: TaskID, confidence: Double) async throws -> OverlapDecision {
        try await batcher.write { db in
            guard
                let taskRow = try Row.fetchOneCached(
                    db, sql: "SELECT project_id, priority, gold IS NOT NULL AS is_gold FROM task WHERE id = ?",
                    arguments: [task.rawValue])
            else { throw StoreError.notFound(.task) }
            let projectID: Int64 = taskRow["project_id"]
            let project = try self.cachedProject(ProjectID(projectID), in: db)!
            guard !(taskRow["is_gold"] as Bool),
                let policy = project.quality.overlapPolicy(baseOverlap: project.overlap)
            else { return .wait }
            let slots = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(*) AS total, coalesce(sum(state = 2), 0) AS submitted, coalesce(max(slot_index), -1) AS last
                    FROM slot WHERE task_id = ?
                    """,
                arguments: [task.rawValue])!
            let state = TaskOverlapState(
                slotCount: slots["total"], submittedCount: slots["submitted"], confidence: confidence)
            let decision = DynamicOverlap.decide(state, under: policy)
            switch decision {
            case .addSlot:
                let index = (slots["last"] as Int) + 1
                guard LeaseRules.overlapRange.contains(index + 1) else { return .wait }
                try db.executeCached(
                    sql: "INSERT INTO slot (task_id, slot_index, project_id, priority) VALUES (?, ?, ?, ?)",
                    arguments: [task.rawValue, index, projectID, taskRow["priority"] as Int])
                try db.executeCached(
                    sql:
                        "UPDATE project SET extra_slots = extra_slots + 1, queue_generation = queue_generation + 1 WHERE id = ?",
                    arguments: [projectID])
            case .enough:
                try db.executeCached(
                    sql: "DELETE FROM slot WHERE task_id = ? AND state = 0", arguments: [task.rawValue])
                let closed = db.changesCount
                if closed > 0 {
                    try db.executeCached(
                        sql: "UPDATE project SET extra_slots = extra_slots - ? WHERE id = ?",
                        arguments: [closed, projectID])
                }
            case .wait:
                break
            }
            return decision
        }
    }
}
