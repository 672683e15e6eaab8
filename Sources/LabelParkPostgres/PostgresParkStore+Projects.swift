import Dispatch
import LabelParkCore
import LabelParkStore
import Logging
import PostgresNIO
import Synchronization

extension PostgresParkStore {
    public func createProject(
        name: String, description: String, schema: ProjectSchema, overlap: Int, leaseSeconds: Int,
        quality: QualityPolicy, in organization: OrganizationID, by principal: Principal
    ) async throws -> Project {
        try AccessRules.requireProjectCreation(in: organization, principal)
        let now = clock.now()
        let project = try await transaction { connection in
            let id = try await connection.first(
                """
                INSERT INTO project (organization_id, name, description, schema, overlap, lease_seconds, quality,
                                     created_by, created_at)
                VALUES (\(organization.rawValue), \(name), \(description), \(schema.json.jsonText), \(overlap),
                        \(leaseSeconds), \(quality.json.jsonText), \(principal.userID.rawValue), \(now.rawValue))
                RETURNING id
                """, logger: self.logger)!.decode(Int64.self)
            return Project(
                id: ProjectID(id), organizationID: organization, name: name, description: description, schema: schema,
                overlap: overlap, leaseSeconds: leaseSeconds, quality: quality, createdBy: principal.userID,
                createdAt: now)
        }
        projectCache.put(project)
        return project
    }

    public func updateProject(
        _ id: ProjectID, with changes: ProjectChanges, by principal: Principal
    ) async throws -> Project {
        let project = try await transaction { connection in
            let access = try await self.projectAccess(id, by: principal, on: connection)
            try AccessRules.requireManagement(access, for: .changeSettings)
            // Locks the row, so two managers' changes apply one after the other, each to the latest settings.
            guard
                let row = try await connection.first(
                    """
                    SELECT name, description, lease_seconds, schema, quality FROM project WHERE id = \(id.rawValue)
                    FOR UPDATE
                    """, logger: self.logger)
            else { throw StoreError.notFound(.project) }
            if changes.schema != nil {
                let annotated = try await connection.first(
                    "SELECT EXISTS (SELECT 1 FROM annotation WHERE project_id = \(id.rawValue))", logger: self.logger
                )!.decode(Bool.self)
                guard !annotated else { throw StoreError.conflict(.schemaLocked) }
            }
            let (name, description, leaseSeconds, schemaText, qualityText) = try row.decode(
                (String, String, Int, String, String).self)
            var project = access.project
            project.name = name
            project.description = description
            project.leaseSeconds = leaseSeconds
            project.schema = try ProjectSchema(json: try JSONParser().parse(schemaText))
            project.quality = try QualityPolicy(json: try JSONParser().parse(qualityText), baseOverlap: project.overlap)
            project.apply(changes)
            try await connection.run(
                """
                UPDATE project SET name = \(project.name), description = \(project.description),
                                   lease_seconds = \(project.leaseSeconds), schema = \(project.schema.json.jsonText),
                                   quality = \(project.quality.json.jsonText)
                WHERE id = \(id.rawValue)
                """, logger: self.logger)
            return project
        }
        projectCache.put(project)
        return project
    }

    public func projectAccess(_ project: ProjectID, by principal: Principal) async throws -> ProjectAccess {
        try await read { connection in try await self.projectAccess(project, by: principal, on: connection) }
    }

    /// Resolves the principal's access to a project on an open connection; `notFound` if it has none.
    func projectAccess(
        _ id: ProjectID, by principal: Principal, on connection: PostgresConnection
    ) async throws -> ProjectAccess {
        let project = try await cachedProject(id, on: connection)
        switch try AccessRules.reach(project, by: principal) {
        case .owner(let access):
            return access
        case .throughGrant(let organizations):
            let granted = try await connection.first(
                """
                SELECT organization_id FROM project_grant
                WHERE project_id = \(id.rawValue) AND organization_id = ANY(\(organizations)) LIMIT 1
                """, logger: logger)?.decode(Int64.self)
            guard let project else { throw StoreError.notFound(.project) }
            return try AccessRules.grantedAccess(to: project, grantedTo: granted, by: principal)
        }
    }

    /// The project from the cache, or read and cached; `nil` if it does not exist.
    func cachedProject(_ id: ProjectID, on connection: PostgresConnection) async throws -> Project? {
        if let cached = projectCache.project(id) { return cached }
        guard
            let row = try await connection.first(
                "\(unescaped: Self.projectSelect) WHERE id = \(id.rawValue)", logger: logger)
        else { return nil }
        let project = try Self.project(from: row)
        projectCache.put(project)
        return project
    }

    static let projectSelect = """
        SELECT id, organization_id, name, description, schema, overlap, lease_seconds, quality, created_by, created_at
        FROM project
        """

    /// A project from a row that starts with `projectSelect`'s columns.
    static func project(from row: PostgresRow) throws -> Project {
        let (
            id, organization, name, description, schemaText, overlap, leaseSeconds, qualityText, createdBy, createdAt
        ) =
            try row.decode((Int64, Int64, String, String, String, Int, Int, String, Int64, Int64).self)
        // Stored schemas and policies were validated on write; failing here means the row was edited by hand.
        let schema = try ProjectSchema(json: try JSONParser().parse(schemaText))
        let quality = try QualityPolicy(json: try JSONParser().parse(qualityText), baseOverlap: overlap)
        return Project(
            id: ProjectID(id), organizationID: OrganizationID(organization), name: name, description: description,
            schema: schema, overlap: overlap, leaseSeconds: leaseSeconds, quality: quality,
            createdBy: UserID(createdBy), createdAt: Timestamp(rawValue: createdAt))
    }

    public func projects(visibleTo principal: Principal) async throws -> [ProjectAccess] {
        let ids = principal.organizationIDs.map(\.rawValue)
        guard !ids.isEmpty else { return [] }
        return try await read { connection in
            let projectIDs = try await connection.run(
                """
                SELECT id FROM project WHERE organization_id = ANY(\(ids))
                UNION SELECT project_id FROM project_grant WHERE organization_id = ANY(\(ids))
                ORDER BY 1 DESC
                """, logger: self.logger
            ).map { try $0.decode(Int64.self) }
            var visible: [ProjectAccess] = []
            for id in projectIDs {
                visible.append(try await self.projectAccess(ProjectID(id), by: principal, on: connection))
            }
            return visible
        }
    }

    public func grantProject(_ project: ProjectID, to vendor: OrganizationID, by principal: Principal) async throws {
        let now = clock.now()
        try await transaction { connection in
            let access = try await self.projectAccess(project, by: principal, on: connection)
            try AccessRules.requireManagement(access, for: .grantAccess)
            let kind = try await connection.first(
                "SELECT kind FROM organization WHERE id = \(vendor.rawValue)", logger: self.logger
            )?.decode(String.self)
            guard kind == OrganizationKind.vendor.rawValue else { throw StoreError.notFound(.organization) }
            try await connection.run(
                """
                INSERT INTO project_grant (project_id, organization_id, created_at)
                VALUES (\(project.rawValue), \(vendor.rawValue), \(now.rawValue)) ON CONFLICT DO NOTHING
                """, logger: self.logger)
        }
    }

    public func progress(of project: ProjectID, by principal: Principal) async throws -> ProjectProgress {
        try await transaction { connection in
            // One snapshot for every count, so they add up even while annotators work.
            try await connection.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger)
            let access = try await self.projectAccess(project, by: principal, on: connection)
            try AccessRules.requireManagement(access, for: .seeProgress)
            let id = project.rawValue
            // Gold tasks are counted through their small partial index and taken away, so that counting
            // work tasks never filters the task rows themselves.
            let (allTasks, goldTasks, extraSlots, open, leased, unfinished) = try await connection.first(
                """
                SELECT (SELECT count(*) FROM task WHERE project_id = \(id)),
                       (SELECT count(*) FROM task WHERE project_id = \(id) AND gold IS NOT NULL),
                       (SELECT extra_slots FROM project WHERE id = \(id)),
                       (SELECT count(*) FROM slot WHERE project_id = \(id) AND state = 0),
                       (SELECT count(*) FROM slot WHERE project_id = \(id) AND state = 1),
                       (SELECT count(DISTINCT task_id) FROM slot WHERE project_id = \(id) AND state IN (0, 1))
                """, logger: self.logger)!.decode((Int, Int, Int, Int, Int, Int).self)
            let annotators = try await connection.run(
                """
                SELECT a.annotator_id, acc.display_name, count(*), count(*) FILTER (WHERE a.late)
                FROM annotation a JOIN account acc ON acc.id = a.annotator_id
                WHERE a.project_id = \(id) GROUP BY a.annotator_id, acc.display_name
                ORDER BY 3 DESC, a.annotator_id
                """, logger: self.logger
            ).map { row in
                let (user, name, count, late) = try row.decode((Int64, String, Int, Int).self)
                return AnnotatorCount(userID: UserID(user), displayName: name, annotations: count, late: late)
            }
            return ProjectProgress(
                tasks: allTasks - goldTasks, overlap: access.project.overlap, extraSlots: extraSlots, openSlots: open,
                leasedSlots: leased,
                unfinishedTasks: unfinished, annotators: annotators)
        }
    }

    public func importTasks(
        into project: ProjectID, by principal: Principal,
        produce: @Sendable (_ insert: (NewTask) throws -> Void) throws -> Void
    ) async throws -> ImportedBatch {
        let access = try await projectAccess(project, by: principal)
        try AccessRules.requireManagement(access, for: .importTasks)
        let now = clock.now()
        let overlap = access.project.overlap
        let organization = access.project.organizationID.rawValue
        // `produce` reads the local spool on a thread of its own; the one transaction keeps the import all
        // or nothing, and MVCC keeps it from holding up anyone else's writes.
        return try await TaskBatchHandoff.importing(produce: produce) { batches in
            // Not retried: the batches cannot be read twice, and an import conflicts with nothing.
            try await transaction(retrying: false) { connection in
                guard
                    let batchID = try await connection.first(
                        """
                        INSERT INTO task_batch (project_id, task_count, created_at)
                        VALUES (\(project.rawValue), 0, \(now.rawValue)) RETURNING id
                        """, logger: self.logger)?.decode(Int64.self)
                else { throw StoreError.notFound(.batch) }
                var count = 0
                while let tasks = try await batches.next() {
                    try await Self.insert(
                        tasks, organization: organization, project: project.rawValue, batch: batchID,
                        overlap: overlap, createdAt: now, on: connection, logger: self.logger)
                    count += tasks.count
                }
                guard count > 0 else {
                    try await connection.run("DELETE FROM task_batch WHERE id = \(batchID)", logger: self.logger)
                    return ImportedBatch(batchID: nil, taskCount: 0)
                }
                try await connection.run(
                    "UPDATE task_batch SET task_count = \(count) WHERE id = \(batchID)", logger: self.logger)
                try await connection.run(
                    "UPDATE project SET queue_generation = queue_generation + 1 WHERE id = \(project.rawValue)",
                    logger: self.logger)
                return ImportedBatch(batchID: BatchID(batchID), taskCount: count)
            }
        }
    }

    /// Inserts one handed-over group of tasks and the slots of its work tasks in a single statement (arrays
    /// bound as parameters); gold tasks get no slots.
    static func insert(
        _ batch: [NewTask], organization: Int64, project: Int64, batch batchID: Int64, overlap: Int,
        createdAt: Timestamp, on connection: PostgresConnection, logger: Logger
    ) async throws {
        // Arrays of optionals cannot be bound, so a task without gold sends '' (never valid JSON) for NULL.
        let gold = batch.map { $0.goldJSON ?? "" }
        let prefill = batch.map { $0.prefillJSON ?? "" }
        try await connection.run(
            """
            WITH inserted AS (
                INSERT INTO task (organization_id, project_id, data, gold, priority, created_at, batch_id, prefill)
                SELECT \(organization), \(project), data, NULLIF(gold, ''), priority, \(createdAt.rawValue), \(batchID),
                       NULLIF(prefill, '')
                FROM unnest(\(batch.map(\.dataJSON))::text[], \(gold)::text[], \(batch.map(\.priority))::int[],
                            \(prefill)::text[])
                     WITH ORDINALITY AS t(data, gold, priority, prefill, position)
                ORDER BY position
                RETURNING id, priority, gold IS NOT NULL AS is_gold)
            INSERT INTO slot (task_id, slot_index, project_id, priority)
            SELECT i.id, n, \(project), i.priority
            FROM inserted i CROSS JOIN generate_series(0, \(overlap - 1)) AS n
            WHERE NOT i.is_gold
            """, logger: logger)
    }

    public func task(_ task: TaskID, by principal: Principal) async throws -> (TaskRecord, ProjectAccess) {
        try await read { connection in
            guard
                let row = try await connection.first(
                    "SELECT id, project_id, data, priority, created_at, prefill FROM task WHERE id = \(task.rawValue)",
                    logger: self.logger)
            else { throw StoreError.notFound(.task) }
            let record = try Self.task(from: row)
            let access: ProjectAccess
            do {
                access = try await self.projectAccess(record.projectID, by: principal, on: connection)
            } catch StoreError.notFound {
                throw StoreError.notFound(.task)
            }
            // Annotators see only the tasks they hold or answered: client data stays need-to-know.
            if !access.canManage {
                let user = principal.userID.rawValue
                let touched = try await connection.first(
                    """
                    SELECT EXISTS (SELECT 1 FROM slot WHERE task_id = \(task.rawValue) AND annotator_id = \(user))
                        OR EXISTS (SELECT 1 FROM annotation WHERE task_id = \(task.rawValue) AND annotator_id = \(user))
                        OR EXISTS (SELECT 1 FROM gold_slot WHERE task_id = \(task.rawValue) AND annotator_id = \(user))
                    """, logger: self.logger)!.decode(Bool.self)
                guard touched else { throw StoreError.notFound(.task) }
            }
            return (record, access)
        }
    }

    static func task(from row: PostgresRow) throws -> TaskRecord {
        let (id, project, data, priority, createdAt, prefill) = try row.decode(
            (Int64, Int64, String, Int, Int64, String?).self)
        return TaskRecord(
            id: TaskID(id), projectID: ProjectID(project), dataJSON: data, priority: priority,
            createdAt: Timestamp(rawValue: createdAt), prefillJSON: prefill)
    }
}
