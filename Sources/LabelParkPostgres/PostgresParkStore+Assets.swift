import LabelParkCore
import LabelParkStore
import PostgresNIO

extension PostgresParkStore {
    static let assetColumns = """
        id, organization_id, project_id, sha256, media_type, byte_count, width, height, tiles, created_by, created_at,
        storage_id, object_key, object_version
        """
    static let assetSelect = """
        SELECT \(assetColumns) FROM asset
        """

    public func recordAsset(
        _ new: NewAsset, in project: ProjectID, quotaBytes: Int64?, by principal: Principal
    ) async throws -> (asset: Asset, isNew: Bool) {
        let now = clock.now()
        return try await transaction { connection in
            let access = try await self.projectAccess(project, by: principal, on: connection)
            try AccessRules.requireManagement(access, for: .uploadMedia)
            let organization = access.project.organizationID.rawValue
            // Uploads of one organization take turns here, so two cannot both pass the quota.
            try await connection.run(
                "SELECT 1 FROM organization WHERE id = \(organization) FOR UPDATE", logger: self.logger)
            if let existing = try await self.fetchAssets(
                "\(unescaped: Self.assetSelect) WHERE project_id = \(project.rawValue) AND sha256 = \(new.sha256)",
                on: connection
            ).first {
                return (existing, false)
            }
            if let quotaBytes {
                let used = try await Self.assetBytes(of: organization, on: connection, logger: self.logger)
                let (total, overflows) = used.addingReportingOverflow(new.byteCount)
                guard !overflows, total <= quotaBytes else {
                    throw StoreError.conflict(.quotaExceeded(usedBytes: used, quotaBytes: quotaBytes))
                }
            }
            let inserted = try await self.fetchAssets(
                """
                INSERT INTO asset (organization_id, project_id, sha256, media_type, byte_count, width, height, tiles,
                                   created_by, created_at)
                VALUES (\(organization), \(project.rawValue), \(new.sha256), \(new.mediaType), \(new.byteCount),
                        \(new.width), \(new.height), \(new.tiles.rawValue), \(principal.userID.rawValue), \(now.rawValue))
                RETURNING \(unescaped: Self.assetColumns)
                """, on: connection)
            guard let asset = inserted.first else { throw StoreError.notFound(.asset) }
            return (asset, true)
        }
    }

    public func asset(_ id: AssetID, by principal: Principal) async throws -> Asset {
        try await read { connection in
            guard
                let asset = try await self.fetchAssets(
                    "\(unescaped: Self.assetSelect) WHERE id = \(id.rawValue)", on: connection
                ).first
            else { throw StoreError.notFound(.asset) }
            do {
                _ = try await self.projectAccess(asset.projectID, by: principal, on: connection)
            } catch StoreError.notFound {
                throw StoreError.notFound(.asset)
            }
            return asset
        }
    }

    public func assets(_ ids: [AssetID], in project: ProjectID, by principal: Principal) async throws -> [Asset] {
        guard !ids.isEmpty else { return [] }
        return try await read { connection in
            _ = try await self.projectAccess(project, by: principal, on: connection)
            return try await self.fetchAssets(
                """
                \(unescaped: Self.assetSelect) WHERE project_id = \(project.rawValue) AND id = ANY(\(ids.map(\.rawValue)))
                """, on: connection)
        }
    }

    public func assetBytes(of organization: OrganizationID) async throws -> Int64 {
        try await read { connection in
            try await Self.assetBytes(of: organization.rawValue, on: connection, logger: self.logger)
        }
    }

    public func assetsAwaitingTiles(limit: Int) async throws -> [Asset] {
        try await read { connection in
            try await self.fetchAssets(
                "\(unescaped: Self.assetSelect) WHERE tiles = 'pending' ORDER BY id LIMIT \(max(0, limit))",
                on: connection)
        }
    }

    public func setTiles(_ state: TileState, of asset: AssetID) async throws {
        try await autocommit { connection in
            try await connection.run(
                "UPDATE asset SET tiles = \(state.rawValue) WHERE id = \(asset.rawValue)", logger: self.logger)
        }
    }

    static func assetBytes(
        of organization: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64 {
        try await connection.first(
            """
            SELECT COALESCE(SUM(byte_count), 0)::bigint FROM asset
            WHERE organization_id = \(organization) AND storage_id IS NULL
            """,
            logger: logger)?.decode(Int64.self) ?? 0
    }

    func fetchAssets(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [Asset] {
        try await connection.run(query, logger: logger).map { row in
            let (
                id, organization, project, sha256, mediaType, byteCount, width, height, tiles, createdBy, createdAt,
                storage, objectKey, objectVersion
            ) = try row.decode(
                (Int64, Int64, Int64, String, String, Int64, Int?, Int?, String, Int64, Int64, Int64?, String?, String?)
                    .self)
            var source: AssetSource?
            if let storage, let objectKey, let objectVersion {
                source = AssetSource(storageID: StorageID(storage), objectKey: objectKey, objectVersion: objectVersion)
            }
            return Asset(
                id: AssetID(id), organizationID: OrganizationID(organization), projectID: ProjectID(project),
                sha256: sha256, mediaType: mediaType, byteCount: byteCount, width: width, height: height,
                tiles: TileState(rawValue: tiles) ?? .failed, createdBy: UserID(createdBy),
                createdAt: Timestamp(rawValue: createdAt), source: source)
        }
    }
}
