import Foundation
import LabelParkCore
import LabelParkStore

/// A small park inside a store: two client organizations, a vendor, and people with every role.
///
/// Tests of any engine build one of these instead of hand-writing accounts, so the contract suite and
/// the HTTP tests speak about the same park.
public struct ParkFixture: Sendable {
    public let store: any ParkStore
    public let clientA: Organization
    public let clientB: Organization
    public let vendor: Organization
    public let managerA: Principal
    public let managerB: Principal
    public let annotatorA: Principal
    public let vendorAnnotator: Principal
    /// Cheap to compute and constant, so fixtures need no bcrypt work; never a real password's hash.
    public static let passwordHash = "$2b$04$abcdefghijklmnopqrstuuJ0a0q0Vx8QJmJY0s1c2cGxg9M8Wn6cK"

    public static func make(in store: any ParkStore) async throws -> ParkFixture {
        let clientA = try await store.ensureOrganization(named: "Client A", kind: .client)
        let clientB = try await store.ensureOrganization(named: "Client B", kind: .client)
        let vendor = try await store.ensureOrganization(named: "Vendor V", kind: .vendor)
        func person(_ email: String, _ organization: Organization, _ role: Role) async throws -> Principal {
            let user = try await store.createUser(
                email: email, displayName: email, passwordHash: passwordHash, organization: organization.id, role: role,
                workplace: nil)
            return try await store.principal(for: user.id)!
        }
        return ParkFixture(
            store: store, clientA: clientA, clientB: clientB, vendor: vendor,
            managerA: try await person("manager@a.test", clientA, .manager),
            managerB: try await person("manager@b.test", clientB, .manager),
            annotatorA: try await person("annotator@a.test", clientA, .annotator),
            vendorAnnotator: try await person("annotator@v.test", vendor, .annotator))
    }

    /// Creates `count` annotators in client A.
    public func makeAnnotators(_ count: Int, prefix: String = "worker") async throws -> [Principal] {
        var principals: [Principal] = []
        for index in 0..<count {
            let user = try await store.createUser(
                email: "\(prefix)\(index)@a.test", displayName: "\(prefix) \(index)", passwordHash: Self.passwordHash,
                organization: clientA.id, role: .annotator, workplace: nil)
            principals.append(try await store.principal(for: user.id)!)
        }
        return principals
    }

    /// The schema most tests use: a text field, a required choice and NER spans.
    public static let sentimentSchema = ProjectSchema(
        fields: [Field(name: "text", kind: .text)],
        questions: [
            Question(name: "sentiment", kind: .choice(options: ["pos", "neg", "neu"]), required: true),
            Question(name: "entities", kind: .spans(field: "text", labels: ["PER", "ORG"], overlap: .none)),
        ])

    /// Creates a project in client A with `tasks` text tasks.
    public func makeProject(
        tasks: Int, overlap: Int = 1, leaseSeconds: Int = 600, name: String = "Project"
    ) async throws -> Project {
        let project = try await store.createProject(
            name: name, description: "", schema: Self.sentimentSchema, overlap: overlap, leaseSeconds: leaseSeconds,
            in: clientA.id, by: managerA)
        if tasks > 0 {
            _ = try await store.importTasks(into: project.id, by: managerA) { insert in
                for index in 0..<tasks {
                    try insert(NewTask(dataJSON: JSONValue.object(["text": .string("task number \(index)")]).jsonText))
                }
            }
        }
        return project
    }

    /// A valid result for `sentimentSchema`.
    public static func result(_ sentiment: String = "pos") -> String {
        JSONValue.object(["sentiment": .string(sentiment)]).jsonText
    }
}

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("labelpark-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
