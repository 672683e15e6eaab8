import GRDB
import LabelParkCore
import LabelParkStore
import Synchronization

extension SQLiteParkStore {
    public func createProject(
        name: String, description: String, schema: ProjectSchema, overlap: Int, leaseSeconds: Int,
        quality: QualityPolicy, in organization: OrganizationID, by principal: Principal
    ) async throws -> Project {
        try AccessRules.requireProjectCreation(in: organization, principal)
        let now = clock.now()
        let project = try await batcher.write { db in
            try db.execute(
                sql: """
                    INSERT INTO project (organization_id, name, description, schema, overlap, lease_seconds, quality,
                                         created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    organization.rawValue, name, description, schema.json.jsonText, overlap, leaseSeconds,
                    quality.json.jsonText, principal.userID.rawValue, now.rawValue,
                ])
            return Project(
                id: ProjectID(db.lastInsertedRowID), organizationID: organization, name: name, description: description,
                schema: schema, overlap: overlap, leaseSeconds: leaseSeconds, quality: quality,
                createdBy: principal.userID, createdAt: now)
        }
        projectCache.put(project)
        return project
    }

    public func updateProject(
        _ id: ProjectID, with changes: ProjectChanges, by principal: Principal
    ) async throws -> Project {
        let project = try await batcher.write { db in
            try AccessRules.requireManagement(try self.projectAccess(id, by: principal, in: db), for: .changeSettings)
            if changes.schema != nil {
                let annotated =
                    try Bool.fetchOne(
                        db, sql: "SELECT EXISTS (SELECT 1 FROM annotation WHERE project_id = ?)",
                        arguments: [id.rawValue]) ?? false
                guard !annotated else { throw StoreError.conflict(.schemaLocked) }
            }
            let row = try Row.fetchOne(db, sql: "SELECT * FROM project WHERE id = ?", arguments: [id.rawValue])!
            var project = try Self.project(from: row)
            project.apply(changes)
            try db.execute(
                sql:
                    "UPDATE project SET name = ?, description = ?, lease_seconds = ?, schema = ?, quality = ? WHERE id = ?",
                arguments: [
                    project.name, project.description, project.leaseSeconds, project.schema.json.jsonText,
                    project.quality.json.jsonText, id.rawValue,
                ])
            return project
        }
        projectCache.put(project)
        return project
    }

    public func projectAccess(_ project: ProjectID, by principal: Principal) async throws -> ProjectAccess {
        try await pool.read { db in try self.projectAccess(project, by: principal, in: db) }
    }

    /// Resolves the principal's access to a project inside an open transaction; `notFound` if it has none.
    func projectAccess(_ id: ProjectID, by principal: Principal, in db: Database) throws -> ProjectAccess {
        let project = try cachedProject(id, in: db)
        switch try AccessRules.reach(project, by: principal) {
        case .owner(let access):
            return access
        case .throughGrant(let organizations):
            let granted = try Int64.fetchOneCached(
                db,
                sql:
                    "SELECT organization_id FROM project_grant WHERE project_id = ? AND organization_id IN \(Self.placeholders(organizations.count)) LIMIT 1",
                arguments: StatementArguments([id.rawValue] + organizations))
            guard let project else { throw StoreError.notFound(.project) }
            return try AccessRules.grantedAccess(to: project, grantedTo: granted, by: principal)
        }
    }

    func cachedProject(_ id: ProjectID, in db: Database) throws -> Project? {
        if let cached = projectCache.project(id) { return cached }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM project WHERE id = ?", arguments: [id.rawValue]) else {
            return nil
        }
        let project = try Self.project(from: row)
        projectCache.put(project)
        return project
    }

    static func project(from row: Row) throws -> Project {
        let schemaText: String = row["schema"]
        // Stored schemas were validated on create; failing here means the file was edited by hand.
        let schema = try ProjectSchema(json: try JSONParser().parse(schemaText))
        let overlap: Int = row["overlap"]
        let quality = try QualityPolicy(json: try JSONParser().parse(row["quality"] as String), baseOverlap: overlap)
        return Project(
            id: ProjectID(row["id"]), organizationID: OrganizationID(row["organization_id"]), name: row["name"],
            description: row["description"], schema: schema, overlap: overlap,
            leaseSeconds: row["lease_seconds"], quality: quality,
            createdBy: UserID(row["created_by"]), createdAt: Timestamp(rawValue: row["created_at"]))
    }

    public func projects(visibleTo principal: Principal) async throws -> [ProjectAccess] {
        let ids = principal.organizationIDs.map(\.rawValue)
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            let list = Self.placeholders(ids.count)
            let projectIDs = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM project WHERE organization_id IN \(list)
                    UNION SELECT project_id FROM project_grant WHERE organization_id IN \(list)
                    ORDER BY 1 DESC
                    """,
                arguments: StatementArguments(ids + ids))
            return try projectIDs.map { try self.projectAccess(ProjectID($0), by: principal, in: db) }
        }
    }

    public func grantProject(_ project: ProjectID, to vendor: OrganizationID, by principal: Principal) async throws {
        let now = clock.now()
        try await batcher.write { db in
            let access = try self.projectAccess(project, by: principal, in: db)
            try AccessRules.requireManagement(access, for: .grantAccess)
            let kind = try String.fetchOne(
                db, sql: "SELECT kind FROM organization WHERE id = ?", arguments: [vendor.rawValue])
            guard kind == OrganizationKind.vendor.rawValue else { throw StoreError.notFound(.organization) }
            try db.execute(
                sql: "INSERT OR IGNORE INTO project_grant (project_id, organization_id, created_at) VALUES (?, ?, ?)",
                arguments: [project.rawValue, vendor.rawValue, now.rawValue])
        }
    }

    public func progress(of project: ProjectID, by principal: Principal) async throws -> ProjectProgress {
        try await pool.read { db in
            let access = try self.projectAccess(project, by: principal, in: db)
            try AccessRules.requireManagement(access, for: .seeProgress)
            let id = project.rawValue
            // An import being written is left out until it is published.
            let bound = try Self.visibleTaskBound(of: id, db: db)
            // Gold tasks are counted through their small partial index and taken away, so that counting
            // work tasks never reads the task rows themselves.
            let allTasks =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM task WHERE project_id = ? AND id < ?", arguments: [id, bound]) ?? 0
            let goldTasks =
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT count(*) FROM task INDEXED BY task_gold WHERE project_id = ? AND gold IS NOT NULL AND id < ?",
                    arguments: [id, bound]) ?? 0
            let extraSlots =
                try Int.fetchOne(db, sql: "SELECT extra_slots FROM project WHERE id = ?", arguments: [id]) ?? 0
            let open =
                try Int.fetchOne(
                    db,
                    sql:
                        "SELECT count(*) FROM slot INDEXED BY slot_queue WHERE project_id = ? AND state = 0 AND task_id < ?",
                    arguments: [id, bound]) ?? 0
            let leased =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM slot INDEXED BY slot_lease_expiry WHERE project_id = ? AND state = 1",
                    arguments: [id]) ?? 0
            let unfinished =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM (
                            SELECT task_id FROM slot INDEXED BY slot_queue WHERE project_id = ? AND state = 0 AND task_id < ?
                            UNION SELECT task_id FROM slot INDEXED BY slot_lease_expiry WHERE project_id = ? AND state = 1)
                        """,
                    arguments: [id, bound, id]) ?? 0
            let annotators = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.annotator_id, acc.display_name, count(*) AS n, sum(a.late) AS late
                    FROM annotation a JOIN account acc ON acc.id = a.annotator_id
                    WHERE a.project_id = ? GROUP BY a.annotator_id ORDER BY n DESC, a.annotator_id
                    """,
                arguments: [id]
            ).map { row in
                AnnotatorCount(
                    userID: UserID(row["annotator_id"]), displayName: row["display_name"], annotations: row["n"],
                    late: row["late"])
            }
            return ProjectProgress(
                tasks: allTasks - goldTasks, overlap: access.project.overlap, extraSlots: extraSlots, openSlots: open,
                leasedSlots: leased,
                unfinishedTasks: unfinished, annotators: annotators)
        }
    }

    /// Tasks per write of an import: a chunk takes a few milliseconds, which is what a claim or submission
    /// grouped into the same commit waits for (2,000 a chunk put claims' p99 at ~115 ms during an import).
    static let importChunkSize = 500

    /// Imports in chunks of `importChunkSize` tasks, each its own short write in the group commit, so a
    /// million-task import never holds the single SQLite writer for long (one transaction blocked every
    /// claim and submission for ~10 s).
    ///
    /// The import stays all or nothing: its first write marks the project as importing from the next task
    /// id, readers (claims, gold, exports, progress, batches) leave the project's tasks from that id on
    /// alone, and its last write clears the mark, publishing every task at once. A failed import deletes
    /// what it wrote; one cut short by a crash is deleted when the store next opens. Imports into one
    /// project take turns (409 `import_in_progress`).
    public func importTasks(
        into project: ProjectID, by principal: Principal,
        produce: @Sendable (_ insert: (NewTask) throws -> Void) throws -> Void
    ) async throws -> ImportedBatch {
        let access = try await projectAccess(project, by: principal)
        try AccessRules.requireManagement(access, for: .importTasks)
        let now = clock.now()
        let overlap = access.project.overlap
        let organization = access.project.organizationID.rawValue
        let (batch, firstTaskID) = try await batcher.write { db in
            try Self.beginImport(into: project.rawValue, at: now, db: db)
        }
        do {
            let count = try await TaskBatchHandoff.importing(batchSize: Self.importChunkSize, produce: produce) {
                batches in
                var count = 0
                var nextTaskID = firstTaskID
                while let tasks = try await batches.next() {
                    let start = nextTaskID
                    let began = ContinuousClock.now
                    nextTaskID = try await batcher.write { db in
                        try Self.insertStaged(
                            tasks, startingAt: start, organization: organization, project: project.rawValue,
                            batch: batch, overlap: overlap, createdAt: now, db: db)
                    }
                    count += tasks.count
                    // While others write, rest as long as the chunk took: the import then gets at most half of
                    // the writer (and of a core), so claims and submissions find it free; alone, it runs flat out.
                    if batcher.hasOtherWriters { try await Task.sleep(for: ContinuousClock.now - began) }
                }
                return count
            }
            guard count > 0 else {
                try await discardImport(of: project.rawValue)
                return ImportedBatch(batchID: nil, taskCount: 0)
            }
            try await batcher.write { db in
                try db.execute(sql: "UPDATE task_batch SET task_count = ? WHERE id = ?", arguments: [count, batch])
                try db.execute(
                    sql: """
                        UPDATE project SET importing_batch_id = NULL, importing_from_task_id = NULL,
                            queue_generation = queue_generation + 1
                        WHERE id = ?
                        """,
                    arguments: [project.rawValue])
            }
            return ImportedBatch(batchID: BatchID(batch), taskCount: count)
        } catch {
            try? await discardImport(of: project.rawValue)
            throw error
        }
    }

    /// Opens an import: its batch, and the mark that hides the project's tasks from `importing_from_task_id`.
    private static func beginImport(into project: Int64, at now: Timestamp, db: Database) throws -> (Int64, Int64) {
        let importing = try Int64.fetchOne(
            db, sql: "SELECT importing_batch_id FROM project WHERE id = ?", arguments: [project])
        guard importing == nil else { throw StoreError.conflict(.importInProgress) }
        try db.execute(
            sql: "INSERT INTO task_batch (project_id, task_count, created_at) VALUES (?, 0, ?)",
            arguments: [project, now.rawValue])
        let batch = db.lastInsertedRowID
        let first = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM task") ?? 0) + 1
        try db.execute(
            sql: "UPDATE project SET importing_batch_id = ?, importing_from_task_id = ? WHERE id = ?",
            arguments: [batch, first, project])
        return (batch, first)
    }

    /// Writes one chunk of an import with explicit ids from `startingAt` (never below the project's mark,
    /// even if other projects' rows were deleted meanwhile); returns the next id to use.
    static func insertStaged(
        _ tasks: [NewTask], startingAt start: Int64, organization: Int64, project: Int64, batch: Int64,
        overlap: Int, createdAt: Timestamp, db: Database
    ) throws -> Int64 {
        var taskID = max(start, (try Int64.fetchOne(db, sql: "SELECT max(id) FROM task") ?? 0) + 1)
        let insertTask = try db.cachedStatement(
            sql: """
                INSERT INTO task (id, organization_id, project_id, data, gold, priority, created_at, batch_id, prefill)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let insertSlot = try db.cachedStatement(
            sql: "INSERT INTO slot (task_id, slot_index, project_id, priority) VALUES (?, ?, ?, ?)")
        for task in tasks {
            try insertTask.execute(arguments: [
                taskID, organization, project, task.dataJSON, task.goldJSON, task.priority, createdAt.rawValue, batch,
                task.prefillJSON,
            ])
            if task.goldJSON == nil {
                for index in 0..<overlap {
                    try insertSlot.execute(arguments: [taskID, index, project, task.priority])
                }
            }
            taskID += 1
        }
        return taskID
    }

    /// Deletes an unpublished import of the project (a failed one, or one a crash cut short), 5,000 tasks a
    /// write, then clears the project's mark.
    func discardImport(of project: Int64) async throws {
        while true {
            let deleted = try await batcher.write { db -> Int in
                guard
                    let first = try Int64.fetchOne(
                        db, sql: "SELECT importing_from_task_id FROM project WHERE id = ?", arguments: [project])
                else { return 0 }
                let ids = try Int64.fetchAll(
                    db, sql: "SELECT id FROM task WHERE project_id = ? AND id >= ? ORDER BY id LIMIT 5000",
                    arguments: [project, first])
                guard let last = ids.last, let lowest = ids.first else { return 0 }
                try db.execute(
                    sql: "DELETE FROM slot WHERE task_id BETWEEN ? AND ? AND project_id = ?",
                    arguments: [lowest, last, project])
                try db.execute(
                    sql: "DELETE FROM task WHERE project_id = ? AND id BETWEEN ? AND ?",
                    arguments: [project, lowest, last])
                return ids.count
            }
            if deleted == 0 { break }
        }
        try await batcher.write { db in
            if let batch = try Int64.fetchOne(
                db, sql: "SELECT importing_batch_id FROM project WHERE id = ?", arguments: [project])
            {
                try db.execute(sql: "DELETE FROM task_batch WHERE id = ?", arguments: [batch])
            }
            try db.execute(
                sql: "UPDATE project SET importing_batch_id = NULL, importing_from_task_id = NULL WHERE id = ?",
                arguments: [project])
        }
    }

    /// Deletes every import a crash cut short; run when the store opens.
    public func discardUnfinishedImports() async throws {
        let projects = try await pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM project WHERE importing_batch_id IS NOT NULL")
        }
        for project in projects { try await discardImport(of: project) }
    }

    public func task(_ task: TaskID, by principal: Principal) async throws -> (TaskRecord, ProjectAccess) {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT id, project_id, data, priority, created_at, prefill FROM task WHERE id = ?",
                    arguments: [task.rawValue])
            else { throw StoreError.notFound(.task) }
            let record = Self.task(from: row)
            // A task of an import still being written does not exist yet for anyone.
            guard record.id.rawValue < (try Self.visibleTaskBound(of: record.projectID.rawValue, db: db)) else {
                throw StoreError.notFound(.task)
            }
            let access: ProjectAccess
            do {
                access = try self.projectAccess(record.projectID, by: principal, in: db)
            } catch StoreError.notFound {
                throw StoreError.notFound(.task)
            }
            // Annotators see only the tasks they hold or answered: client data stays need-to-know.
            if !access.canManage {
                let touched =
                    try Bool.fetchOne(
                        db,
                        sql: """
                            SELECT EXISTS (SELECT 1 FROM slot WHERE task_id = ?1 AND annotator_id = ?2)
                                OR EXISTS (SELECT 1 FROM annotation WHERE task_id = ?1 AND annotator_id = ?2)
                                OR EXISTS (SELECT 1 FROM gold_slot WHERE task_id = ?1 AND annotator_id = ?2)
                            """,
                        arguments: [task.rawValue, principal.userID.rawValue]) ?? false
                guard touched else { throw StoreError.notFound(.task) }
            }
            return (record, access)
        }
    }

    static func task(from row: Row) -> TaskRecord {
        TaskRecord(
            id: TaskID(row["id"]), projectID: ProjectID(row["project_id"]), dataJSON: row["data"],
            priority: row["priority"],
            createdAt: Timestamp(rawValue: row["created_at"]), prefillJSON: row["prefill"])
    }
}
