import GRDB
import LabelParkCore
import LabelParkStore

extension SQLiteParkStore {
    public func recordAsset(
        _ new: NewAsset, in project: ProjectID, quotaBytes: Int64?, by principal: Principal
    ) async throws -> (asset: Asset, isNew: Bool) {
        try await batcher.write { db in
            let access = try self.projectAccess(project, by: principal, in: db)
            try AccessRules.requireManagement(access, for: .uploadMedia)
            if let existing = try Self.fetchAsset(
                db, where: "project_id = ? AND sha256 = ?", arguments: [project.rawValue, new.sha256])
            {
                return (existing, false)
            }
            let organization = access.project.organizationID
            if let quotaBytes {
                let used = try Self.assetBytes(of: organization, db: db)
                let (total, overflows) = used.addingReportingOverflow(new.byteCount)
                guard !overflows, total <= quotaBytes else {
                    throw StoreError.conflict(.quotaExceeded(usedBytes: used, quotaBytes: quotaBytes))
                }
            }
            try db.execute(
                sql: """
                    INSERT INTO asset (organization_id, project_id, sha256, media_type, byte_count, width, height, tiles,
                                       created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    organization.rawValue, project.rawValue, new.sha256, new.mediaType, new.byteCount, new.width,
                    new.height, new.tiles.rawValue, principal.userID.rawValue, self.clock.now().rawValue,
                ])
            guard let stored = try Self.fetchAsset(db, where: "id = ?", arguments: [db.lastInsertedRowID]) else {
                throw StoreError.notFound(.asset)
            }
            return (stored, true)
        }
    }

    public func asset(_ id: AssetID, by principal: Principal) async throws -> Asset {
        try await pool.read { db in
            guard let asset = try Self.fetchAsset(db, where: "id = ?", arguments: [id.rawValue]) else {
                throw StoreError.notFound(.asset)
            }
            do {
                _ = try self.projectAccess(asset.projectID, by: principal, in: db)
            } catch StoreError.notFound {
                throw StoreError.notFound(.asset)
            }
            return asset
        }
    }

    public func assets(_ ids: [AssetID], in project: ProjectID, by principal: Principal) async throws -> [Asset] {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            _ = try self.projectAccess(project, by: principal, in: db)
            var found: [Asset] = []
            // SQLite binds at most 32,766 parameters per statement.
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ ids[$0..<min($0 + 500, ids.count)] }) {
                found += try Self.fetchAssets(
                    db, where: "project_id = ? AND id IN \(Self.placeholders(chunk.count))",
                    arguments: StatementArguments([project.rawValue] + chunk.map(\.rawValue)))
            }
            return found
        }
    }

    public func assetBytes(of organization: OrganizationID) async throws -> Int64 {
        try await pool.read { db in try Self.assetBytes(of: organization, db: db) }
    }

    public func assetsAwaitingTiles(limit: Int) async throws -> [Asset] {
        try await pool.read { db in
            try Self.fetchAssets(
                db, where: "tiles = 'pending' ORDER BY id LIMIT ?", arguments: [max(0, limit)])
        }
    }

    public func setTiles(_ state: TileState, of asset: AssetID) async throws {
        try await batcher.write { db in
            try db.execute(sql: "UPDATE asset SET tiles = ? WHERE id = ?", arguments: [state.rawValue, asset.rawValue])
        }
    }

    static func assetBytes(of organization: OrganizationID, db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT COALESCE(SUM(byte_count), 0) FROM asset WHERE organization_id = ? AND storage_id IS NULL",
            arguments: [organization.rawValue]) ?? 0
    }

    static func fetchAsset(_ db: Database, where condition: String, arguments: StatementArguments) throws -> Asset? {
        try fetchAssets(db, where: condition, arguments: arguments).first
    }

    static func fetchAssets(_ db: Database, where condition: String, arguments: StatementArguments) throws -> [Asset] {
        try Row.fetchAll(db, sql: "SELECT * FROM asset WHERE \(condition)", arguments: arguments).map { row in
            Asset(
                id: AssetID(row["id"]), organizationID: OrganizationID(row["organization_id"]),
                projectID: ProjectID(row["project_id"]), sha256: row["sha256"], mediaType: row["media_type"],
                byteCount: row["byte_count"], width: row["width"], height: row["height"],
                tiles: TileState(rawValue: row["tiles"]) ?? .failed, createdBy: UserID(row["created_by"]),
                createdAt: Timestamp(rawValue: row["created_at"]), source: assetSource(row))
        }
    }

    private static func assetSource(_ row: Row) -> AssetSource? {
        guard let storage: Int64 = row["storage_id"], let key: String = row["object_key"],
            let version: String = row["object_version"]
        else { return nil }
        return AssetSource(storageID: StorageID(storage), objectKey: key, objectVersion: version)
    }
}
