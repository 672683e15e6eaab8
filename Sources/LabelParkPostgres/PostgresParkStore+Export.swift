import Dispatch
import LabelParkCore
import LabelParkStore
import PostgresNIO

extension PostgresParkStore {
    public func exportTasks(
        of project: ProjectID, by principal: Principal, includingGold: Bool,
        consume: @Sendable (ExportedTask) throws -> Void
    ) async throws {
        try await withoutActuallyEscaping(consume) { consume in
            let consumer = BorrowedClosure(consume)
            defer { consumer.release() }
            // Not retried: `consume` has already written what it was given.
            try await transaction(retrying: false) { connection in
                // A snapshot that can never be rolled back for a serialization conflict, taken once no
                // concurrent serializable writer could invalidate it; writers go on committing meanwhile.
                try await connection.run(
                    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", logger: self.logger)
                let access = try await self.projectAccess(project, by: principal, on: connection)
                try AccessRules.requireManagement(access, for: .export)
                let rows = try await connection.query(Self.exportSQL(project: project.rawValue), logger: self.logger)
                var ready: [ExportedTask] = []
                var current: ExportedTask?
                for try await row in rows {
                    let (taskID, data, priority) = try row.decode((Int64, String, Int).self)
                    if current?.id.rawValue != taskID {
                        if let finished = current {
                            ready.append(finished)
                            if ready.count == Self.exportBatchSize {
                                try await Self.deliver(ready, to: consumer)
                                ready.removeAll(keepingCapacity: true)
                            }
                        }
                        let gold = includingGold ? try row.makeRandomAccess()[13].decode(String?.self) : nil
                        current = ExportedTask(
                            id: TaskID(taskID), dataJSON: data, priority: priority, annotations: [], goldJSON: gold)
                    }
                    if let annotation = try Self.exportedAnnotation(from: row) {
                        current!.annotations.append(annotation)
                    }
                }
                if let finished = current { ready.append(finished) }
                try await Self.deliver(ready, to: consumer)
            }
        }
    }

    /// Tasks handed to `consume` per thread hop: enough to make the hop cheap, few enough to stay small.
    static let exportBatchSize = 256

    /// Calls the synchronous, possibly blocking `consume` off the cooperative pool, one batch at a time;
    /// the row stream waits meanwhile, which is the export's backpressure.
    private static func deliver(
        _ tasks: [ExportedTask], to consumer: BorrowedClosure<@Sendable (ExportedTask) throws -> Void>
    ) async throws {
        guard !tasks.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { for task in tasks { try consumer.borrowed(task) } })
            }
        }
    }

    private static func exportedAnnotation(from row: PostgresRow) throws -> ExportedAnnotation? {
        let (_, _, _, id, annotator, email, result, version, status, late, leadTime, createdAt, updatedAt, _) =
            try row.decode(
                (
                    Int64, String, Int, Int64?, Int64?, String?, String?, Int?, String?, Bool?, Int64?, Int64?,
                    Int64?, String?
                ).self)
        guard let id, let annotator, let email, let result, let version, let status, let late, let createdAt,
            let updatedAt
        else { return nil }
        return ExportedAnnotation(
            id: AnnotationID(id), annotatorID: UserID(annotator), annotatorEmail: email, resultJSON: result,
            version: version, status: AnnotationStatus(rawValue: status) ?? .submitted, isLate: late,
            leadTimeMilliseconds: leadTime, createdAt: Timestamp(rawValue: createdAt),
            updatedAt: Timestamp(rawValue: updatedAt))
    }

    /// Every task of a project with its annotations, in task order (the same rows as on SQLite).
    static func exportSQL(project: Int64) -> PostgresQuery {
        """
        SELECT t.id, t.data, t.priority,
               a.id, a.annotator_id, acc.email, a.result, a.version, a.status, a.late, a.lead_time_ms,
               a.created_at, a.updated_at, t.gold
        FROM task t
        LEFT JOIN annotation a ON a.task_id = t.id
        LEFT JOIN account acc ON acc.id = a.annotator_id
        WHERE t.project_id = \(project)
        ORDER BY t.id, a.annotator_id
        """
    }
}
