import LabelParkCore
import LabelParkStore
import PostgresNIO

extension PostgresParkStore {
    public func createSession(
        tokenHash: [UInt8], csrfToken: String, for user: UserID, expiresAt: Timestamp
    ) async throws {
        let now = clock.now()
        _ = try await autocommit { connection in
            try await connection.run(
                """
                INSERT INTO web_session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at)
                VALUES (\(TokenHash.hex(tokenHash)), \(user.rawValue), \(csrfToken), \(now.rawValue), \(now.rawValue),
                        \(expiresAt.rawValue))
                """, logger: self.logger)
        }
    }

    public func session(forTokenHash hash: [UInt8]) async throws -> WebSession? {
        try await read { connection in
            guard
                let row = try await connection.first(
                    """
                    SELECT s.account_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, a.display_name
                    FROM web_session s JOIN account a ON a.id = s.account_id
                    WHERE s.token_hash = \(TokenHash.hex(hash))
                    """, logger: self.logger)
            else { return nil }
            let (account, csrf, createdAt, lastSeenAt, expiresAt, name) = try row.decode(
                (Int64, String, Int64, Int64, Int64, String).self)
            guard let principal = try await self.principal(for: UserID(account), on: connection) else { return nil }
            return WebSession(
                principal: principal, displayName: name, csrfToken: csrf, createdAt: Timestamp(rawValue: createdAt),
                lastSeenAt: Timestamp(rawValue: lastSeenAt), expiresAt: Timestamp(rawValue: expiresAt))
        }
    }

    public func touchSession(tokenHash: [UInt8], at time: Timestamp) async throws {
        _ = try await autocommit { connection in
            try await connection.run(
                """
                UPDATE web_session SET last_seen_at = greatest(last_seen_at, \(time.rawValue))
                WHERE token_hash = \(TokenHash.hex(tokenHash))
                """, logger: self.logger)
        }
    }

    public func deleteSession(tokenHash: [UInt8]) async throws {
        _ = try await autocommit { connection in
            try await connection.run(
                "DELETE FROM web_session WHERE token_hash = \(TokenHash.hex(tokenHash))", logger: self.logger)
        }
    }

    public func purgeSessions(expiredAt now: Timestamp, idleSince: Timestamp) async throws -> Int {
        try await autocommit { connection in
            try await connection.run(
                """
                DELETE FROM web_session WHERE expires_at <= \(now.rawValue) OR last_seen_at < \(idleSince.rawValue)
                RETURNING 1
                """, logger: self.logger
            ).count
        }
    }

    public func parkSecret(named name: String, candidate: [UInt8]) async throws -> [UInt8] {
        let now = clock.now()
        let hex = try await autocommit { connection in
            try await connection.run(
                """
                INSERT INTO park_secret (name, value, created_at) VALUES (\(name), \(TokenHash.hex(candidate)), \(now.rawValue))
                ON CONFLICT (name) DO NOTHING
                """, logger: self.logger)
            return try await connection.first(
                "SELECT value FROM park_secret WHERE name = \(name)", logger: self.logger)?.decode(String.self)
        }
        guard let hex, let bytes = TokenHash.bytes(hex: hex) else { throw StoreError.notFound(.secret) }
        return bytes
    }
}
