import GRDB
import LabelParkCore
import LabelParkStore

extension SQLiteParkStore {
    public func createSession(
        tokenHash: [UInt8], csrfToken: String, for user: UserID, expiresAt: Timestamp
    ) async throws {
        let now = clock.now()
        try await batcher.write { db in
            try db.execute(
                sql: """
                    INSERT INTO web_session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    TokenHash.hex(tokenHash), user.rawValue, csrfToken, now.rawValue, now.rawValue, expiresAt.rawValue,
                ])
        }
    }

    public func session(forTokenHash hash: [UInt8]) async throws -> WebSession? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOneCached(
                    db,
                    sql: """
                        SELECT s.account_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, a.display_name
                        FROM web_session s JOIN account a ON a.id = s.account_id WHERE s.token_hash = ?
                        """,
                    arguments: [TokenHash.hex(hash)]),
                let principal = try Self.principal(for: UserID(row["account_id"]), in: db)
            else { return nil }
            return WebSession(
                principal: principal, displayName: row["display_name"], csrfToken: row["csrf_token"],
                createdAt: Timestamp(rawValue: row["created_at"]),
                lastSeenAt: Timestamp(rawValue: row["last_seen_at"]), expiresAt: Timestamp(rawValue: row["expires_at"]))
        }
    }

    public func touchSession(tokenHash: [UInt8], at time: Timestamp) async throws {
        try await batcher.write { db in
            try db.execute(
                sql: "UPDATE web_session SET last_seen_at = max(last_seen_at, ?) WHERE token_hash = ?",
                arguments: [time.rawValue, TokenHash.hex(tokenHash)])
        }
    }

    public func deleteSession(tokenHash: [UInt8]) async throws {
        try await batcher.write { db in
            try db.execute(sql: "DELETE FROM web_session WHERE token_hash = ?", arguments: [TokenHash.hex(tokenHash)])
        }
    }

    public func purgeSessions(expiredAt now: Timestamp, idleSince: Timestamp) async throws -> Int {
        try await batcher.write { db in
            try db.execute(
                sql: "DELETE FROM web_session WHERE expires_at <= ? OR last_seen_at < ?",
                arguments: [now.rawValue, idleSince.rawValue])
            return db.changesCount
        }
    }

    public func parkSecret(named name: String, candidate: [UInt8]) async throws -> [UInt8] {
        let now = clock.now()
        let hex = try await batcher.write { db in
            try db.execute(
                sql: "INSERT INTO park_secret (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, TokenHash.hex(candidate), now.rawValue])
            return try String.fetchOne(db, sql: "SELECT value FROM park_secret WHERE name = ?", arguments: [name])
        }
        guard let hex, let bytes = TokenHash.bytes(hex: hex) else { throw StoreError.notFound(.secret) }
        return bytes
    }
}
