import ArgumentParser
import LabelParkCore
import LabelParkHTTP
import LabelParkStore
import Logging

/// `labelpark user …`: manage people from the command line.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    /// `labelpark user create`: adds a person to an organization, creating the organization if needed.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user with a role in an organization (created when it does not exist).")

        @OptionGroup var storage: StorageOptions
        @Option(help: "The sign-in email.") var email: String
        @Option(help: "The password (at least 8 characters).") var password: String
        @Option(help: "The role: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option(help: "The organization's name; defaults to the park operator.") var org: String?
        @Option(help: "The kind of organization to create when it does not exist: client, vendor or operator.")
        var orgKind: String = "client"
        @Option(help: "The display name; defaults to the email.") var name: String?
        @Option(help: "A workplace of the organization (created when it does not exist).") var workplace: String?
        @Option(help: "The workplace's county, when it is created.") var county: String = ""
        @Option(help: "bcrypt cost for the password (4–31); lower is faster to set and to check.")
        var bcryptCost: UInt8 = 12

        func validate() throws {
            // bcrypt stops the process on a cost outside 4–31, so refuse it here with a message instead.
            guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be from 4 to 31") }
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard OrganizationKind(rawValue: orgKind) != nil else {
                throw ValidationError("--org-kind must be client, vendor or operator")
            }
            guard password.count >= PasswordHasher.minimumLength else {
                throw ValidationError("--password must have at least \(PasswordHasher.minimumLength) characters")
            }
        }

        func run() async throws {
            try await storage.withStore(logger: Logger(label: "labelpark.cli")) { store in
                try await create(in: store)
            }
        }

        private func create(in store: any ParkStore) async throws {
            let organization =
                if let org {
                    try await store.ensureOrganization(named: org, kind: OrganizationKind(rawValue: orgKind)!)
                } else {
                    try await store.ensureOrganization(named: ParkDefaults.operatorName, kind: .operator)
                }
            var workplaceID: WorkplaceID?
            if let workplace {
                workplaceID = try await store.ensureWorkplace(named: workplace, county: county, in: organization.id).id
            }
            do {
                let user = try await store.createUser(
                    email: email, displayName: name ?? email,
                    passwordHash: try await PasswordHasher(cost: bcryptCost).hash(password),
                    organization: organization.id, role: Role(rawValue: role)!, workplace: workplaceID)
                print(
                    "created user \(user.id) <\(user.email)> as \(role) of \(organization.name) (organization \(organization.id))"
                )
            } catch StoreError.conflict(let conflict) {
                throw ValidationError(conflict.message)
            }
        }
    }
}

/// `labelpark token …`: API tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self])

    /// `labelpark token create`: prints a new API token; only its hash is stored.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new API token for a user.")

        @OptionGroup var storage: StorageOptions
        @Option(help: "The user's email.") var email: String
        @Option(help: "A name to recognise the token by.") var name: String = "cli"
        @Option(help: "Days until the token expires (1–3650); without it, it lasts until revoked.")
        var expiresInDays: Int?

        func validate() throws {
            if let expiresInDays, !(1...3_650).contains(expiresInDays) {
                throw ValidationError("--expires-in-days must be from 1 to 3650")
            }
        }

        func run() async throws {
            let token = try await storage.withStore(logger: Logger(label: "labelpark.cli")) { store in
                try await create(in: store)
            }
            print(token)
        }

        private func create(in store: any ParkStore) async throws -> String {
            guard let user = try await store.user(withEmail: email) else {
                throw ValidationError("no user with email \(email)")
            }
            let token = APIToken.generate()
            let expiresAt = expiresInDays.map { SystemClock().now().adding(seconds: $0 * 86_400) }
            try await store.storeToken(hash: APIToken.hash(token), for: user.id, name: name, expiresAt: expiresAt)
            return token
        }
    }
}

/// Names the park uses when nobody chose one.
enum ParkDefaults {
    static let operatorName = "Park Operator"
}
