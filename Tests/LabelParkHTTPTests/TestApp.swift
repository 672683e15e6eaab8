import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelParkAssets
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Logging
import NIOCore
import Testing

/// The import limits most tests run with: small enough that a 10 MB body is refused with 413.
let testImportLimits = ImportLimits(maxBodyBytes: 2 << 20, maxTaskBytes: 256 << 10)

/// Runs `body` against a fresh park: its own SQLite file, a manual clock, the fixture's people with API
/// tokens, and LabelPark's router behind HummingbirdTesting's in-process `.router` client.
func withTestPark<Value: Sendable>(
    importLimits: ImportLimits = testImportLimits, maxUploadBytes: Int64 = 4 << 20, mediaQuotaBytes: Int64? = nil,
    attachments: AttachmentPolicy = .none, _ body: @Sendable (TestPark) async throws -> Value
) async throws -> Value {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let clock = ManualClock()
    let store = try SQLiteParkStore(path: directory.path("park.sqlite"), clock: clock)
    defer { try? store.close() }
    let fixture = try await ParkFixture.make(in: store)
    let spoolDirectory = directory.url.appendingPathComponent("spool")
    // Every instance on this store hands out the handles of this fixed secret, so tests can read them.
    _ = try await store.parkSecret(named: "task-handles", candidate: testTaskHandleSecret)
    let assets = try LocalAssetStore(root: directory.path("assets"))
    let media = MediaSettings(
        store: assets, stagingDirectory: assets.root + "/incoming", maxUploadBytes: maxUploadBytes,
        quotaBytes: mediaQuotaBytes, attachments: attachments)
    var logger = Logger(label: "labelpark-http-tests")
    logger.logLevel = .error
    let tiles = TileSignal()
    let syncs = StorageSyncs(store: store, media: media, tiles: tiles, logger: logger)
    let router = buildRouter(
        ParkServerDependencies(
            store: store, passwords: PasswordHasher(cost: 4), importLimits: importLimits,
            spoolDirectory: spoolDirectory, web: try await WebAssets.bundled(), clock: clock, media: media,
            tiles: tiles, syncs: syncs))
    let app = Application(router: router, logger: logger)
    let people = try await (
        Person.issuingToken(to: fixture.managerA, in: store), Person.issuingToken(to: fixture.managerB, in: store),
        Person.issuingToken(to: fixture.annotatorA, in: store),
        Person.issuingToken(to: fixture.vendorAnnotator, in: store)
    )
    return try await app.test(.router) { client in
        try await body(
            TestPark(
                client: client, store: store, clock: clock, fixture: fixture, spoolDirectory: spoolDirectory,
                syncs: syncs, managerA: people.0, managerB: people.1, annotatorA: people.2, vendorAnnotator: people.3))
    }
}

/// Someone who calls the API: a principal and a bearer token that authenticates it.
struct Person: Sendable {
    let principal: Principal
    let token: String

    var userID: Int { Int(principal.userID.rawValue) }

    static func issuingToken(to principal: Principal, in store: any ParkStore) async throws -> Person {
        let token = APIToken.generate()
        try await store.storeToken(hash: APIToken.hash(token), for: principal.userID, name: "test", expiresAt: nil)
        return Person(principal: principal, token: token)
    }
}

/// A lease handed out by `POST /projects/{id}/next`.
struct ClaimedTask: Sendable {
    let taskID: Int
    let leaseToken: String
    let expiresAt: String
}

/// The handles every test park gives out: a fixed secret, so tests can translate them to real ids.
let testTaskHandleSecret: [UInt8] = Array(repeating: 42, count: 32)
let testTaskHandles = TaskHandles(secret: testTaskHandleSecret)

/// One running park and the client that talks to its router.
struct TestPark: Sendable {
    let client: any TestClientProtocol
    let store: SQLiteParkStore
    let clock: ManualClock
    let fixture: ParkFixture
    let spoolDirectory: URL
    let syncs: StorageSyncs
    let managerA: Person
    let managerB: Person
    let annotatorA: Person
    let vendorAnnotator: Person

    /// The real id of a task someone was handed as `handle`, as its managers and exports name it.
    func realTaskID(_ handle: Int, seenBy person: Person) -> Int {
        testTaskHandles.taskID(fromHandle: Int64(handle), seenBy: person.principal.userID).map { Int($0.rawValue) }
            ?? -1
    }

    /// The real id of a claimed task.
    func realTaskID(of claim: ClaimedTask, by person: Person) -> Int { realTaskID(claim.taskID, seenBy: person) }

    var clientA: Int { Int(fixture.clientA.id.rawValue) }
    var clientB: Int { Int(fixture.clientB.id.rawValue) }
    var vendor: Int { Int(fixture.vendor.id.rawValue) }

    // MARK: People

    /// A new person with a token, created through the store's bootstrap path.
    func makePerson(
        _ email: String, in organization: Organization, role: Role, passwordHash: String = ParkFixture.passwordHash
    ) async throws -> Person {
        let user = try await store.createUser(
            email: email, displayName: email, passwordHash: passwordHash, organization: organization.id, role: role,
            workplace: nil)
        let principal = try #require(try await store.principal(for: user.id))
        return try await Person.issuingToken(to: principal, in: store)
    }

    /// Another annotator of client A.
    func makeAnnotator(_ name: String) async throws -> Person {
        try await makePerson("\(name)@a.test", in: fixture.clientA, role: .annotator)
    }

    /// An admin of the park operator: the only role that creates organizations.
    func makeOperatorAdmin() async throws -> Person {
        let park = try await store.ensureOrganization(named: "Park Operator", kind: .operator)
        return try await makePerson("root@operator.test", in: park, role: .admin)
    }

    // MARK: Requests

    /// Sends one request; every response, whatever its status, must carry the security headers.
    func send(
        _ method: HTTPRequest.Method, _ path: String, as person: Person?, json: String? = nil, body: [UInt8]? = nil,
        contentType: String? = nil, headers extraHeaders: HTTPFields = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        var headers = extraHeaders
        if let person { headers[.authorization] = "Bearer \(person.token)" }
        var payload: ByteBuffer?
        if let json {
            payload = ByteBuffer(string: json)
            headers[.contentType] = contentType ?? "application/json"
        } else if let body {
            payload = ByteBuffer(bytes: body)
            if let contentType { headers[.contentType] = contentType }
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: payload)
        let reply = Reply(status: response.status, headers: response.headers, bytes: Array(buffer: response.body))
        #expect(
            reply.headers[.xContentTypeOptions] == "nosniff", "\(method) \(path) lacks X-Content-Type-Options",
            sourceLocation: sourceLocation)
        #expect(
            reply.headers[.contentSecurityPolicy]?.contains("default-src") == true,
            "\(method) \(path) lacks Content-Security-Policy", sourceLocation: sourceLocation)
        return reply
    }

    // MARK: Workflows

    /// Creates a project over HTTP with the sentiment-and-entities schema; returns its id.
    func createProject(
        as person: Person, overlap: Int = 1, leaseSeconds: Int = 600, name: String = "Reviews",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Int {
        let reply = try await send(
            .post, "/api/v1/projects", as: person,
            json:
                #"{"name":\#(jsonString(name)),"schema":\#(sentimentSchemaJSON),"overlap":\#(overlap),"lease_seconds":\#(leaseSeconds)}"#,
            sourceLocation: sourceLocation)
        try #require(reply.status == .created, "create project: \(reply.text)", sourceLocation: sourceLocation)
        return try #require(reply.int("id"), sourceLocation: sourceLocation)
    }

    /// Posts an NDJSON body made of `lines` to the project's import route.
    func importNDJSON(
        _ lines: [String], into project: Int, as person: Person, partial: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        try await send(
            .post, "/api/v1/projects/\(project)/tasks\(partial ? "?partial=true" : "")", as: person,
            body: Array(lines.joined(separator: "\n").utf8), contentType: "application/x-ndjson",
            sourceLocation: sourceLocation)
    }

    /// Imports one task per text and requires every one to be created.
    func importTexts(
        _ texts: [String], into project: Int, as person: Person? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let reply = try await importNDJSON(
            texts.map { #"{"text":\#(jsonString($0))}"# }, into: project, as: person ?? managerA,
            sourceLocation: sourceLocation)
        try #require(reply.status == .created, "import: \(reply.text)", sourceLocation: sourceLocation)
        try #require(reply.int("created") == texts.count, sourceLocation: sourceLocation)
    }

    /// A project of client A, created by manager A, with one task per text.
    func makeProject(
        texts: [String] = ["first task"], overlap: Int = 1, leaseSeconds: Int = 600,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Int {
        let project = try await createProject(
            as: managerA, overlap: overlap, leaseSeconds: leaseSeconds, sourceLocation: sourceLocation)
        if !texts.isEmpty { try await importTexts(texts, into: project, sourceLocation: sourceLocation) }
        return project
    }

    /// Claims the next slot and requires one to be handed out.
    func claim(
        _ project: Int, as person: Person, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws
        -> ClaimedTask
    {
        let reply = try await send(
            .post, "/api/v1/projects/\(project)/next", as: person, sourceLocation: sourceLocation)
        try #require(reply.status == .ok, "claim: \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        return ClaimedTask(
            taskID: try #require(reply.int("task.id"), sourceLocation: sourceLocation),
            leaseToken: try #require(reply.string("lease.token"), sourceLocation: sourceLocation),
            expiresAt: try #require(reply.string("lease.expires_at"), sourceLocation: sourceLocation))
    }

    /// Submits `result` (JSON text) for a claimed task.
    func submit(
        _ claim: ClaimedTask, result: String = #"{"sentiment":"pos"}"#, idempotencyKey: String? = nil,
        as person: Person, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        var body = #"{"lease_token":"\#(claim.leaseToken)","result":\#(result)"#
        if let idempotencyKey { body += #","idempotency_key":\#(jsonString(idempotencyKey))"# }
        body += "}"
        return try await send(
            .post, "/api/v1/tasks/\(claim.taskID)/annotations", as: person, json: body, sourceLocation: sourceLocation)
    }

    /// Claims and submits, requiring a 201; returns the annotation id.
    func annotate(
        _ project: Int, as person: Person, result: String = #"{"sentiment":"pos"}"#,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (claim: ClaimedTask, annotationID: Int) {
        let claim = try await claim(project, as: person, sourceLocation: sourceLocation)
        let reply = try await submit(claim, result: result, as: person, sourceLocation: sourceLocation)
        try #require(reply.status == .created, "submit: \(reply.text)", sourceLocation: sourceLocation)
        return (claim, try #require(reply.int("id"), sourceLocation: sourceLocation))
    }

    /// The project's progress as manager A sees it.
    func progress(_ project: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        let reply = try await send(
            .get, "/api/v1/projects/\(project)/progress", as: managerA, sourceLocation: sourceLocation)
        try #require(reply.status == .ok, "progress: \(reply.text)", sourceLocation: sourceLocation)
        return reply
    }

    /// Files left in the import spool directory (there should be none once a request has finished).
    func spooledFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory.path)) ?? []
    }
}

/// A response with its body, read through dotted paths such as `error.code` or `errors.0.line`.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let bytes: [UInt8]

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The body parsed as JSON, or `nil` when it is empty or not JSON.
    var json: Any? {
        guard !bytes.isEmpty else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    func value(_ path: String) -> Any? { lookUp(path, in: json) }
    func string(_ path: String) -> String? { value(path) as? String }
    func int(_ path: String) -> Int? { value(path) as? Int }
    func bool(_ path: String) -> Bool? { value(path) as? Bool }
    func array(_ path: String) -> [Any]? { value(path) as? [Any] }

    var errorCode: String? { string("error.code") }
    var errorField: String? { string("error.field") }
    var errorLine: Int? { int("error.line") }

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// Follows a dotted path through parsed JSON; numeric components index arrays.
func lookUp(_ path: String, in root: Any?) -> Any? {
    var current = root
    for component in path.split(separator: ".") {
        if let index = Int(component), let array = current as? [Any] {
            current = array.indices.contains(index) ? array[index] : nil
        } else if let object = current as? [String: Any] {
            current = object[String(component)]
        } else {
            return nil
        }
    }
    return current
}
