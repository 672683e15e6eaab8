import GRDB
import LabelParkCore
import LabelParkStore

/// Gold tasks in the queue: mixing them into claims, scoring their answers, and pausing annotators who
/// score too low.
extension SQLiteParkStore {
    /// Refuses a claim by an annotator paused on the project.
    static func refuseIfPaused(_ annotator: UserID, in project: Int64, db: Database) throws {
        guard
            let row = try Row.fetchOneCached(
                db,
                sql: """
                    SELECT pause_accuracy_ppm, pause_window FROM annotator_standing
                    WHERE project_id = ? AND annotator_id = ? AND paused_at IS NOT NULL
                    """,
                arguments: [project, annotator.rawValue])
        else { return }
        throw StoreError.annotatorPaused(
            accuracy: Double(row["pause_accuracy_ppm"] as Int64) / 1_000_000, window: row["pause_window"])
    }

    /// Whether this claim should be a gold task, by the project's policy and a random draw.
    func servesGold(to annotator: Int64, in project: Int64, policy: QualityPolicy, db: Database) throws -> Bool {
        guard policy.goldRate > 0 || policy.goldAtStart > 0 else { return false }
        var received = 0
        if policy.goldAtStart > 0 {
            received =
                try Int.fetchOneCached(
                    db,
                    sql: """
                        SELECT count(*) FROM (SELECT 1 FROM gold_slot INDEXED BY gold_slot_annotator
                                              WHERE project_id = ? AND annotator_id = ? LIMIT ?)
                        """,
                    arguments: [project, annotator, policy.goldAtStart]) ?? 0
        }
        return GoldMixing.servesGold(goldReceived: received, policy: policy, draw: draws.next())
    }

    /// Leases a gold task the annotator has not had, starting from a random point of the project's gold
    /// tasks so annotators meet them in different orders; `nil` when they have had them all.
    func claimGoldTask(
        for annotator: Int64, in project: Int64, below bound: Int64, now: Timestamp, expiresAt: Timestamp,
        db: Database
    ) throws -> Claim? {
        try db.executeCached(
            sql: """
                DELETE FROM gold_slot
                WHERE project_id = ? AND annotator_id = ? AND state = 1 AND lease_expires_at <= ?
                """,
            arguments: [project, annotator, now.rawValue])
        guard
            let highest = try Int64.fetchOneCached(
                db,
                sql:
                    "SELECT max(id) FROM task INDEXED BY task_gold WHERE project_id = ? AND gold IS NOT NULL AND id < ?",
                arguments: [project, bound])
        else { return nil }
        let pivot = draws.integer(upTo: highest)
        guard
            let taskID = try Int64.fetchOneCached(
                db, sql: Self.nextGoldTaskSQL(from: ">="), arguments: [project, annotator, pivot, bound])
                ?? Int64.fetchOneCached(
                    db, sql: Self.nextGoldTaskSQL(from: "<"), arguments: [project, annotator, pivot, bound])
        else { return nil }
        let token = tokens.next()
        try db.executeCached(
            sql: """
                INSERT INTO gold_slot (task_id, annotator_id, project_id, state, lease_token, lease_expires_at)
                VALUES (?, ?, ?, 1, ?, ?)
                """,
            arguments: [taskID, annotator, project, token.rawValue, expiresAt.rawValue])
        try db.executeCached(
            sql: "INSERT INTO lease (token, task_id, slot_index, annotator_id, claimed_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [token.rawValue, taskID, LeaseRecord.goldSlotIndex, annotator, now.rawValue])
        let taskRow = try Row.fetchOneCached(
            db, sql: "SELECT id, project_id, data, priority, created_at, prefill FROM task WHERE id = ?",
            arguments: [taskID])!
        return Claim(task: Self.task(from: taskRow), token: token, expiresAt: expiresAt)
    }

    /// The first gold task at or after (`>=`) or before (`<`) a pivot id that the annotator (`?2`) has
    /// neither had, answered nor skipped.
    private static func nextGoldTaskSQL(from comparison: String) -> String {
        """
        SELECT t.id FROM task t INDEXED BY task_gold
        WHERE t.project_id = ?1 AND t.gold IS NOT NULL AND t.id \(comparison) ?3 AND t.id < ?4
          AND NOT EXISTS (SELECT 1 FROM gold_slot g WHERE g.task_id = t.id AND g.annotator_id = ?2)
          AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.task_id = t.id AND a.annotator_id = ?2)
          AND NOT EXISTS (SELECT 1 FROM task_skip k WHERE k.task_id = t.id AND k.annotator_id = ?2)
        ORDER BY t.id LIMIT 1
        """
    }

    /// Scores a gold task's answer, remembers the score, and pauses the annotator when their recent gold
    /// answers fall below the project's minimum.
    func recordGoldAnswer(
        _ annotation: Annotation, gold: String, project: Project, at now: Timestamp, db: Database
    ) throws {
        let score = AnswerAccuracy.goldScore(
            resultJSON: annotation.resultJSON, goldJSON: gold, schema: project.schema)
        try db.executeCached(
            sql: """
                INSERT INTO gold_slot (task_id, annotator_id, project_id, state, score_ppm, answered_at)
                VALUES (?1, ?2, ?3, 2, ?4, ?5)
                ON CONFLICT (task_id, annotator_id) DO UPDATE SET
                    state = 2, lease_token = NULL, lease_expires_at = NULL, score_ppm = ?4, answered_at = ?5
                """,
            arguments: [
                annotation.taskID.rawValue, annotation.annotatorID.rawValue, project.id.rawValue,
                score.map(PartsPerMillion.from), now.rawValue,
            ])
        guard let policy = project.quality.autoPause, score != nil else { return }
        let since =
            try Int64.fetchOneCached(
                db, sql: "SELECT counted_since FROM annotator_standing WHERE project_id = ? AND annotator_id = ?",
                arguments: [project.id.rawValue, annotation.annotatorID.rawValue]) ?? 0
        let recent = try Int64.fetchAll(
            db,
            sql: """
                SELECT score_ppm FROM gold_slot INDEXED BY gold_slot_annotator
                WHERE project_id = ? AND annotator_id = ? AND answered_at > ? AND score_ppm IS NOT NULL
                ORDER BY answered_at DESC LIMIT ?
                """,
            arguments: [project.id.rawValue, annotation.annotatorID.rawValue, since, policy.window]
        ).map(PartsPerMillion.share)
        guard case .belowMinimum(let accuracy, let window) = GoldStanding.evaluate(newestFirst: recent, under: policy)
        else { return }
        try db.executeCached(
            sql: """
                INSERT INTO annotator_standing (project_id, annotator_id, paused_at, pause_accuracy_ppm, pause_window)
                VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (project_id, annotator_id) DO UPDATE SET
                    paused_at = ?3, pause_accuracy_ppm = ?4, pause_window = ?5
                """,
            arguments: [
                project.id.rawValue, annotation.annotatorID.rawValue, now.rawValue, PartsPerMillion.from(accuracy),
                window,
            ])
    }
}
