import GRDB
import LabelParkCore
import LabelParkStore

extension SQLiteParkStore {
    public func attachStorage(
        _ new: NewStorage, to project: ProjectID, by principal: Principal
    ) async throws -> AttachedStorage {
        let now = clock.now()
        return try await batcher.write { db in
            let access = try self.projectAccess(project, by: principal, in: db)
            try AccessRules.requireManagement(access, for: .attachStorage)
            var columns: [String: (any DatabaseValueConvertible)?] = [
                "project_id": project.rawValue, "title": new.title, "kind": new.source.kind,
                "sealed_credentials": new.sealedCredentials, "created_by": principal.userID.rawValue,
                "created_at": now.rawValue, "sync_state": SyncState.idle.rawValue,
            ]
            switch new.source {
            case .s3(let endpoint, let bucket, let prefix, let region, let pathStyle):
                columns["endpoint"] = endpoint
                columns["bucket"] = bucket
                columns["prefix"] = prefix
                columns["region"] = region
                columns["path_style"] = pathStyle
            case .directory(let path):
                columns["path"] = path
            }
            let names = Array(columns.keys)
            try db.execute(
                sql: "INSERT INTO storage (\(names.joined(separator: ", "))) VALUES \(Self.placeholders(names.count))",
                arguments: StatementArguments(names.map { columns[$0] ?? nil }))
            return try Self.fetchStorage(db, id: db.lastInsertedRowID)
        }
    }

    public func storages(of project: ProjectID, by principal: Principal) async throws -> [AttachedStorage] {
        try await pool.read { db in
            let access = try self.projectAccess(project, by: principal, in: db)
            try AccessRules.requireManagement(access, for: .attachStorage)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM storage WHERE project_id = ? ORDER BY id", arguments: [project.rawValue]
            ).map(Self.storage(from:))
        }
    }

    public func storage(_ id: StorageID, by principal: Principal) async throws -> AttachedStorage {
        try await pool.read { db in try self.managedStorage(id, by: principal, in: db) }
    }

    public func beginSync(
        of storage: StorageID, taskField: String?, staleBefore: Timestamp, by principal: Principal
    ) async throws -> AttachedStorage {
        let now = clock.now()
        return try await batcher.write { db in
            let current = try self.managedStorage(storage, by: principal, in: db)
            try SyncRules.requireStartable(current.sync, staleBefore: staleBefore)
            try db.execute(
                sql: """
                    UPDATE storage SET sync_state = 'running', sync_task_field = ?, sync_started_by = ?,
                        sync_started_at = ?, sync_heartbeat_at = ?, sync_finished_at = NULL, sync_objects = 0,
                        sync_assets = 0, sync_tasks = 0, sync_skipped = 0, sync_batch_id = NULL, sync_error = NULL
                    WHERE id = ?
                    """,
                arguments: [taskField, principal.userID.rawValue, now.rawValue, now.rawValue, storage.rawValue])
            return try Self.fetchStorage(db, id: storage.rawValue)
        }
    }

    public func recordedObjectKeys(_ keys: [String], in storage: StorageID) async throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        return try await pool.read { db in
            var found = Set<String>()
            for start in stride(from: 0, to: keys.count, by: 500) {
                let chunk = keys[start..<min(start + 500, keys.count)]
                found.formUnion(
                    try String.fetchAll(
                        db,
                        sql: """
                            SELECT object_key FROM storage_object
                            WHERE storage_id = ? AND object_key IN \(Self.placeholders(chunk.count))
                            """,
                        arguments: StatementArguments([storage.rawValue] + Array(chunk))))
            }
            return found
        }
    }

    public func recordSyncedObjects(
        _ objects: [SyncedObject], in storage: StorageID, run: Timestamp
    ) async throws -> StorageSync {
        let now = clock.now()
        return try await batcher.write { db in
            let current = try Self.fetchStorage(db, id: storage.rawValue)
            try SyncRules.requireRunning(current.sync, run: run)
            guard let startedBy = current.sync.startedBy,
                let project = try Row.fetchOne(
                    db, sql: "SELECT organization_id, overlap, importing_batch_id FROM project WHERE id = ?",
                    arguments: [current.projectID.rawValue])
            else { throw StoreError.notFound(.storage) }
            let organization: Int64 = project["organization_id"]
            var counts = (objects: 0, assets: 0, skipped: 0)
            var tasks: [NewTask] = []
            for object in objects {
                let known = try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM storage_object WHERE storage_id = ? AND object_key = ?",
                    arguments: [storage.rawValue, object.key])
                if known == true { continue }
                counts.objects += 1
                var assetID: Int64?
                var skipped: String?
                switch object.outcome {
                case .skipped(let why):
                    skipped = why
                    counts.skipped += 1
                case .asset(let new):
                    if let existing = try Int64.fetchOne(
                        db, sql: "SELECT id FROM asset WHERE project_id = ? AND sha256 = ?",
                        arguments: [current.projectID.rawValue, new.sha256])
                    {
                        assetID = existing
                    } else {
                        try db.execute(
                            sql: """
                                INSERT INTO asset (organization_id, project_id, sha256, media_type, byte_count, width,
                                                   height, tiles, created_by, created_at, storage_id, object_key,
                                                   object_version)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [
                                organization, current.projectID.rawValue, new.sha256, new.mediaType, new.byteCount,
                                new.width, new.height, new.tiles.rawValue, startedBy.rawValue, now.rawValue,
                                storage.rawValue, object.key, object.version,
                            ])
                        let id = db.lastInsertedRowID
                        assetID = id
                        counts.assets += 1
                        if let field = current.sync.taskField {
                            tasks.append(SyncRules.task(for: AssetID(id), in: field))
                        }
                    }
                }
                try db.execute(
                    sql: """
                        INSERT INTO storage_object (storage_id, object_key, object_version, byte_count, asset_id,
                                                    skipped, synced_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        storage.rawValue, object.key, object.version, object.byteCount, assetID, skipped, now.rawValue,
                    ])
            }
            var batch = current.sync.batchID?.rawValue
            if !tasks.isEmpty {
                // An import being written owns the task ids above its start and deletes them if it fails.
                guard (project["importing_batch_id"] as Int64?) == nil else {
                    throw StoreError.conflict(.importInProgress)
                }
                if batch == nil {
                    try db.execute(
                        sql: "INSERT INTO task_batch (project_id, task_count, created_at) VALUES (?, 0, ?)",
                        arguments: [current.projectID.rawValue, now.rawValue])
                    batch = db.lastInsertedRowID
                }
                guard let batch else { throw StoreError.notFound(.batch) }
                _ = try Self.insertStaged(
                    tasks, startingAt: 0, organization: organization, project: current.projectID.rawValue,
                    batch: batch, overlap: project["overlap"], createdAt: now, db: db)
                try db.execute(
                    sql: "UPDATE task_batch SET task_count = task_count + ? WHERE id = ?",
                    arguments: [tasks.count, batch])
                try db.execute(
                    sql: "UPDATE project SET queue_generation = queue_generation + 1 WHERE id = ?",
                    arguments: [current.projectID.rawValue])
            }
            try db.execute(
                sql: """
                    UPDATE storage SET sync_objects = sync_objects + ?, sync_assets = sync_assets + ?,
                        sync_tasks = sync_tasks + ?, sync_skipped = sync_skipped + ?, sync_heartbeat_at = ?,
                        sync_batch_id = ?
                    WHERE id = ?
                    """,
                arguments: [
                    counts.objects, counts.assets, tasks.count, counts.skipped, now.rawValue, batch, storage.rawValue,
                ])
            return try Self.fetchStorage(db, id: storage.rawValue).sync
        }
    }

    public func finishSync(of storage: StorageID, run: Timestamp, error: String?) async throws {
        let now = clock.now()
        try await batcher.write { db in
            try db.execute(
                sql: """
                    UPDATE storage SET sync_state = ?, sync_error = ?, sync_finished_at = ?, sync_heartbeat_at = ?
                    WHERE id = ? AND sync_state = 'running' AND sync_started_at = ?
                    """,
                arguments: [
                    (error == nil ? SyncState.finished : .failed).rawValue, error, now.rawValue, now.rawValue,
                    storage.rawValue, run.rawValue,
                ])
        }
    }

    public func storageForService(_ id: StorageID) async throws -> AttachedStorage {
        try await pool.read { db in try Self.fetchStorage(db, id: id.rawValue) }
    }

    public func objectAssets(
        _ keys: [String], in storage: StorageID, by principal: Principal
    ) async throws -> [String: AssetID] {
        try await pool.read { db in
            _ = try self.managedStorage(storage, by: principal, in: db)
            var found: [String: AssetID] = [:]
            for start in stride(from: 0, to: keys.count, by: 500) {
                let chunk = keys[start..<min(start + 500, keys.count)]
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT object_key, asset_id FROM storage_object
                        WHERE storage_id = ? AND asset_id IS NOT NULL AND object_key IN \(Self.placeholders(chunk.count))
                        """,
                    arguments: StatementArguments([storage.rawValue] + Array(chunk)))
                {
                    found[row["object_key"]] = AssetID(row["asset_id"] as Int64)
                }
            }
            return found
        }
    }

    public func storageObjects(
        of storage: StorageID, after: String?, limit: Int, by principal: Principal
    ) async throws -> [StorageObject] {
        try await pool.read { db in
            _ = try self.managedStorage(storage, by: principal, in: db)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT object_key, byte_count, asset_id, skipped, synced_at FROM storage_object
                    WHERE storage_id = ? AND object_key > ? ORDER BY object_key LIMIT ?
                    """,
                arguments: [storage.rawValue, after ?? "", max(0, limit)]
            ).map { row in
                StorageObject(
                    key: row["object_key"], byteCount: row["byte_count"],
                    assetID: (row["asset_id"] as Int64?).map { AssetID($0) }, skipped: row["skipped"],
                    syncedAt: Timestamp(rawValue: row["synced_at"]))
            }
        }
    }

    /// A storage of a project the principal manages; `notFound` for any other, like a missing one.
    private func managedStorage(_ id: StorageID, by principal: Principal, in db: Database) throws -> AttachedStorage {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM storage WHERE id = ?", arguments: [id.rawValue]) else {
            throw StoreError.notFound(.storage)
        }
        let storage = try Self.storage(from: row)
        do {
            let access = try projectAccess(storage.projectID, by: principal, in: db)
            try AccessRules.requireManagement(access, for: .attachStorage)
        } catch StoreError.notFound {
            throw StoreError.notFound(.storage)
        }
        return storage
    }

    private static func fetchStorage(_ db: Database, id: Int64) throws -> AttachedStorage {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM storage WHERE id = ?", arguments: [id]) else {
            throw StoreError.notFound(.storage)
        }
        return try storage(from: row)
    }

    private static func storage(from row: Row) throws -> AttachedStorage {
        let source: StorageSource
        if let path: String = row["path"] {
            source = .directory(path: path)
        } else if let endpoint: String = row["endpoint"], let bucket: String = row["bucket"],
            let prefix: String = row["prefix"], let region: String = row["region"],
            let pathStyle: Bool = row["path_style"]
        {
            source = .s3(endpoint: endpoint, bucket: bucket, prefix: prefix, region: region, pathStyle: pathStyle)
        } else {
            throw StoreError.notFound(.storage)
        }
        func time(_ column: String) -> Timestamp? { (row[column] as Int64?).map { Timestamp(rawValue: $0) } }
        let startedBy: Int64? = row["sync_started_by"]
        let batch: Int64? = row["sync_batch_id"]
        let sync = StorageSync(
            state: SyncState(rawValue: row["sync_state"]) ?? .failed, taskField: row["sync_task_field"],
            startedBy: startedBy.map { UserID($0) }, startedAt: time("sync_started_at"),
            heartbeatAt: time("sync_heartbeat_at"), finishedAt: time("sync_finished_at"), objects: row["sync_objects"],
            assets: row["sync_assets"], tasks: row["sync_tasks"], skipped: row["sync_skipped"],
            batchID: batch.map { BatchID($0) }, error: row["sync_error"])
        return AttachedStorage(
            id: StorageID(row["id"]), projectID: ProjectID(row["project_id"]), title: row["title"], source: source,
            sealedCredentials: row["sealed_credentials"], createdBy: UserID(row["created_by"]),
            createdAt: Timestamp(rawValue: row["created_at"]), sync: sync)
    }
}
