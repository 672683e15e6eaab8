import LabelParkCore
import LabelParkStore
import PostgresNIO

/// Gold tasks in the queue: mixing them into claims, scoring their answers, and pausing annotators who
/// score too low.
extension PostgresParkStore {
    /// Leases a gold task the annotator has not had, starting from a random point of the project's gold
    /// tasks so annotators meet them in different orders; `nil` when they have had them all, or when no
    /// work is left for them (gold comes only with work).
    ///
    /// Runs outside a transaction, like the rest of a claim. Two simultaneous claims of one annotator may
    /// pick the same gold task: the gold slot's primary key lets only one insert it, and the other picks
    /// again, skipping the task now taken.
    func claimGoldTask(
        for annotator: Int64, in project: Int64, now: Timestamp, expiresAt: Timestamp,
        on connection: PostgresConnection
    ) async throws -> Claim? {
        try await connection.run(
            """
            DELETE FROM gold_slot
            WHERE project_id = \(project) AND annotator_id = \(annotator) AND state = 1
              AND lease_expires_at <= \(now.rawValue)
            """, logger: logger)
        for _ in 0..<Self.goldPickAttempts {
            let token = tokens.next()
            guard
                let row = try await connection.first(
                    Self.claimGoldSQL(
                        project: project, annotator: annotator, token: token, now: now, expiresAt: expiresAt,
                        pivotDraw: draws.next()),
                    logger: logger)
            else { return nil }
            let (id, projectID, data, priority, createdAt) = try row.decode(
                (Int64?, Int64?, String?, Int?, Int64?).self)
            guard let id, let projectID, let data, let priority, let createdAt else { continue }
            let task = TaskRecord(
                id: TaskID(id), projectID: ProjectID(projectID), dataJSON: data, priority: priority,
                createdAt: Timestamp(rawValue: createdAt))
            return Claim(task: task, token: token, expiresAt: expiresAt)
        }
        // Every pick was taken by the annotator's own parallel claims; this claim takes work instead.
        return nil
    }

    /// Picks beyond the first when the annotator's parallel claims keep taking the gold task picked.
    static let goldPickAttempts = 3

    /// Picks the first gold task at or after a pivot id (`pivotDraw` of the highest gold id) (else the first before it) that the annotator
    /// has neither had, answered nor skipped, leases it in a new gold slot and logs the lease — one round
    /// trip. No row: no such gold task, or no open slot left that the annotator could take. A row of nulls:
    /// the pick's gold slot already existed (a parallel claim of the same annotator took it).
    ///
    /// The pick walks the partial index `task_gold`, which holds only gold tasks; a test reads the plan.
    static func claimGoldSQL(
        project: Int64, annotator: Int64, token: LeaseToken, now: Timestamp, expiresAt: Timestamp,
        pivotDraw: Double
    ) -> PostgresQuery {
        """
        WITH work_left AS MATERIALIZED (
            -- The claim's own candidate search (without its lock), so it walks the queue index the same way.
            SELECT (SELECT s.task_id FROM slot s
                    WHERE s.project_id = \(project)::bigint AND s.state = 0
                      AND NOT EXISTS (
                          SELECT 1 FROM slot h WHERE h.task_id = s.task_id AND h.annotator_id = \(annotator)::bigint)
                      AND NOT EXISTS (
                          SELECT 1 FROM annotation a
                          WHERE a.task_id = s.task_id AND a.annotator_id = \(annotator)::bigint)
                      AND NOT EXISTS (
                          SELECT 1 FROM task_skip k
                          WHERE k.task_id = s.task_id AND k.annotator_id = \(annotator)::bigint)
                    ORDER BY s.priority DESC, s.slot_index, s.task_id
                    LIMIT 1) IS NOT NULL AS has_work),
        bound AS MATERIALIZED (
            SELECT floor(\(pivotDraw)::float8 * (max(id) + 1))::bigint AS pivot FROM task
            WHERE project_id = \(project)::bigint AND gold IS NOT NULL AND (SELECT has_work FROM work_left)),
        pick AS MATERIALIZED (
            SELECT c.id FROM (
                (SELECT t.id, 0 AS pass FROM task t
                 WHERE t.project_id = \(project)::bigint AND t.gold IS NOT NULL AND t.id >= (SELECT pivot FROM bound)
                   AND \(unescaped: unseenGoldCondition(annotator: annotator))
                 ORDER BY t.id LIMIT 1)
                UNION ALL
                (SELECT t.id, 1 AS pass FROM task t
                 WHERE t.project_id = \(project)::bigint AND t.gold IS NOT NULL AND t.id < (SELECT pivot FROM bound)
                   AND \(unescaped: unseenGoldCondition(annotator: annotator))
                 ORDER BY t.id LIMIT 1)) AS c
            ORDER BY c.pass LIMIT 1),
        held AS (
            INSERT INTO gold_slot (task_id, annotator_id, project_id, state, lease_token, lease_expires_at)
            SELECT id, \(annotator)::bigint, \(project)::bigint, 1, \(token.rawValue)::text,
                   \(expiresAt.rawValue)::bigint
            FROM pick
            ON CONFLICT (task_id, annotator_id) DO NOTHING
            RETURNING task_id),
        logged AS (
            INSERT INTO lease (token, task_id, slot_index, annotator_id, claimed_at)
            SELECT \(token.rawValue)::text, task_id, \(LeaseRecord.goldSlotIndex)::integer, \(annotator)::bigint,
                   \(now.rawValue)::bigint
            FROM held)
        SELECT t.id, t.project_id, t.data, t.priority, t.created_at
        FROM pick LEFT JOIN held h ON true LEFT JOIN task t ON t.id = h.task_id
        """
    }

    /// The annotator (a known integer, spliced in) has no gold slot, answer or skip of gold task `t`.
    private static func unseenGoldCondition(annotator: Int64) -> String {
        """
        NOT EXISTS (SELECT 1 FROM gold_slot g WHERE g.task_id = t.id AND g.annotator_id = \(annotator))
                   AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.task_id = t.id AND a.annotator_id = \(annotator))
                   AND NOT EXISTS (SELECT 1 FROM task_skip k WHERE k.task_id = t.id AND k.annotator_id = \(annotator))
        """
    }

    /// Remembers the score of a gold answer given in a work slot (`nil`: gold answers no question).
    func recordGoldScore(
        _ score: Double?, task: TaskID, by annotator: UserID, in project: ProjectID, at now: Timestamp,
        on connection: PostgresConnection
    ) async throws {
        try await connection.run(
            """
            INSERT INTO gold_slot (task_id, annotator_id, project_id, state, score_ppm, answered_at)
            VALUES (\(task.rawValue), \(annotator.rawValue), \(project.rawValue), 2,
                    \(score.map(PartsPerMillion.from))::integer, \(now.rawValue))
            ON CONFLICT (task_id, annotator_id) DO UPDATE SET
                state = 2, lease_token = NULL, lease_expires_at = NULL, score_ppm = EXCLUDED.score_ppm,
                answered_at = EXCLUDED.answered_at
            """, logger: logger)
    }

    /// Pauses the annotator when the mean of their last gold scores (those given since they were last
    /// reinstated) falls below the policy's minimum.
    func pauseIfBelowMinimum(
        _ annotator: UserID, in project: ProjectID, under policy: AutoPausePolicy, at now: Timestamp,
        on connection: PostgresConnection
    ) async throws {
        let recent = try await connection.run(
            """
            SELECT score_ppm::bigint FROM gold_slot
            WHERE project_id = \(project.rawValue) AND annotator_id = \(annotator.rawValue)
              AND answered_at > coalesce(
                  (SELECT counted_since FROM annotator_standing
                   WHERE project_id = \(project.rawValue) AND annotator_id = \(annotator.rawValue)), 0)
              AND score_ppm IS NOT NULL
            ORDER BY answered_at DESC LIMIT \(policy.window)
            """, logger: logger
        ).map { PartsPerMillion.share(try $0.decode(Int64.self)) }
        guard case .belowMinimum(let accuracy, let window) = GoldStanding.evaluate(newestFirst: recent, under: policy)
        else { return }
        try await connection.run(
            """
            INSERT INTO annotator_standing (project_id, annotator_id, paused_at, pause_accuracy_ppm, pause_window)
            VALUES (\(project.rawValue), \(annotator.rawValue), \(now.rawValue), \(PartsPerMillion.from(accuracy)),
                    \(window))
            ON CONFLICT (project_id, annotator_id) DO UPDATE SET
                paused_at = EXCLUDED.paused_at, pause_accuracy_ppm = EXCLUDED.pause_accuracy_ppm,
                pause_window = EXCLUDED.pause_window
            """, logger: logger)
    }
}
