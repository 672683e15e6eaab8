import Foundation
import LabelParkCore
import LabelParkHTTP
import LabelParkStore

/// Seeds, once, a small park that shows LabelPark to a newcomer: the operator, a client with three text
/// projects and two image projects in the reference park's domains, and a vendor whose annotators work from two
/// counties.
///
/// The shared demo password is printed for everyone but the park's admin, whose account can create
/// organizations: it gets a random password, printed once when the park is seeded.
struct DemoPark {
    let store: any ParkStore
    let passwords: PasswordHasher
    /// Where the server listens, for the hints printed at start-up (`http://127.0.0.1:8080`).
    let baseURL: String
    /// Where the image projects' pictures are stored.
    let media: MediaSettings

    static let password = "labelpark-demo"
    static let domain = "demo.labelpark"

    /// The people the demo creates: email, display name, organization, role, workplace.
    private static let people: [(email: String, name: String, organization: Tenant, role: Role, workplace: String?)] = [
        ("admin@\(domain)", "园区管理员 Park Admin", .park, .admin, nil),
        ("manager@\(domain)", "王经理 Wang (client manager)", .client, .manager, nil),
        ("vendor-admin@\(domain)", "李主管 Li (vendor admin)", .vendor, .admin, nil),
        ("reviewer@\(domain)", "赵审核 Zhao (reviewer)", .vendor, .reviewer, "平城区标注基地 Pingcheng workplace"),
        ("annotator1@\(domain)", "张敏 Zhang Min", .vendor, .annotator, "平城区标注基地 Pingcheng workplace"),
        ("annotator2@\(domain)", "刘洋 Liu Yang", .vendor, .annotator, "平城区标注基地 Pingcheng workplace"),
        ("annotator3@\(domain)", "陈静 Chen Jing", .vendor, .annotator, "阳高县标注基地 Yanggao workplace"),
        ("annotator4@\(domain)", "杨帆 Yang Fan", .vendor, .annotator, "阳高县标注基地 Yanggao workplace"),
    ]

    /// What the demo's projects show of quality control: two gold tasks first, then one in twenty; a pause
    /// below 60% over the last ten gold answers; a fifth of the answers reviewed.
    private static let quality = QualityPolicy(
        goldRate: 0.05, goldAtStart: 2, autoPause: AutoPausePolicy(window: 10, minimumAccuracy: 0.6),
        review: .sample(percent: 20))

    private static let workplaces = [
        ("平城区标注基地 Pingcheng workplace", "平城区 Pingcheng District"),
        ("阳高县标注基地 Yanggao workplace", "阳高县 Yanggao County"),
    ]

    func seedIfNeeded() async throws {
        if try await store.user(withEmail: Self.people[0].email) != nil {
            print("Demo park already seeded.")
            printSignIn(adminPassword: nil)
            return
        }
        let park = try await store.ensureOrganization(named: ParkDefaults.operatorName, kind: .operator)
        let client = try await store.ensureOrganization(named: "大同智能数据集团 Datong Smart Data Group", kind: .client)
        let vendor = try await store.ensureOrganization(named: "平城数据标注服务 Pingcheng Annotation Services", kind: .vendor)
        var workplaceIDs: [String: WorkplaceID] = [:]
        for (name, county) in Self.workplaces {
            workplaceIDs[name] = try await store.ensureWorkplace(named: name, county: county, in: vendor.id).id
        }
        let passwordHash = try await passwords.hash(Self.password)
        let adminPassword = Self.randomPassword()
        let adminPasswordHash = try await passwords.hash(adminPassword)
        var managerID: UserID?
        for person in Self.people {
            let organization =
                switch person.organization {
                case .park: park
                case .client: client
                case .vendor: vendor
                }
            let user = try await store.createUser(
                email: person.email, displayName: person.name,
                passwordHash: person.role == .admin && person.organization == .park ? adminPasswordHash : passwordHash,
                organization: organization.id,
                role: person.role, workplace: person.workplace.flatMap { workplaceIDs[$0] })
            if person.role == .manager { managerID = user.id }
        }
        guard let managerID, let manager = try await store.principal(for: managerID) else { return }

        for project in DemoProjects.all {
            let schema = try ProjectSchema(json: try JSONParser().parse(project.schemaJSON))
            let created = try await store.createProject(
                name: project.name, description: project.description, schema: schema, overlap: project.overlap,
                leaseSeconds: 900, quality: Self.quality, in: client.id, by: manager)
            let tasks = project.tasks()
            _ = try await store.importTasks(into: created.id, by: manager) { insert in
                for task in tasks { try insert(task) }
            }
            try await store.grantProject(created.id, to: vendor.id, by: manager)
        }
        for project in DemoImageProject.all {
            let schema = try ProjectSchema(json: try JSONParser().parse(project.schemaJSON))
            let created = try await store.createProject(
                name: project.name, description: project.description, schema: schema, overlap: 2, leaseSeconds: 900,
                quality: Self.quality, in: client.id, by: manager)
            try await project.seed(into: created.id, store: store, media: media, by: manager)
            try await store.grantProject(created.id, to: vendor.id, by: manager)
        }
        print("Seeded the demo park.")
        printSignIn(adminPassword: adminPassword)
    }

    /// Prints who can sign in; the admin's random password only right after seeding, never again.
    private func printSignIn(adminPassword: String?) {
        print("Demo park at \(baseURL) — sign in as (password \(Self.password) unless shown):")
        for person in Self.people {
            let isParkAdmin = person.role == .admin && person.organization == .park
            let password =
                isParkAdmin ? "  password: \(adminPassword ?? "printed once, when the demo park was seeded")" : ""
            print(
                "  \(person.email.padding(toLength: 28, withPad: " ", startingAt: 0)) \(person.role.rawValue)  \(person.name)\(password)"
            )
        }
        print(
            "Get an API token: curl -s -X POST \(baseURL)/api/v1/tokens -d '{\"email\":\"manager@\(Self.domain)\",\"password\":\"\(Self.password)\"}'"
        )
    }

    /// 16 letters and digits from the system's secure generator.
    private static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}

/// Which of the demo's organizations a person belongs to.
private enum Tenant { case park, client, vendor }
