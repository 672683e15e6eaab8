import GRDB
import LabelParkCore
import LabelParkStore

extension SQLiteParkStore {
    public func ensureOrganization(named name: String, kind: OrganizationKind) async throws -> Organization {
        try await batcher.write { db in
            if let existing = try Row.fetchOne(
                db, sql: "SELECT id, name, kind, created_at FROM organization WHERE name = ?", arguments: [name])
            {
                return try Self.organization(from: existing)
            }
            return try self.insertOrganization(name: name, kind: kind, in: db)
        }
    }

    public func createOrganization(
        name: String, kind: OrganizationKind, by principal: Principal
    ) async throws
        -> Organization
    {
        try AccessRules.requireOperatorAdmin(principal)
        return try await batcher.write { db in
            do {
                return try self.insertOrganization(name: name, kind: kind, in: db)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.conflict(.duplicateName(name))
            }
        }
    }

    private func insertOrganization(name: String, kind: OrganizationKind, in db: Database) throws -> Organization {
        let now = clock.now()
        try db.execute(
            sql: "INSERT INTO organization (name, kind, created_at) VALUES (?, ?, ?)",
            arguments: [name, kind.rawValue, now.rawValue])
        return Organization(id: OrganizationID(db.lastInsertedRowID), name: name, kind: kind, createdAt: now)
    }

    public func createUser(
        email: String, displayName: String, passwordHash: String, organization: OrganizationID, role: Role,
        workplace: WorkplaceID?
    ) async throws -> User {
        try await batcher.write { db in
            try self.insertMember(
                email: email, displayName: displayName, passwordHash: passwordHash, role: role, workplace: workplace,
                organization: organization, status: .active, in: db
            ).user
        }
    }

    public func ensureWorkplace(
        named name: String, county: String, in organization: OrganizationID
    ) async throws
        -> Workplace
    {
        try await batcher.write { db in
            if let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT id, organization_id, name, county, created_at FROM workplace WHERE organization_id = ? AND name = ?",
                arguments: [organization.rawValue, name])
            {
                return Self.workplace(from: row)
            }
            return try self.insertWorkplace(name: name, county: county, organization: organization, in: db)
        }
    }

    public func createWorkplace(
        name: String, county: String, in organization: OrganizationID, by principal: Principal
    ) async throws -> Workplace {
        try AccessRules.requireAdmin(of: organization, principal)
        return try await batcher.write { db in
            do {
                return try self.insertWorkplace(name: name, county: county, organization: organization, in: db)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.conflict(.duplicateName(name))
            }
        }
    }

    private func insertWorkplace(
        name: String, county: String, organization: OrganizationID, in db: Database
    ) throws -> Workplace {
        let now = clock.now()
        try db.execute(
            sql: "INSERT INTO workplace (organization_id, name, county, created_at) VALUES (?, ?, ?, ?)",
            arguments: [organization.rawValue, name, county, now.rawValue])
        return Workplace(
            id: WorkplaceID(db.lastInsertedRowID), organizationID: organization, name: name, county: county,
            createdAt: now)
    }

    public func workplaces(in organization: OrganizationID, by principal: Principal) async throws -> [Workplace] {
        try AccessRules.requireMembership(of: organization, principal)
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, organization_id, name, county, created_at FROM workplace WHERE organization_id = ? ORDER BY name",
                arguments: [organization.rawValue]
            ).map(Self.workplace(from:))
        }
    }

    public func createMember(
        email: String, displayName: String, passwordHash: String, role: Role, workplace: WorkplaceID?,
        in organization: OrganizationID, by principal: Principal
    ) async throws -> Member {
        try AccessRules.requireAdmin(of: organization, principal)
        return try await batcher.write { db in
            try self.insertMember(
                email: email, displayName: displayName, passwordHash: passwordHash, role: role, workplace: workplace,
                organization: organization, status: .pending, in: db)
        }
    }

    /// A membership, and the account too when the email is new. `.pending` (an admin adding someone) also
    /// takes an existing account of another organization, answering as for a new one; `.active` (bootstrap)
    /// refuses an existing email.
    private func insertMember(
        email: String, displayName: String, passwordHash: String, role: Role, workplace: WorkplaceID?,
        organization: OrganizationID, status: MembershipStatus, in db: Database
    ) throws -> Member {
        let now = clock.now()
        if let workplace {
            let belongs =
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM workplace WHERE id = ? AND organization_id = ?",
                    arguments: [workplace.rawValue, organization.rawValue]) ?? false
            guard belongs else { throw StoreError.notFound(.workplace) }
        }
        let accountID: Int64
        if status == .pending,
            let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM account WHERE email = ?", arguments: [email])
        {
            accountID = existing
        } else {
            do {
                try db.execute(
                    sql: "INSERT INTO account (email, display_name, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [email, displayName, passwordHash, now.rawValue])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.conflict(.duplicateEmail(email))
            }
            accountID = db.lastInsertedRowID
        }
        do {
            try db.execute(
                sql: """
                    INSERT INTO membership (organization_id, account_id, role, workplace_id, created_at, status, invited_name)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    organization.rawValue, accountID, role.rawValue, workplace?.rawValue, now.rawValue, status.rawValue,
                    status == .pending ? displayName : nil,
                ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw StoreError.notFound(.organization)
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
            || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
        {
            throw StoreError.conflict(.duplicateEmail(email))
        }
        let user = User(id: UserID(accountID), email: email, displayName: displayName, createdAt: now)
        return Member(user: user, organizationID: organization, role: role, workplaceID: workplace, status: status)
    }

    public func members(of organization: OrganizationID, by principal: Principal) async throws -> [Member] {
        try AccessRules.requireMembership(of: organization, principal)
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.email, a.display_name, a.created_at, m.role, m.workplace_id, m.status,
                           m.invited_name, m.created_at AS added_at
                    FROM membership m JOIN account a ON a.id = m.account_id
                    WHERE m.organization_id = ? ORDER BY a.email
                    """,
                arguments: [organization.rawValue]
            ).map { row in
                let status = MembershipStatus(rawValue: row["status"]) ?? .active
                var user = Self.user(from: row)
                if status == .pending {
                    user.displayName = row["invited_name"] ?? user.email
                    user.createdAt = Timestamp(rawValue: row["added_at"])
                }
                return Member(
                    user: user, organizationID: organization, role: Role(rawValue: row["role"]) ?? .annotator,
                    workplaceID: (row["workplace_id"] as Int64?).map { WorkplaceID($0) }, status: status)
            }
        }
    }

    public func user(withEmail email: String) async throws -> User? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, email, display_name, created_at FROM account WHERE email = ?", arguments: [email]
            ).map(Self.user(from:))
        }
    }

    public func passwordCredential(forEmail email: String) async throws -> PasswordCredential? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, password_hash FROM account WHERE email = ?", arguments: [email]).map {
                PasswordCredential(userID: UserID($0["id"]), passwordHash: $0["password_hash"])
            }
        }
    }

    public func storeToken(hash: [UInt8], for user: UserID, name: String, expiresAt: Timestamp?) async throws {
        let now = clock.now()
        try await batcher.write { db in
            try db.execute(
                sql:
                    "INSERT INTO api_token (token_hash, account_id, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [TokenHash.hex(hash), user.rawValue, name, now.rawValue, expiresAt?.rawValue])
        }
    }

    public func principal(forTokenHash hash: [UInt8]) async throws -> Principal? {
        let now = clock.now()
        return try await pool.read { db in
            guard
                let account = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT account_id FROM api_token
                        WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                        """,
                    arguments: [TokenHash.hex(hash), now.rawValue])
            else { return nil }
            return try Self.principal(for: UserID(account), in: db)
        }
    }

    public func tokens(of user: UserID) async throws -> [APITokenInfo] {
        let now = clock.now()
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT token_hash, name, created_at, expires_at FROM api_token
                    WHERE account_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                    ORDER BY created_at DESC, token_hash
                    """,
                arguments: [user.rawValue, now.rawValue]
            ).map { row in
                APITokenInfo(
                    id: APITokenInfo.id(ofHashHex: row["token_hash"]), name: row["name"],
                    createdAt: Timestamp(rawValue: row["created_at"]),
                    expiresAt: (row["expires_at"] as Int64?).map(Timestamp.init(rawValue:)))
            }
        }
    }

    public func revokeToken(id: String, of user: UserID) async throws -> Bool {
        guard APITokenInfo.isValidID(id) else { return false }
        let now = clock.now()
        return try await batcher.write { db in
            try db.execute(
                sql: """
                    UPDATE api_token SET revoked_at = ?
                    WHERE account_id = ? AND substr(token_hash, 1, 16) = ? AND revoked_at IS NULL
                      AND (expires_at IS NULL OR expires_at > ?)
                    """,
                arguments: [now.rawValue, user.rawValue, id, now.rawValue])
            return db.changesCount > 0
        }
    }

    public func principal(for user: UserID) async throws -> Principal? {
        try await pool.read { db in try Self.principal(for: user, in: db) }
    }

    static func principal(for user: UserID, in db: Database) throws -> Principal? {
        guard try Bool.fetchOneCached(db, sql: "SELECT 1 FROM account WHERE id = ?", arguments: [user.rawValue]) == true
        else {
            return nil
        }
        let memberships = try Row.fetchAllCached(
            db,
            sql: """
                SELECT m.organization_id, o.kind, m.role FROM membership m JOIN organization o ON o.id = m.organization_id
                WHERE m.account_id = ? AND m.status = 'active' ORDER BY m.organization_id
                """,
            arguments: [user.rawValue]
        ).compactMap { row -> Membership? in
            guard let kind = OrganizationKind(rawValue: row["kind"]), let role = Role(rawValue: row["role"]) else {
                return nil
            }
            return Membership(
                organizationID: OrganizationID(row["organization_id"]), organizationKind: kind, role: role)
        }
        return Principal(userID: user, memberships: memberships)
    }

    public func organizations(visibleTo principal: Principal) async throws -> [Organization] {
        let ids = principal.organizationIDs.map(\.rawValue)
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, name, kind, created_at FROM organization WHERE id IN \(Self.placeholders(ids.count)) ORDER BY name",
                arguments: StatementArguments(ids)
            ).map(Self.organization(from:))
        }
    }

}

// MARK: - Row mapping

extension SQLiteParkStore {
    static func organization(from row: Row) throws -> Organization {
        Organization(
            id: OrganizationID(row["id"]), name: row["name"], kind: OrganizationKind(rawValue: row["kind"]) ?? .client,
            createdAt: Timestamp(rawValue: row["created_at"]))
    }

    static func workplace(from row: Row) -> Workplace {
        Workplace(
            id: WorkplaceID(row["id"]), organizationID: OrganizationID(row["organization_id"]), name: row["name"],
            county: row["county"], createdAt: Timestamp(rawValue: row["created_at"]))
    }

    static func user(from row: Row) -> User {
        User(
            id: UserID(row["id"]), email: row["email"], displayName: row["display_name"],
            createdAt: Timestamp(rawValue: row["created_at"]))
    }

    /// `(?, ?, …)` with `count` placeholders, for `IN` lists of bound values.
    static func placeholders(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
    }

    public func invitations(of user: UserID) async throws -> [Invitation] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.organization_id, o.name, o.kind, m.role, m.created_at
                    FROM membership m JOIN organization o ON o.id = m.organization_id
                    WHERE m.account_id = ? AND m.status = 'pending' ORDER BY m.created_at, m.organization_id
                    """,
                arguments: [user.rawValue]
            ).compactMap { row in
                guard let kind = OrganizationKind(rawValue: row["kind"]), let role = Role(rawValue: row["role"]) else {
                    return nil
                }
                return Invitation(
                    organizationID: OrganizationID(row["organization_id"]), organizationName: row["name"],
                    organizationKind: kind, role: role, invitedAt: Timestamp(rawValue: row["created_at"]))
            }
        }
    }

    public func answerInvitation(
        from organization: OrganizationID, of user: UserID, accepting: Bool
    ) async throws -> Bool {
        try await batcher.write { db in
            try db.execute(
                sql: accepting
                    ? """
                    UPDATE membership SET status = 'active', invited_name = NULL
                    WHERE organization_id = ? AND account_id = ? AND status = 'pending'
                    """
                    : "DELETE FROM membership WHERE organization_id = ? AND account_id = ? AND status = 'pending'",
                arguments: [organization.rawValue, user.rawValue])
            return db.changesCount > 0
        }
    }

    public func activateInvitationsOfNewAccount(_ user: UserID) async throws {
        try await batcher.write { db in
            try db.execute(
                sql: """
                    UPDATE membership SET status = 'active', invited_name = NULL
                    WHERE account_id = ?1 AND status = 'pending'
                      AND NOT EXISTS (SELECT 1 FROM membership WHERE account_id = ?1 AND status = 'active')
                    """,
                arguments: [user.rawValue])
        }
    }
}
