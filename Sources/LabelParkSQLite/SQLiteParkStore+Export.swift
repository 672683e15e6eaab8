import GRDB
import LabelParkCore
import LabelParkStore

extension SQLiteParkStore {
    public func exportTasks(
        of project: ProjectID, by principal: Principal, includingGold: Bool,
        consume: @Sendable (ExportedTask) throws -> Void
    ) async throws {
        // A GRDB read is one deferred transaction: in WAL mode it sees a single snapshot however long it
        // runs, while writers go on committing behind it.
        try await withoutActuallyEscaping(consume) { consume in
            try await pool.read { db in
                let access = try self.projectAccess(project, by: principal, in: db)
                try AccessRules.requireManagement(access, for: .export)
                let bound = try Self.visibleTaskBound(of: project.rawValue, db: db)
                let rows = try Row.fetchCursor(db, sql: Self.exportSQL, arguments: [project.rawValue, bound])
                var current: ExportedTask?
                while let row = try rows.next() {
                    let taskID = TaskID(row[0] as Int64)
                    if current?.id != taskID {
                        if let finished = current { try consume(finished) }
                        current = ExportedTask(
                            id: taskID, dataJSON: row[1], priority: row[2], annotations: [],
                            goldJSON: includingGold ? row[13] : nil)
                    }
                    if let annotationID = row[3] as Int64? {
                        current!.annotations.append(
                            ExportedAnnotation(
                                id: AnnotationID(annotationID), annotatorID: UserID(row[4] as Int64),
                                annotatorEmail: row[5], resultJSON: row[6], version: row[7],
                                status: AnnotationStatus(rawValue: row[8]) ?? .submitted, isLate: row[9],
                                leadTimeMilliseconds: row[10], createdAt: Timestamp(rawValue: row[11]),
                                updatedAt: Timestamp(rawValue: row[12])))
                    }
                }
                if let finished = current { try consume(finished) }
            }
        }
    }

    /// The first task id of the import being written into a project, or `Int64.max`: its tasks below it
    /// are the ones readers see (`importTasks`).
    static func visibleTaskBound(of project: Int64, db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT importing_from_task_id FROM project WHERE id = ?", arguments: [project]) ?? .max
    }

    /// Every task of a project (`?1`) below the import being written (`?2`) with its annotations, in task
    /// order.
    ///
    /// Ordered by the annotation index (task_id, annotator_id) so SQLite streams rows without a sort;
    /// a test reads the query plan to keep it that way.
    static let exportSQL = """
        SELECT t.id, t.data, t.priority,
               a.id, a.annotator_id, acc.email, a.result, a.version, a.status, a.late, a.lead_time_ms,
               a.created_at, a.updated_at, t.gold
        FROM task t
        LEFT JOIN annotation a ON a.task_id = t.id
        LEFT JOIN account acc ON acc.id = a.annotator_id
        WHERE t.project_id = ? AND t.id < ?
        ORDER BY t.id, a.annotator_id
        """
}
