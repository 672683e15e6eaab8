import LabelParkCore
import LabelParkStore
import PostgresNIO

/// Auto-pause as managers see it, and dynamic overlap.
extension PostgresParkStore {
    public func pausedAnnotators(in project: ProjectID, by principal: Principal) async throws -> [AnnotatorPause] {
        try await read { connection in
            try AccessRules.requireManagement(
                try await self.projectAccess(project, by: principal, on: connection), for: .reinstateAnnotators)
            return try await connection.run(
                """
                SELECT s.annotator_id, a.display_name, s.paused_at, s.pause_accuracy_ppm::bigint, s.pause_window
                FROM annotator_standing s JOIN account a ON a.id = s.annotator_id
                WHERE s.project_id = \(project.rawValue) AND s.paused_at IS NOT NULL
                ORDER BY s.paused_at DESC, s.annotator_id
                """, logger: self.logger
            ).map { row in
                let (user, name, pausedAt, accuracy, window) = try row.decode((Int64, String, Int64, Int64, Int).self)
                return AnnotatorPause(
                    userID: UserID(user), displayName: name, pausedAt: Timestamp(rawValue: pausedAt),
                    accuracy: PartsPerMillion.share(accuracy), window: window)
            }
        }
    }

    public func annotatorAffiliations(
        in project: ProjectID, by principal: Principal
    ) async throws -> [AnnotatorAffiliation] {
        try await read { connection in
            try AccessRules.requireManagement(
                try await self.projectAccess(project, by: principal, on: connection), for: .seeQuality)
            let id = project.rawValue
            return AnnotatorAffiliation.firstPerPerson(
                try await connection.run(
                    """
                    SELECT a.annotator_id, acc.display_name, o.name, w.id, w.name, w.county
                    FROM (SELECT DISTINCT annotator_id FROM annotation WHERE project_id = \(id)) a
                    JOIN account acc ON acc.id = a.annotator_id
                    JOIN project p ON p.id = \(id)
                    LEFT JOIN membership m ON m.account_id = a.annotator_id AND m.status = 'active'
                        AND (m.organization_id = p.organization_id
                             OR m.organization_id IN (SELECT organization_id FROM project_grant WHERE project_id = \(id)))
                    LEFT JOIN organization o ON o.id = m.organization_id
                    LEFT JOIN workplace w ON w.id = m.workplace_id
                    ORDER BY a.annotator_id, w.id IS NULL, o.id
                    """, logger: self.logger
                ).map { row in
                    let (user, name, organization, workplace, workplaceName, county) = try row.decode(
                        (Int64, String, String?, Int64?, String?, String?).self)
                    return AnnotatorAffiliation(
                        userID: user, displayName: name, organizationName: organization, workplaceID: workplace,
                        workplaceName: workplaceName, county: county)
                })
        }
    }

    public func reinstate(_ annotator: UserID, in project: ProjectID, by principal: Principal) async throws {
        try await transaction { connection in
            try AccessRules.requireManagement(
                try await self.projectAccess(project, by: principal, on: connection), for: .reinstateAnnotators)
            let reinstated = try await connection.run(
                """
                UPDATE annotator_standing
                SET paused_at = NULL, pause_accuracy_ppm = NULL, pause_window = NULL,
                    counted_since = \(self.clock.now().rawValue)
                WHERE project_id = \(project.rawValue) AND annotator_id = \(annotator.rawValue) AND paused_at IS NOT NULL
                RETURNING 1
                """, logger: self.logger)
            guard !reinstated.isEmpty else { throw StoreError.notFound(.user) }
        }
    }

    public func annotationDigests(
        in project: ProjectID, after cursor: AnnotationID?, limit: Int
    ) async throws -> [AnnotationDigest] {
        try await read { connection in
            try await connection.run(
                """
                SELECT a.id, a.task_id, a.annotator_id, a.result
                FROM annotation a JOIN task t ON t.id = a.task_id
                WHERE a.project_id = \(project.rawValue) AND a.id > \(cursor?.rawValue ?? 0)
                  AND a.status != 'rejected' AND t.gold IS NULL
                ORDER BY a.id LIMIT \(max(1, limit))
                """, logger: self.logger
            ).map { row in
                let (id, task, annotator, result) = try row.decode((Int64, Int64, Int64, String).self)
                return AnnotationDigest(
                    id: AnnotationID(id), taskID: TaskID(task), annotatorID: UserID(annotator), resultJSON: result)
            }
        }
    }

    public func settleOverlap(of task: TaskID, confidence: Double) async throws -> OverlapDecision {
        try await transaction { connection in
            // Locking the task makes two instances settling it at once take turns: the second counts the slot
            // the first added, so together they never add more than the policy allows.
            guard
                let taskRow = try await connection.first(
                    """
                    SELECT project_id, priority, gold IS NOT NULL FROM task WHERE id = \(task.rawValue) FOR UPDATE
                    """, logger: self.logger)
            else { throw StoreError.notFound(.task) }
            let (projectID, priority, isGold) = try taskRow.decode((Int64, Int, Bool).self)
            // Read afresh rather than from the cache: a policy just changed elsewhere applies at once.
            let project = try Self.project(
                from: try await connection.first(
                    "\(unescaped: Self.projectSelect) WHERE id = \(projectID)", logger: self.logger)!)
            guard !isGold, let policy = project.quality.overlapPolicy(baseOverlap: project.overlap) else {
                return .wait
            }
            let (total, submitted, last) = try await connection.first(
                """
                SELECT count(*), count(*) FILTER (WHERE state = 2), coalesce(max(slot_index), -1)
                FROM slot WHERE task_id = \(task.rawValue)
                """, logger: self.logger)!.decode((Int, Int, Int).self)
            let decision = DynamicOverlap.decide(
                TaskOverlapState(slotCount: total, submittedCount: submitted, confidence: confidence), under: policy)
            switch decision {
            case .addSlot:
                let index = last + 1
                guard LeaseRules.overlapRange.contains(index + 1) else { return .wait }
                try await connection.run(
                    """
                    INSERT INTO slot (task_id, slot_index, project_id, priority)
                    VALUES (\(task.rawValue), \(index), \(projectID), \(priority))
                    """, logger: self.logger)
                try await connection.run(
                    """
                    UPDATE project SET extra_slots = extra_slots + 1, queue_generation = queue_generation + 1
                    WHERE id = \(projectID)
                    """, logger: self.logger)
            case .enough:
                let closed = try await connection.run(
                    "DELETE FROM slot WHERE task_id = \(task.rawValue) AND state = 0 RETURNING 1", logger: self.logger
                ).count
                if closed > 0 {
                    try await connection.run(
                        "UPDATE project SET extra_slots = extra_slots - \(closed) WHERE id = \(projectID)",
                        logger: self.logger)
                }
            case .wait:
                break
            }
            return decision
        }
    }
}
