import LabelParkCore
import LabelParkStore
import PostgresNIO

extension PostgresParkStore {
    public func attachStorage(
        _ new: NewStorage, to project: ProjectID, by principal: Principal
    ) async throws -> AttachedStorage {
        let now = clock.now()
        var s3Source: (endpoint: String, bucket: String, prefix: String, region: String, pathStyle: Bool)?
        var directory: String?
        switch new.source {
        case .s3(let endpoint, let bucket, let prefix, let region, let pathStyle):
            s3Source = (endpoint, bucket, prefix, region, pathStyle)
        case .directory(let path):
            directory = path
        }
        let (s3, path) = (s3Source, directory)
        return try await transaction { connection in
            let access = try await self.projectAccess(project, by: principal, on: connection)
            try AccessRules.requireManagement(access, for: .attachStorage)
            guard
                let row = try await connection.first(
                    """
                    INSERT INTO storage (project_id, title, kind, endpoint, bucket, prefix, region, path_style, path,
                                         sealed_credentials, created_by, created_at, sync_state)
                    VALUES (\(project.rawValue), \(new.title), \(new.source.kind), \(s3?.endpoint), \(s3?.bucket),
                            \(s3?.prefix), \(s3?.region), \(s3?.pathStyle), \(path), \(new.sealedCredentials),
                            \(principal.userID.rawValue), \(now.rawValue), 'idle')
                    RETURNING *
                    """, logger: self.logger)
            else { throw StoreError.notFound(.storage) }
            return try Self.storage(from: row)
        }
    }

    public func storages(of project: ProjectID, by principal: Principal) async throws -> [AttachedStorage] {
        try await read { connection in
            let access = try await self.projectAccess(project, by: principal, on: connection)
            try AccessRules.requireManagement(access, for: .attachStorage)
            return try await connection.run(
                "SELECT * FROM storage WHERE project_id = \(project.rawValue) ORDER BY id", logger: self.logger
            ).map(Self.storage(from:))
        }
    }

    public func storage(_ id: StorageID, by principal: Principal) async throws -> AttachedStorage {
        try await read { connection in try await self.managedStorage(id, by: principal, locking: false, on: connection)
        }
    }

    public func beginSync(
        of storage: StorageID, taskField: String?, staleBefore: Timestamp, by principal: Principal
    ) async throws -> AttachedStorage {
        let now = clock.now()
        return try await transaction { connection in
            let current = try await self.managedStorage(storage, by: principal, locking: true, on: connection)
            try SyncRules.requireStartable(current.sync, staleBefore: staleBefore)
            guard
                let row = try await connection.first(
                    """
                    UPDATE storage SET sync_state = 'running', sync_task_field = \(taskField),
                        sync_started_by = \(principal.userID.rawValue), sync_started_at = \(now.rawValue),
                        sync_heartbeat_at = \(now.rawValue), sync_finished_at = NULL, sync_objects = 0,
                        sync_assets = 0, sync_tasks = 0, sync_skipped = 0, sync_batch_id = NULL, sync_error = NULL
                    WHERE id = \(storage.rawValue)
                    RETURNING *
                    """, logger: self.logger)
            else { throw StoreError.notFound(.storage) }
            return try Self.storage(from: row)
        }
    }

    public func recordedObjectKeys(_ keys: [String], in storage: StorageID) async throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        return try await read { connection in
            Set(
                try await connection.run(
                    """
                    SELECT object_key FROM storage_object
                    WHERE storage_id = \(storage.rawValue) AND object_key = ANY(\(keys))
                    """, logger: self.logger
                ).map { try $0.decode(String.self) })
        }
    }

    public func recordSyncedObjects(
        _ objects: [SyncedObject], in storage: StorageID, run: Timestamp
    ) async throws -> StorageSync {
        let now = clock.now()
        return try await transaction { connection in
            // The lock orders this page after a concurrent begin or finish of the same storage.
            guard
                let row = try await connection.first(
                    "SELECT * FROM storage WHERE id = \(storage.rawValue) FOR UPDATE", logger: self.logger)
            else { throw StoreError.notFound(.storage) }
            let current = try Self.storage(from: row)
            try SyncRules.requireRunning(current.sync, run: run)
            guard let startedBy = current.sync.startedBy,
                let project = try await self.cachedProject(current.projectID, on: connection)
            else { throw StoreError.notFound(.storage) }
            let projectID = project.id.rawValue
            var counts = (objects: 0, assets: 0, skipped: 0)
            var tasks: [NewTask] = []
            let known = Set(
                try await connection.run(
                    """
                    SELECT object_key FROM storage_object
                    WHERE storage_id = \(storage.rawValue) AND object_key = ANY(\(objects.map(\.key)))
                    """, logger: self.logger
                ).map { try $0.decode(String.self) })
            var seen = known
            for object in objects where seen.insert(object.key).inserted {
                counts.objects += 1
                var assetID: Int64?
                var skipped: String?
                switch object.outcome {
                case .skipped(let why):
                    skipped = why
                    counts.skipped += 1
                case .asset(let new):
                    if let existing = try await connection.first(
                        "SELECT id FROM asset WHERE project_id = \(projectID) AND sha256 = \(new.sha256)",
                        logger: self.logger)?.decode(Int64.self)
                    {
                        assetID = existing
                    } else {
                        guard
                            let id = try await connection.first(
                                """
                                INSERT INTO asset (organization_id, project_id, sha256, media_type, byte_count, width,
                                                   height, tiles, created_by, created_at, storage_id, object_key,
                                                   object_version)
                                VALUES (\(project.organizationID.rawValue), \(projectID), \(new.sha256),
                                        \(new.mediaType), \(new.byteCount), \(new.width), \(new.height),
                                        \(new.tiles.rawValue), \(startedBy.rawValue), \(now.rawValue),
                                        \(storage.rawValue), \(object.key), \(object.version))
                                RETURNING id
                                """, logger: self.logger)?.decode(Int64.self)
                        else { throw StoreError.notFound(.asset) }
                        assetID = id
                        counts.assets += 1
                        if let field = current.sync.taskField {
                            tasks.append(SyncRules.task(for: AssetID(id), in: field))
                        }
                    }
                }
                try await connection.run(
                    """
                    INSERT INTO storage_object (storage_id, object_key, object_version, byte_count, asset_id, skipped,
                                                synced_at)
                    VALUES (\(storage.rawValue), \(object.key), \(object.version), \(object.byteCount), \(assetID),
                            \(skipped), \(now.rawValue))
                    """, logger: self.logger)
            }
            var batch = current.sync.batchID?.rawValue
            if !tasks.isEmpty {
                if batch == nil {
                    batch = try await connection.first(
                        """
                        INSERT INTO task_batch (project_id, task_count, created_at)
                        VALUES (\(projectID), 0, \(now.rawValue)) RETURNING id
                        """, logger: self.logger)?.decode(Int64.self)
                }
                guard let batch else { throw StoreError.notFound(.batch) }
                try await Self.insert(
                    tasks, organization: project.organizationID.rawValue, project: projectID, batch: batch,
                    overlap: project.overlap, createdAt: now, on: connection, logger: self.logger)
                try await connection.run(
                    "UPDATE task_batch SET task_count = task_count + \(tasks.count) WHERE id = \(batch)",
                    logger: self.logger)
                try await connection.run(
                    "UPDATE project SET queue_generation = queue_generation + 1 WHERE id = \(projectID)",
                    logger: self.logger)
            }
            guard
                let updated = try await connection.first(
                    """
                    UPDATE storage SET sync_objects = sync_objects + \(counts.objects),
                        sync_assets = sync_assets + \(counts.assets), sync_tasks = sync_tasks + \(tasks.count),
                        sync_skipped = sync_skipped + \(counts.skipped), sync_heartbeat_at = \(now.rawValue),
                        sync_batch_id = \(batch)
                    WHERE id = \(storage.rawValue)
                    RETURNING *
                    """, logger: self.logger)
            else { throw StoreError.notFound(.storage) }
            return try Self.storage(from: updated).sync
        }
    }

    public func finishSync(of storage: StorageID, run: Timestamp, error: String?) async throws {
        let now = clock.now()
        let state = (error == nil ? SyncState.finished : .failed).rawValue
        _ = try await autocommit { connection in
            try await connection.run(
                """
                UPDATE storage SET sync_state = \(state), sync_error = \(error), sync_finished_at = \(now.rawValue),
                    sync_heartbeat_at = \(now.rawValue)
                WHERE id = \(storage.rawValue) AND sync_state = 'running' AND sync_started_at = \(run.rawValue)
                """, logger: self.logger)
        }
    }

    public func storageForService(_ id: StorageID) async throws -> AttachedStorage {
        try await read { connection in
            guard
                let row = try await connection.first(
                    "SELECT * FROM storage WHERE id = \(id.rawValue)", logger: self.logger)
            else { throw StoreError.notFound(.storage) }
            return try Self.storage(from: row)
        }
    }

    public func objectAssets(
        _ keys: [String], in storage: StorageID, by principal: Principal
    ) async throws -> [String: AssetID] {
        try await read { connection in
            _ = try await self.managedStorage(storage, by: principal, locking: false, on: connection)
            var found: [String: AssetID] = [:]
            for row in try await connection.run(
                """
                SELECT object_key, asset_id FROM storage_object
                WHERE storage_id = \(storage.rawValue) AND asset_id IS NOT NULL AND object_key = ANY(\(keys))
                """, logger: self.logger)
            {
                let (key, asset) = try row.decode((String, Int64).self)
                found[key] = AssetID(asset)
            }
            return found
        }
    }

    public func storageObjects(
        of storage: StorageID, after: String?, limit: Int, by principal: Principal
    ) async throws -> [StorageObject] {
        try await read { connection in
            _ = try await self.managedStorage(storage, by: principal, locking: false, on: connection)
            return try await connection.run(
                """
                SELECT object_key, byte_count, asset_id, skipped, synced_at FROM storage_object
                WHERE storage_id = \(storage.rawValue) AND object_key > \(after ?? "")
                ORDER BY object_key LIMIT \(max(0, limit))
                """, logger: self.logger
            ).map { row in
                let (key, bytes, asset, skipped, syncedAt) = try row.decode(
                    (String, Int64, Int64?, String?, Int64).self)
                return StorageObject(
                    key: key, byteCount: bytes, assetID: asset.map { AssetID($0) }, skipped: skipped,
                    syncedAt: Timestamp(rawValue: syncedAt))
            }
        }
    }

    /// A storage of a project the principal manages; `notFound` for any other, like a missing one.
    private func managedStorage(
        _ id: StorageID, by principal: Principal, locking: Bool, on connection: PostgresConnection
    ) async throws -> AttachedStorage {
        guard
            let row = try await connection.first(
                "SELECT * FROM storage WHERE id = \(id.rawValue)\(unescaped: locking ? " FOR UPDATE" : "")",
                logger: logger)
        else { throw StoreError.notFound(.storage) }
        let storage = try Self.storage(from: row)
        do {
            let access = try await projectAccess(storage.projectID, by: principal, on: connection)
            try AccessRules.requireManagement(access, for: .attachStorage)
        } catch StoreError.notFound {
            throw StoreError.notFound(.storage)
        }
        return storage
    }

    private static func storage(from row: PostgresRow) throws -> AttachedStorage {
        let cells = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T {
            try cells[name].decode(T.self)
        }
        let source: StorageSource
        if let path = try value("path", String?.self) {
            source = .directory(path: path)
        } else if let endpoint = try value("endpoint", String?.self), let bucket = try value("bucket", String?.self),
            let prefix = try value("prefix", String?.self), let region = try value("region", String?.self),
            let pathStyle = try value("path_style", Bool?.self)
        {
            source = .s3(endpoint: endpoint, bucket: bucket, prefix: prefix, region: region, pathStyle: pathStyle)
        } else {
            throw StoreError.notFound(.storage)
        }
        func time(_ name: String) throws -> Timestamp? {
            try value(name, Int64?.self).map { Timestamp(rawValue: $0) }
        }
        let startedBy = try value("sync_started_by", Int64?.self)
        let batch = try value("sync_batch_id", Int64?.self)
        let sync = StorageSync(
            state: SyncState(rawValue: try value("sync_state", String.self)) ?? .failed,
            taskField: try value("sync_task_field", String?.self), startedBy: startedBy.map { UserID($0) },
            startedAt: try time("sync_started_at"), heartbeatAt: try time("sync_heartbeat_at"),
            finishedAt: try time("sync_finished_at"), objects: try value("sync_objects", Int.self),
            assets: try value("sync_assets", Int.self), tasks: try value("sync_tasks", Int.self),
            skipped: try value("sync_skipped", Int.self), batchID: batch.map { BatchID($0) },
            error: try value("sync_error", String?.self))
        let id = try value("id", Int64.self)
        let project = try value("project_id", Int64.self)
        let createdBy = try value("created_by", Int64.self)
        return AttachedStorage(
            id: StorageID(id), projectID: ProjectID(project), title: try value("title", String.self), source: source,
            sealedCredentials: try value("sealed_credentials", String?.self), createdBy: UserID(createdBy),
            createdAt: Timestamp(rawValue: try value("created_at", Int64.self)), sync: sync)
    }
}
