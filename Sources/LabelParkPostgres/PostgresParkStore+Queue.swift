import LabelParkCore
import LabelParkStore
import PostgresNIO

extension PostgresParkStore {
    public func claimNextSlot(in project: ProjectID, by principal: Principal) async throws -> Claim? {
        let annotator = principal.userID.rawValue
        let projectID = project.rawValue
        let access = try await projectAccess(project, by: principal)
        let quality = access.project.quality
        // Each statement commits on its own: a claim is two round trips, not five (a gold task costs a few
        // more, and only when one is drawn). Reading the generation before searching keeps the memo safe:
        // anything that reopens a slot after the read also bumps the generation past the one recorded. One
        // annotator's simultaneous claims may both pick slots of one task; `slot_holder` refuses the second,
        // which is retried and then skips that task.
        return try await autocommit { connection in
            let now = self.clock.now()
            let (generation, exhaustedAt, pausedAccuracy, pauseWindow, goldReceived) = try await connection.first(
                ReapAndReadGeneration.self,
                Self.reapAndReadGenerationSQL(
                    project: projectID, annotator: annotator, now: now, goldAtStart: quality.goldAtStart),
                logger: self.logger
            )!.decode((Int64, Int64?, Int64?, Int?, Int).self)
            if let pausedAccuracy {
                throw StoreError.annotatorPaused(
                    accuracy: PartsPerMillion.share(pausedAccuracy), window: pauseWindow ?? 0)
            }
            if exhaustedAt == generation { return nil }

            let expiresAt = now.adding(seconds: access.project.leaseSeconds)
            if GoldMixing.servesGold(goldReceived: goldReceived, policy: quality, draw: draws.next()),
                let gold = try await self.claimGoldTask(
                    for: annotator, in: projectID, now: now, expiresAt: expiresAt, on: connection)
            {
                return gold
            }
            let token = self.tokens.next()
            guard
                let row = try await connection.first(
                    ClaimNextSlot.self,
                    Self.claimSQL(
                        project: projectID, annotator: annotator, token: token, now: now, expiresAt: expiresAt),
                    logger: self.logger)
            else {
                try await connection.run(
                    """
                    INSERT INTO queue_exhaustion (project_id, annotator_id, generation)
                    VALUES (\(projectID), \(annotator), \(generation))
                    ON CONFLICT (project_id, annotator_id) DO UPDATE SET generation = EXCLUDED.generation
                    """, logger: self.logger)
                return nil
            }
            return Claim(task: try Self.task(from: row), token: token, expiresAt: expiresAt)
        }
    }

    /// Reopens the project's expired leases (skipping any another transaction is reopening), bumps the
    /// queue generation when it reopened some, and reads the generation, the annotator's exhaustion memo,
    /// their pause (accuracy in parts per million and window, if paused) and how many gold tasks they
    /// received, counted up to `goldAtStart` — one round trip.
    static func reapAndReadGenerationSQL(
        project: Int64, annotator: Int64, now: Timestamp, goldAtStart: Int
    ) -> PostgresQuery {
        """
        WITH expired AS MATERIALIZED (
            SELECT task_id, slot_index FROM slot
            WHERE project_id = \(project)::bigint AND state = 1 AND lease_expires_at <= \(now.rawValue)::bigint
            FOR UPDATE SKIP LOCKED),
        reopened AS (
            UPDATE slot s SET state = 0, annotator_id = NULL, lease_token = NULL, lease_expires_at = NULL
            FROM expired e WHERE s.task_id = e.task_id AND s.slot_index = e.slot_index
            RETURNING 1),
        bumped AS (
            UPDATE project SET queue_generation = queue_generation + 1
            WHERE id = \(project)::bigint AND EXISTS (SELECT 1 FROM reopened)
            RETURNING queue_generation)
        SELECT coalesce((SELECT queue_generation FROM bumped),
                        (SELECT queue_generation FROM project WHERE id = \(project)::bigint)),
               (SELECT generation FROM queue_exhaustion
                WHERE project_id = \(project)::bigint AND annotator_id = \(annotator)::bigint),
               st.pause_accuracy_ppm::bigint, st.pause_window,
               (SELECT count(*) FROM (
                    SELECT 1 FROM gold_slot
                    WHERE project_id = \(project)::bigint AND annotator_id = \(annotator)::bigint
                    LIMIT \(goldAtStart)::bigint) AS received)
        FROM (VALUES (1)) AS one (x)
        LEFT JOIN annotator_standing st
            ON st.project_id = \(project)::bigint AND st.annotator_id = \(annotator)::bigint AND st.paused_at IS NOT NULL
        """
    }

    /// Leases the first open slot in hand-out order whose task the annotator neither holds nor answered,
    /// logs the lease and returns the task — one round trip.
    ///
    /// The candidate is a materialized CTE locked with `SKIP LOCKED`: it is evaluated exactly once (an
    /// `IN (subquery)` may be re-run by the planner and lock a second row), and concurrent claims step over
    /// each other's candidates instead of queueing behind them. The partial index `slot_queue` keeps it
    /// O(log n) in the project's size; a test reads the plan.
    static func claimSQL(
        project: Int64, annotator: Int64, token: LeaseToken, now: Timestamp, expiresAt: Timestamp
    ) -> PostgresQuery {
        """
        WITH candidate AS MATERIALIZED (
            SELECT s.task_id, s.slot_index FROM slot s
            WHERE s.project_id = \(project)::bigint AND s.state = 0
              AND NOT EXISTS (SELECT 1 FROM slot h WHERE h.task_id = s.task_id AND h.annotator_id = \(annotator)::bigint)
              AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.task_id = s.task_id AND a.annotator_id = \(annotator)::bigint)
              AND NOT EXISTS (SELECT 1 FROM task_skip k WHERE k.task_id = s.task_id AND k.annotator_id = \(annotator)::bigint)
            ORDER BY s.priority DESC, s.slot_index, s.task_id
            LIMIT 1
            FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE slot s SET state = 1, annotator_id = \(annotator)::bigint, lease_token = \(token.rawValue)::text,
                              lease_expires_at = \(expiresAt.rawValue)::bigint
            FROM candidate c WHERE s.task_id = c.task_id AND s.slot_index = c.slot_index
            RETURNING s.task_id, s.slot_index),
        logged AS (
            INSERT INTO lease (token, task_id, slot_index, annotator_id, claimed_at)
            SELECT \(token.rawValue)::text, task_id, slot_index, \(annotator)::bigint, \(now.rawValue)::bigint FROM claimed)
        SELECT t.id, t.project_id, t.data, t.priority, t.created_at, t.prefill FROM task t JOIN claimed c ON c.task_id = t.id
        """
    }

    /// The lease a token names, with whether its slot (a work slot, or the annotator's gold slot for a gold
    /// task) still carries it, locking that slot row so the decision made on it holds until the
    /// transaction ends. A slot that no longer exists makes the lease one that is not current.
    private func lockedLeaseRecord(
        _ token: LeaseToken, on connection: PostgresConnection
    ) async throws -> (LeaseRecord, projectID: Int64)? {
        // The locks sit in lateral subqueries: FOR UPDATE cannot reach the nullable side of an outer join.
        guard
            let row = try await connection.first(
                """
                SELECT l.task_id, l.slot_index, l.annotator_id, coalesce(s.state, g.state),
                       coalesce(s.lease_token, g.lease_token), coalesce(s.lease_expires_at, g.lease_expires_at),
                       t.project_id
                FROM lease l JOIN task t ON t.id = l.task_id
                LEFT JOIN LATERAL (
                    SELECT state, lease_token, lease_expires_at FROM slot
                    WHERE task_id = l.task_id AND slot_index = l.slot_index FOR UPDATE) s ON true
                LEFT JOIN LATERAL (
                    SELECT state, lease_token, lease_expires_at FROM gold_slot
                    WHERE l.slot_index = \(LeaseRecord.goldSlotIndex) AND task_id = l.task_id
                      AND annotator_id = l.annotator_id
                    FOR UPDATE) g ON true
                WHERE l.token = \(token.rawValue)
                """, logger: logger)
        else { return nil }
        let (taskID, slotIndex, annotator, state, currentToken, expiresAt, projectID) = try row.decode(
            (Int64, Int, Int64, Int?, String?, Int64?, Int64).self)
        let record = LeaseRecord(
            token: token, taskID: TaskID(taskID), slotIndex: slotIndex, annotatorID: UserID(annotator),
            isCurrent: state == 1 && currentToken == token.rawValue, expiresAt: Timestamp(rawValue: expiresAt ?? 0))
        return (record, projectID)
    }

    public func leasedTask(_ token: LeaseToken, by principal: Principal) async throws -> (TaskRecord, Project) {
        try await read { connection in
            guard
                let row = try await connection.first(
                    LeasedTask.self, Self.leasedTaskSQL(token: token, annotator: principal.userID.rawValue),
                    logger: self.logger)
            else { throw StoreError.notFound(.lease) }
            let task = try Self.task(from: row)
            let project = try await self.projectAccess(task.projectID, by: principal, on: connection).project
            return (task, project)
        }
    }

    static func leasedTaskSQL(token: LeaseToken, annotator: Int64) -> PostgresQuery {
        """
        SELECT t.id, t.project_id, t.data, t.priority, t.created_at, t.prefill
        FROM lease l JOIN task t ON t.id = l.task_id
        WHERE l.token = \(token.rawValue)::text AND l.annotator_id = \(annotator)::bigint
        """
    }

    public func renewLease(_ token: LeaseToken, by principal: Principal) async throws -> Timestamp {
        try await transaction { connection in
            let now = self.clock.now()
            let found = try await self.lockedLeaseRecord(token, on: connection)
            let lease = try LeaseRules.leaseToRenew(found?.0, by: principal.userID, at: now)
            guard let projectID = found?.1 else { throw StoreError.notFound(.lease) }
            let leaseSeconds = try await connection.first(
                "SELECT lease_seconds FROM project WHERE id = \(projectID)", logger: self.logger)!.decode(Int.self)
            let expiresAt = now.adding(seconds: leaseSeconds)
            if lease.isGold {
                try await connection.run(
                    """
                    UPDATE gold_slot SET lease_expires_at = \(expiresAt.rawValue)
                    WHERE task_id = \(lease.taskID.rawValue) AND annotator_id = \(principal.userID.rawValue)
                      AND lease_token = \(token.rawValue)
                    """, logger: self.logger)
            } else {
                try await connection.run(
                    """
                    UPDATE slot SET lease_expires_at = \(expiresAt.rawValue)
                    WHERE task_id = \(lease.taskID.rawValue) AND slot_index = \(lease.slotIndex)
                      AND lease_token = \(token.rawValue)
                    """, logger: self.logger)
            }
            return expiresAt
        }
    }

    public func releaseLease(_ token: LeaseToken, by principal: Principal, skipping: Bool) async throws {
        try await transaction { connection in
            let found = try await self.lockedLeaseRecord(token, on: connection)
            let lease = try LeaseRules.leaseToRelease(found?.0, by: principal.userID)
            guard let projectID = found?.1 else { throw StoreError.notFound(.lease) }
            if lease.isGold {
                // A gold task released unanswered may come back to the same annotator later, like any task.
                try await connection.run(
                    """
                    DELETE FROM gold_slot
                    WHERE task_id = \(lease.taskID.rawValue) AND annotator_id = \(principal.userID.rawValue)
                      AND lease_token = \(token.rawValue)
                    """, logger: self.logger)
            } else {
                try await connection.run(
                    """
                    UPDATE slot SET state = 0, annotator_id = NULL, lease_token = NULL, lease_expires_at = NULL
                    WHERE task_id = \(lease.taskID.rawValue) AND slot_index = \(lease.slotIndex)
                      AND lease_token = \(token.rawValue)
                    """, logger: self.logger)
                try await connection.run(
                    "UPDATE project SET queue_generation = queue_generation + 1 WHERE id = \(projectID)",
                    logger: self.logger)
            }
            if skipping {
                try await connection.run(
                    """
                    INSERT INTO task_skip (task_id, annotator_id, skipped_at)
                    VALUES (\(lease.taskID.rawValue), \(principal.userID.rawValue), \(self.clock.now().rawValue))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
            }
        }
    }

    public func submit(_ submission: NewSubmission, by principal: Principal) async throws -> SubmissionReceipt {
        // Two autocommit statements: look the lease (and a replayed key) up, decide, then fill the slot and
        // store the annotation in one statement that re-checks the lease, so a lease lapsing in between
        // makes the annotation late instead of filling a slot it no longer holds. The same statement puts a
        // work answer drawn for review in the queue, or scores a gold answer; only a gold answer under an
        // auto-pause policy costs more round trips, to weigh the annotator's recent gold scores.
        try await autocommit { connection in
            let now = self.clock.now()
            let annotator = principal.userID.rawValue
            let (lookedUp, projectID, gold, previous) = try await self.lookUpLease(
                submission.leaseToken, replaying: submission.idempotencyKey, by: annotator, on: connection)
            if let previous {
                guard
                    let stored = try await self.fetchAnnotations(
                        "\(unescaped: Self.annotationSelect) WHERE id = \(previous)", on: connection
                    ).first
                else { throw StoreError.notFound(.annotation) }
                guard stored.taskID == submission.taskID else { throw StoreError.conflict(.idempotencyKeyReused) }
                return SubmissionReceipt(annotation: stored, isReplay: true)
            }
            let (lease, decision) = try LeaseRules.submissionOutcome(
                presenting: lookedUp, for: submission.taskID, by: principal.userID, at: now)
            guard let projectID else { throw StoreError.notFound(.lease) }
            let taskID = submission.taskID.rawValue
            guard let project = try await self.cachedProject(ProjectID(projectID), on: connection) else {
                throw StoreError.notFound(.project)
            }
            let score = gold.flatMap {
                AnswerAccuracy.goldScore(resultJSON: submission.resultJSON, goldJSON: $0, schema: project.schema)
            }
            let stored: PostgresRow?
            if lease.isGold {
                stored = try await connection.first(
                    StoreGoldSubmission.self,
                    Self.storeGoldSubmissionSQL(
                        submission, projectID: projectID, annotator: annotator, tryFill: decision == .fillSlot,
                        scorePartsPerMillion: score.map(PartsPerMillion.from), now: now),
                    logger: self.logger)
            } else {
                stored = try await connection.first(
                    StoreSubmission.self,
                    Self.storeSubmissionSQL(
                        submission, slotIndex: lease.slotIndex, projectID: projectID, annotator: annotator,
                        tryFill: decision == .fillSlot,
                        enqueueReview: gold == nil && project.quality.review.selects(draw: draws.next()),
                        now: now),
                    logger: self.logger)
            }
            guard let inserted = stored else {
                // Another statement stored first: a retry of this submission through another instance (its
                // idempotency key), or another answer of this annotator to the task.
                if let key = submission.idempotencyKey,
                    let replayed = try await self.fetchAnnotations(
                        """
                        \(unescaped: Self.annotationSelect)
                        WHERE annotator_id = \(annotator) AND idempotency_key = \(key)
                        """, on: connection
                    ).first
                {
                    guard replayed.taskID == submission.taskID else { throw StoreError.conflict(.idempotencyKeyReused) }
                    return SubmissionReceipt(annotation: replayed, isReplay: true)
                }
                guard
                    let existing = try await connection.first(
                        "SELECT id FROM annotation WHERE task_id = \(taskID) AND annotator_id = \(annotator)",
                        logger: self.logger)?.decode(Int64.self)
                else { throw StoreError.conflict(.idempotencyKeyReused) }
                throw StoreError.conflict(.alreadyAnnotated(AnnotationID(existing)))
            }
            let (id, isLate) = try inserted.decode((Int64, Bool).self)
            let annotation = Annotation(
                id: AnnotationID(id), taskID: submission.taskID, projectID: ProjectID(projectID),
                annotatorID: principal.userID, resultJSON: submission.resultJSON, version: 1, status: .submitted,
                isLate: isLate, leadTimeMilliseconds: submission.leadTimeMilliseconds, createdAt: now, updatedAt: now)
            if gold != nil, !lease.isGold {
                // A gold task imported before gold tasks lost their slots: answered in a slot, scored all the same.
                try await self.recordGoldScore(
                    score, task: submission.taskID, by: principal.userID, in: project.id, at: now, on: connection)
            }
            if score != nil, let policy = project.quality.autoPause {
                try await self.pauseIfBelowMinimum(
                    principal.userID, in: project.id, under: policy, at: now, on: connection)
            }
            return SubmissionReceipt(annotation: annotation, isReplay: false)
        }
    }

    /// Fills the slot if the lease is still live and its holder has not answered yet, stores the
    /// annotation, late exactly when it did not fill the slot, and puts it in the review queue when
    /// `enqueueReview` — atomically, in one statement.
    static func storeSubmissionSQL(
        _ submission: NewSubmission, slotIndex: Int, projectID: Int64, annotator: Int64, tryFill: Bool,
        enqueueReview: Bool, now: Timestamp
    ) -> PostgresQuery {
        let taskID = submission.taskID.rawValue
        let token = submission.leaseToken.rawValue
        return """
            WITH filled AS (
                UPDATE slot SET state = 2, lease_expires_at = NULL
                WHERE task_id = \(taskID)::bigint AND slot_index = \(slotIndex)::integer
                  AND lease_token = \(token)::text AND state = 1 AND lease_expires_at > \(now.rawValue)::bigint
                  AND \(tryFill)::boolean
                  AND NOT EXISTS (
                      SELECT 1 FROM annotation WHERE task_id = \(taskID)::bigint AND annotator_id = \(annotator)::bigint)
                RETURNING 1),
            stored AS (
                INSERT INTO annotation (task_id, project_id, annotator_id, result, late, lease_token,
                                        idempotency_key, lead_time_ms, created_at, updated_at)
                VALUES (\(taskID)::bigint, \(projectID)::bigint, \(annotator)::bigint, \(submission.resultJSON)::text,
                        NOT EXISTS (SELECT 1 FROM filled), \(token)::text, \(submission.idempotencyKey)::text,
                        \(submission.leadTimeMilliseconds)::bigint, \(now.rawValue)::bigint, \(now.rawValue)::bigint)
                ON CONFLICT ON CONSTRAINT annotation_task_annotator DO NOTHING
                RETURNING id, late),
            queued AS (
                INSERT INTO review_item (annotation_id, project_id, created_at)
                SELECT id, \(projectID)::bigint, \(now.rawValue)::bigint FROM stored WHERE \(enqueueReview)::boolean)
            SELECT id, late FROM stored
            """
    }

    /// The gold-task form of `storeSubmissionSQL`: answers the annotator's gold slot if the lease is still
    /// live, stores the annotation (late exactly when it did not), and records the answer's score in the
    /// gold slot either way — atomically, in one statement.
    static func storeGoldSubmissionSQL(
        _ submission: NewSubmission, projectID: Int64, annotator: Int64, tryFill: Bool, scorePartsPerMillion: Int64?,
        now: Timestamp
    ) -> PostgresQuery {
        let taskID = submission.taskID.rawValue
        let token = submission.leaseToken.rawValue
        // `filled` and `scored` never touch the same row: `scored` runs only when nothing was filled.
        return """
            WITH filled AS (
                UPDATE gold_slot SET state = 2, lease_token = NULL, lease_expires_at = NULL,
                                     score_ppm = \(scorePartsPerMillion)::integer, answered_at = \(now.rawValue)::bigint
                WHERE task_id = \(taskID)::bigint AND annotator_id = \(annotator)::bigint
                  AND lease_token = \(token)::text AND state = 1 AND lease_expires_at > \(now.rawValue)::bigint
                  AND \(tryFill)::boolean
                  AND NOT EXISTS (
                      SELECT 1 FROM annotation WHERE task_id = \(taskID)::bigint AND annotator_id = \(annotator)::bigint)
                RETURNING 1),
            stored AS (
                INSERT INTO annotation (task_id, project_id, annotator_id, result, late, lease_token,
                                        idempotency_key, lead_time_ms, created_at, updated_at)
                VALUES (\(taskID)::bigint, \(projectID)::bigint, \(annotator)::bigint, \(submission.resultJSON)::text,
                        NOT EXISTS (SELECT 1 FROM filled), \(token)::text, \(submission.idempotencyKey)::text,
                        \(submission.leadTimeMilliseconds)::bigint, \(now.rawValue)::bigint, \(now.rawValue)::bigint)
                ON CONFLICT ON CONSTRAINT annotation_task_annotator DO NOTHING
                RETURNING id, late),
            scored AS (
                INSERT INTO gold_slot AS g (task_id, annotator_id, project_id, state, score_ppm, answered_at)
                SELECT \(taskID)::bigint, \(annotator)::bigint, \(projectID)::bigint, 2,
                       \(scorePartsPerMillion)::integer, \(now.rawValue)::bigint
                FROM stored WHERE NOT EXISTS (SELECT 1 FROM filled)
                ON CONFLICT (task_id, annotator_id) DO UPDATE SET
                    state = 2, lease_token = NULL, lease_expires_at = NULL, score_ppm = EXCLUDED.score_ppm,
                    answered_at = EXCLUDED.answered_at)
            SELECT id, late FROM stored
            """
    }

    /// The lease a token names (if any) with its slot's state (the gold slot's for a gold task), its task's
    /// project and gold answer, and the annotation an idempotency key already stored (if any) — one round
    /// trip, no locks. A slot that no longer exists makes the lease one that is not current.
    private func lookUpLease(
        _ token: LeaseToken, replaying key: String?, by annotator: Int64, on connection: PostgresConnection
    ) async throws -> (LeaseRecord?, projectID: Int64?, gold: String?, previous: Int64?) {
        let row = try await connection.first(
            LookUpLease.self, Self.lookUpLeaseSQL(token: token, key: key, annotator: annotator), logger: logger)!
        let (taskID, slotIndex, holder, state, currentToken, expiresAt, projectID, gold, previous) = try row.decode(
            (Int64?, Int?, Int64?, Int?, String?, Int64?, Int64?, String?, Int64?).self)
        guard let taskID, let slotIndex, let holder else { return (nil, nil, nil, previous) }
        let record = LeaseRecord(
            token: token, taskID: TaskID(taskID), slotIndex: slotIndex, annotatorID: UserID(holder),
            isCurrent: state == 1 && currentToken == token.rawValue, expiresAt: Timestamp(rawValue: expiresAt ?? 0))
        return (record, projectID, gold, previous)
    }

    static func lookUpLeaseSQL(token: LeaseToken, key: String?, annotator: Int64) -> PostgresQuery {
        """
        SELECT l.task_id, l.slot_index, l.annotator_id, coalesce(s.state, g.state),
               coalesce(s.lease_token, g.lease_token), coalesce(s.lease_expires_at, g.lease_expires_at),
               t.project_id, t.gold,
               (SELECT a.id FROM annotation a
                WHERE a.annotator_id = \(annotator)::bigint AND a.idempotency_key = \(key)::text)
        FROM (VALUES (1)) AS one (x)
        LEFT JOIN lease l ON l.token = \(token.rawValue)::text
        LEFT JOIN task t ON t.id = l.task_id
        LEFT JOIN slot s ON s.task_id = l.task_id AND s.slot_index = l.slot_index
        LEFT JOIN gold_slot g
            ON l.slot_index = \(LeaseRecord.goldSlotIndex)::integer AND g.task_id = l.task_id
           AND g.annotator_id = l.annotator_id
        """
    }

    public func editAnnotation(
        _ id: AnnotationID, resultJSON: String, expectedVersion: Int, leadTimeMilliseconds: Int64?,
        by principal: Principal
    ) async throws -> Annotation {
        try await transaction { connection in
            let now = self.clock.now()
            guard
                var annotation = try await self.fetchAnnotations(
                    """
                    \(unescaped: Self.annotationSelect)
                    WHERE id = \(id.rawValue) AND annotator_id = \(principal.userID.rawValue) FOR UPDATE
                    """, on: connection
                ).first
            else { throw StoreError.notFound(.annotation) }
            guard annotation.version == expectedVersion else {
                throw StoreError.conflict(.staleVersion(current: annotation.version))
            }
            try await Self.keepRevision(of: annotation, on: connection, logger: self.logger)
            try await connection.run(
                """
                UPDATE annotation SET result = \(resultJSON), version = version + 1,
                                      lead_time_ms = \(leadTimeMilliseconds), updated_at = \(now.rawValue),
                                      status = 'submitted'
                WHERE id = \(id.rawValue)
                """, logger: self.logger)
            // A changed answer after a decision (rework of a rejection, or second thoughts after acceptance)
            // is reviewed again.
            if annotation.status != .submitted {
                try await Self.enqueueReview(
                    of: [id.rawValue], in: annotation.projectID.rawValue, inspection: nil, at: now, on: connection,
                    logger: self.logger)
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
        try await read { connection in try await self.visibleAnnotation(id, by: principal, on: connection) }
    }

    /// An annotation the principal may read: their own, or one in a project they manage.
    private func visibleAnnotation(
        _ id: AnnotationID, by principal: Principal, on connection: PostgresConnection
    ) async throws -> Annotation {
        guard
            let annotation = try await fetchAnnotations(
                "\(unescaped: Self.annotationSelect) WHERE id = \(id.rawValue)", on: connection
            ).first
        else {
            throw StoreError.notFound(.annotation)
        }
        if annotation.annotatorID == principal.userID { return annotation }
        let access = try? await projectAccess(annotation.projectID, by: principal, on: connection)
        guard access?.canManage == true else { throw StoreError.notFound(.annotation) }
        return annotation
    }

    public func revisions(of id: AnnotationID, by principal: Principal) async throws -> [AnnotationRevision] {
        try await read { connection in
            _ = try await self.visibleAnnotation(id, by: principal, on: connection)
            return try await connection.run(
                """
                SELECT version, result, lead_time_ms, created_at FROM annotation_revision
                WHERE annotation_id = \(id.rawValue) ORDER BY version
                """, logger: self.logger
            ).map { row in
                let (version, result, leadTime, createdAt) = try row.decode((Int, String, Int64?, Int64).self)
                return AnnotationRevision(
                    version: version, resultJSON: result, leadTimeMilliseconds: leadTime,
                    createdAt: Timestamp(rawValue: createdAt))
            }
        }
    }

    public func annotations(
        by principal: Principal, in project: ProjectID?, before cursor: AnnotationID?, limit: Int
    ) async throws -> [Annotation] {
        let query: PostgresQuery = """
            \(unescaped: Self.annotationSelect)
            WHERE annotator_id = \(principal.userID.rawValue)
              AND (\(project?.rawValue)::bigint IS NULL OR project_id = \(project?.rawValue))
              AND (\(cursor?.rawValue)::bigint IS NULL OR id < \(cursor?.rawValue))
            ORDER BY id DESC LIMIT \(max(1, min(limit, 500)))
            """
        return try await read { connection in try await self.fetchAnnotations(query, on: connection) }
    }

    static let annotationColumns = """
        id, task_id, project_id, annotator_id, result, version, status, late, lead_time_ms, created_at, updated_at
        """

    static let annotationSelect = "SELECT \(annotationColumns) FROM annotation"

    /// Runs a query that starts with `annotationSelect` (or returns `annotationColumns`) and maps its rows.
    func fetchAnnotations(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [Annotation] {
        return try await connection.run(query, logger: logger).map { row in
            let (id, task, project, annotator, result, version, status, late, leadTime, createdAt, updatedAt) =
                try row.decode((Int64, Int64, Int64, Int64, String, Int, String, Bool, Int64?, Int64, Int64).self)
            return Annotation(
                id: AnnotationID(id), taskID: TaskID(task), projectID: ProjectID(project),
                annotatorID: UserID(annotator), resultJSON: result, version: version,
                status: AnnotationStatus(rawValue: status) ?? .submitted, isLate: late, leadTimeMilliseconds: leadTime,
                createdAt: Timestamp(rawValue: createdAt), updatedAt: Timestamp(rawValue: updatedAt))
        }
    }
}

// MARK: - Prepared shapes of the queue's hot statements

enum ReapAndReadGeneration: PreparedShape {
    static let name = "labelpark_reap_and_read_generation"
    static let sql = PostgresParkStore.reapAndReadGenerationSQL(
        project: 0, annotator: 0, now: Timestamp(rawValue: 0), goldAtStart: 0
    ).sql
}

enum ClaimNextSlot: PreparedShape {
    static let name = "labelpark_claim_next_slot"
    static let sql = PostgresParkStore.claimSQL(
        project: 0, annotator: 0, token: LeaseToken(rawValue: ""), now: Timestamp(rawValue: 0),
        expiresAt: Timestamp(rawValue: 0)
    ).sql
}

enum LeasedTask: PreparedShape {
    static let name = "labelpark_leased_task"
    static let sql = PostgresParkStore.leasedTaskSQL(token: LeaseToken(rawValue: ""), annotator: 0).sql
}

enum LookUpLease: PreparedShape {
    static let name = "labelpark_look_up_lease"
    static let sql = PostgresParkStore.lookUpLeaseSQL(token: LeaseToken(rawValue: ""), key: nil, annotator: 0).sql
}

enum StoreSubmission: PreparedShape {
    static let name = "labelpark_store_submission"
    static let sql = PostgresParkStore.storeSubmissionSQL(
        NewSubmission(
            taskID: TaskID(0), leaseToken: LeaseToken(rawValue: ""), resultJSON: "", idempotencyKey: nil,
            leadTimeMilliseconds: nil),
        slotIndex: 0, projectID: 0, annotator: 0, tryFill: false, enqueueReview: false, now: Timestamp(rawValue: 0)
    ).sql
}

enum StoreGoldSubmission: PreparedShape {
    static let name = "labelpark_store_gold_submission"
    static let sql = PostgresParkStore.storeGoldSubmissionSQL(
        NewSubmission(
            taskID: TaskID(0), leaseToken: LeaseToken(rawValue: ""), resultJSON: "", idempotencyKey: nil,
            leadTimeMilliseconds: nil),
        projectID: 0, annotator: 0, tryFill: false, scorePartsPerMillion: nil, now: Timestamp(rawValue: 0)
    ).sql
}
