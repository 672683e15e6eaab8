import LabelParkCore
import LabelParkStore
import PostgresNIO

extension PostgresParkStore {
    public func ensureOrganization(named name: String, kind: OrganizationKind) async throws -> Organization {
        let now = clock.now()
        return try await transaction { connection in
            // Insert-or-read in one statement, so two instances bootstrapping together both succeed.
            try await connection.run(
                """
                INSERT INTO organization (name, kind, created_at) VALUES (\(name), \(kind.rawValue), \(now.rawValue))
                ON CONFLICT (name) DO NOTHING
                """, logger: self.logger)
            let row = try await connection.first(
                "SELECT id, name, kind, created_at FROM organization WHERE name = \(name)", logger: self.logger)
            return try Self.organization(from: row!)
        }
    }

    public func createOrganization(
        name: String, kind: OrganizationKind, by principal: Principal
    ) async throws -> Organization {
        try AccessRules.requireOperatorAdmin(principal)
        let now = clock.now()
        do {
            return try await transaction { connection in
                let row = try await connection.first(
                    """
                    INSERT INTO organization (name, kind, created_at) VALUES (\(name), \(kind.rawValue), \(now.rawValue))
                    RETURNING id, name, kind, created_at
                    """, logger: self.logger)
                return try Self.organization(from: row!)
            }
        } catch let error as PSQLError where error.isUniqueViolation() {
            throw StoreError.conflict(.duplicateName(name))
        }
    }

    public func createUser(
        email: String, displayName: String, passwordHash: String, organization: OrganizationID, role: Role,
        workplace: WorkplaceID?
    ) async throws -> User {
        try await insertMember(
            email: email, displayName: displayName, passwordHash: passwordHash, role: role, workplace: workplace,
            organization: organization, status: .active
        ).user
    }

    public func ensureWorkplace(
        named name: String, county: String, in organization: OrganizationID
    ) async throws -> Workplace {
        let now = clock.now()
        return try await transaction { connection in
            try await connection.run(
                """
                INSERT INTO workplace (organization_id, name, county, created_at)
                VALUES (\(organization.rawValue), \(name), \(county), \(now.rawValue))
                ON CONFLICT (organization_id, name) DO NOTHING
                """, logger: self.logger)
            let row = try await connection.first(
                """
                SELECT id, organization_id, name, county, created_at FROM workplace
                WHERE organization_id = \(organization.rawValue) AND name = \(name)
                """, logger: self.logger)
            return try Self.workplace(from: row!)
        }
    }

    public func createWorkplace(
        name: String, county: String, in organization: OrganizationID, by principal: Principal
    ) async throws -> Workplace {
        try AccessRules.requireAdmin(of: organization, principal)
        let now = clock.now()
        do {
            return try await transaction { connection in
                let row = try await connection.first(
                    """
                    INSERT INTO workplace (organization_id, name, county, created_at)
                    VALUES (\(organization.rawValue), \(name), \(county), \(now.rawValue))
                    RETURNING id, organization_id, name, county, created_at
                    """, logger: self.logger)
                return try Self.workplace(from: row!)
            }
        } catch let error as PSQLError where error.isUniqueViolation() {
            throw StoreError.conflict(.duplicateName(name))
        }
    }

    public func workplaces(in organization: OrganizationID, by principal: Principal) async throws -> [Workplace] {
        try AccessRules.requireMembership(of: organization, principal)
        return try await read { connection in
            try await connection.run(
                """
                SELECT id, organization_id, name, county, created_at FROM workplace
                WHERE organization_id = \(organization.rawValue) ORDER BY name
                """, logger: self.logger
            ).map(Self.workplace(from:))
        }
    }

    public func createMember(
        email: String, displayName: String, passwordHash: String, role: Role, workplace: WorkplaceID?,
        in organization: OrganizationID, by principal: Principal
    ) async throws -> Member {
        try AccessRules.requireAdmin(of: organization, principal)
        return try await insertMember(
            email: email, displayName: displayName, passwordHash: passwordHash, role: role, workplace: workplace,
            organization: organization, status: .pending)
    }

    /// A membership, and the account too when the email is new. `.pending` (an admin adding someone) also
    /// takes an existing account of another organization, answering as for a new one; `.active` (bootstrap)
    /// refuses an existing email.
    private func insertMember(
        email: String, displayName: String, passwordHash: String, role: Role, workplace: WorkplaceID?,
        organization: OrganizationID, status: MembershipStatus
    ) async throws -> Member {
        let now = clock.now()
        do {
            return try await transaction { connection in
                if let workplace {
                    let belongs = try await connection.first(
                        """
                        SELECT 1 FROM workplace WHERE id = \(workplace.rawValue)
                        AND organization_id = \(organization.rawValue)
                        """, logger: self.logger)
                    guard belongs != nil else { throw StoreError.notFound(.workplace) }
                }
                let existing =
                    status == .pending
                    ? try await connection.first(
                        "SELECT id FROM account WHERE lower(email) = lower(\(email))", logger: self.logger)?.decode(
                            Int64.self)
                    : nil
                let id: Int64
                if let existing {
                    id = existing
                } else {
                    guard
                        let inserted = try await connection.first(
                            """
                            INSERT INTO account (email, display_name, password_hash, created_at)
                            VALUES (\(email), \(displayName), \(passwordHash), \(now.rawValue)) RETURNING id
                            """, logger: self.logger)?.decode(Int64.self)
                    else { throw StoreError.notFound(.user) }
                    id = inserted
                }
                try await connection.run(
                    """
                    INSERT INTO membership (organization_id, account_id, role, workplace_id, created_at, status, invited_name)
                    VALUES (\(organization.rawValue), \(id), \(role.rawValue), \(workplace?.rawValue), \(now.rawValue),
                            \(status.rawValue), \(status == .pending ? displayName : nil))
                    """, logger: self.logger)
                let user = User(id: UserID(id), email: email, displayName: displayName, createdAt: now)
                return Member(
                    user: user, organizationID: organization, role: role, workplaceID: workplace, status: status)
            }
        } catch let error as PSQLError where error.isUniqueViolation(of: "account_email") {
            throw StoreError.conflict(.duplicateEmail(email))
        } catch let error as PSQLError where error.isUniqueViolation(of: "membership_pkey") {
            throw StoreError.conflict(.duplicateEmail(email))
        } catch let error as PSQLError where error.isForeignKeyViolation {
            throw StoreError.notFound(.organization)
        }
    }

    public func members(of organization: OrganizationID, by principal: Principal) async throws -> [Member] {
        try AccessRules.requireMembership(of: organization, principal)
        return try await read { connection in
            try await connection.run(
                """
                SELECT a.id, a.email, a.display_name, a.created_at, m.role, m.workplace_id, m.status, m.invited_name,
                       m.created_at
                FROM membership m JOIN account a ON a.id = m.account_id
                WHERE m.organization_id = \(organization.rawValue) ORDER BY a.email
                """, logger: self.logger
            ).map { row in
                let (id, email, name, createdAt, role, workplace, statusText, invitedName, addedAt) = try row.decode(
                    (Int64, String, String, Int64, String, Int64?, String, String?, Int64).self)
                let status = MembershipStatus(rawValue: statusText) ?? .active
                // A pending member shows only what the admin gave: the account may be someone else's.
                let user = User(
                    id: UserID(id), email: email, displayName: status == .pending ? invitedName ?? email : name,
                    createdAt: Timestamp(rawValue: status == .pending ? addedAt : createdAt))
                return Member(
                    user: user, organizationID: organization, role: Role(rawValue: role) ?? .annotator,
                    workplaceID: workplace.map { WorkplaceID($0) }, status: status)
            }
        }
    }

    public func user(withEmail email: String) async throws -> User? {
        try await read { connection in
            try await connection.first(
                "SELECT id, email, display_name, created_at FROM account WHERE lower(email) = lower(\(email))",
                logger: self.logger
            ).map(Self.user(from:))
        }
    }

    public func passwordCredential(forEmail email: String) async throws -> PasswordCredential? {
        try await read { connection in
            try await connection.first(
                "SELECT id, password_hash FROM account WHERE lower(email) = lower(\(email))", logger: self.logger
            ).map { row in
                let (id, hash) = try row.decode((Int64, String).self)
                return PasswordCredential(userID: UserID(id), passwordHash: hash)
            }
        }
    }

    public func storeToken(hash: [UInt8], for user: UserID, name: String, expiresAt: Timestamp?) async throws {
        let now = clock.now()
        _ = try await transaction { connection in
            try await connection.run(
                """
                INSERT INTO api_token (token_hash, account_id, name, created_at, expires_at)
                VALUES (\(TokenHash.hex(hash)), \(user.rawValue), \(name), \(now.rawValue), \(expiresAt?.rawValue))
                """, logger: self.logger)
        }
    }

    public func principal(forTokenHash hash: [UInt8]) async throws -> Principal? {
        let now = clock.now()
        return try await read { connection in
            guard
                let account = try await connection.first(
                    """
                    SELECT account_id FROM api_token
                    WHERE token_hash = \(TokenHash.hex(hash)) AND revoked_at IS NULL
                      AND (expires_at IS NULL OR expires_at > \(now.rawValue))
                    """, logger: self.logger)?.decode(Int64.self)
            else { return nil }
            return try await self.principal(for: UserID(account), on: connection)
        }
    }

    public func tokens(of user: UserID) async throws -> [APITokenInfo] {
        let now = clock.now()
        return try await read { connection in
            try await connection.run(
                """
                SELECT token_hash, name, created_at, expires_at FROM api_token
                WHERE account_id = \(user.rawValue) AND revoked_at IS NULL
                  AND (expires_at IS NULL OR expires_at > \(now.rawValue))
                ORDER BY created_at DESC, token_hash
                """, logger: self.logger
            ).map { row in
                let (hash, name, createdAt, expiresAt) = try row.decode((String, String, Int64, Int64?).self)
                return APITokenInfo(
                    id: APITokenInfo.id(ofHashHex: hash), name: name, createdAt: Timestamp(rawValue: createdAt),
                    expiresAt: expiresAt.map(Timestamp.init(rawValue:)))
            }
        }
    }

    public func revokeToken(id: String, of user: UserID) async throws -> Bool {
        guard APITokenInfo.isValidID(id) else { return false }
        let now = clock.now()
        return try await transaction { connection in
            let rows = try await connection.run(
                """
                UPDATE api_token SET revoked_at = \(now.rawValue)
                WHERE account_id = \(user.rawValue) AND substr(token_hash, 1, 16) = \(id) AND revoked_at IS NULL
                  AND (expires_at IS NULL OR expires_at > \(now.rawValue))
                RETURNING token_hash
                """, logger: self.logger)
            return !rows.isEmpty
        }
    }

    public func principal(for user: UserID) async throws -> Principal? {
        try await read { connection in try await self.principal(for: user, on: connection) }
    }

    func principal(for user: UserID, on connection: PostgresConnection) async throws -> Principal? {
        let rows = try await connection.run(
            """
            SELECT m.organization_id, o.kind, m.role
            FROM account a
            LEFT JOIN membership m ON m.account_id = a.id AND m.status = 'active'
            LEFT JOIN organization o ON o.id = m.organization_id
            WHERE a.id = \(user.rawValue) ORDER BY m.organization_id
            """, logger: logger)
        guard !rows.isEmpty else { return nil }
        let memberships = try rows.compactMap { row -> Membership? in
            let (organization, kind, role) = try row.decode((Int64?, String?, String?).self)
            guard let organization, let kind = kind.flatMap(OrganizationKind.init(rawValue:)),
                let role = role.flatMap(Role.init(rawValue:))
            else { return nil }
            return Membership(organizationID: OrganizationID(organization), organizationKind: kind, role: role)
        }
        return Principal(userID: user, memberships: memberships)
    }

    public func organizations(visibleTo principal: Principal) async throws -> [Organization] {
        let ids = principal.organizationIDs.map(\.rawValue)
        guard !ids.isEmpty else { return [] }
        return try await read { connection in
            try await connection.run(
                "SELECT id, name, kind, created_at FROM organization WHERE id = ANY(\(ids)) ORDER BY name",
                logger: self.logger
            ).map(Self.organization(from:))
        }
    }

}

// MARK: - Row mapping

extension PostgresParkStore {
    static func organization(from row: PostgresRow) throws -> Organization {
        let (id, name, kind, createdAt) = try row.decode((Int64, String, String, Int64).self)
        return Organization(
            id: OrganizationID(id), name: name, kind: OrganizationKind(rawValue: kind) ?? .client,
            createdAt: Timestamp(rawValue: createdAt))
    }

    static func workplace(from row: PostgresRow) throws -> Workplace {
        let (id, organization, name, county, createdAt) = try row.decode((Int64, Int64, String, String, Int64).self)
        return Workplace(
            id: WorkplaceID(id), organizationID: OrganizationID(organization), name: name, county: county,
            createdAt: Timestamp(rawValue: createdAt))
    }

    static func user(from row: PostgresRow) throws -> User {
        let (id, email, name, createdAt) = try row.decode((Int64, String, String, Int64).self)
        return User(id: UserID(id), email: email, displayName: name, createdAt: Timestamp(rawValue: createdAt))
    }

    public func invitations(of user: UserID) async throws -> [Invitation] {
        try await read { connection in
            try await connection.run(
                """
                SELECT m.organization_id, o.name, o.kind, m.role, m.created_at
                FROM membership m JOIN organization o ON o.id = m.organization_id
                WHERE m.account_id = \(user.rawValue) AND m.status = 'pending' ORDER BY m.created_at, m.organization_id
                """, logger: self.logger
            ).compactMap { row in
                let (organization, name, kindText, roleText, invitedAt) = try row.decode(
                    (Int64, String, String, String, Int64).self)
                guard let kind = OrganizationKind(rawValue: kindText), let role = Role(rawValue: roleText) else {
                    return nil
                }
                return Invitation(
                    organizationID: OrganizationID(organization), organizationName: name, organizationKind: kind,
                    role: role, invitedAt: Timestamp(rawValue: invitedAt))
            }
        }
    }

    public func answerInvitation(
        from organization: OrganizationID, of user: UserID, accepting: Bool
    ) async throws -> Bool {
        try await autocommit { connection in
            let query: PostgresQuery =
                accepting
                ? """
                UPDATE membership SET status = 'active', invited_name = NULL
                WHERE organization_id = \(organization.rawValue) AND account_id = \(user.rawValue) AND status = 'pending'
                RETURNING 1
                """
                : """
                DELETE FROM membership
                WHERE organization_id = \(organization.rawValue) AND account_id = \(user.rawValue) AND status = 'pending'
                RETURNING 1
                """
            return try await connection.run(query, logger: self.logger).count > 0
        }
    }

    public func activateInvitationsOfNewAccount(_ user: UserID) async throws {
        _ = try await autocommit { connection in
            try await connection.run(
                """
                UPDATE membership SET status = 'active', invited_name = NULL
                WHERE account_id = \(user.rawValue) AND status = 'pending'
                  AND NOT EXISTS (SELECT 1 FROM membership WHERE account_id = \(user.rawValue) AND status = 'active')
                """, logger: self.logger)
        }
    }
}
