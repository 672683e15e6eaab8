import LabelParkCore
import LabelParkPostgres
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Synchronization
import Testing

/// The checksum's encoding and the copy's orchestration, on in-memory tables (no database needed).
struct ParkCopyTests {
    // MARK: - Checksum

    @Test func fnv1aMatchesTheReferenceVectors() {
        // The FNV reference test vectors for 64-bit FNV-1a.
        #expect(ParkChecksum.fnv1a([]) == 0xcbf2_9ce4_8422_2325)
        #expect(ParkChecksum.fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(ParkChecksum.fnv1a(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    @Test func rowsHashTheirCanonicalEncoding() {
        // An empty row encodes to no bytes: the FNV offset basis.
        #expect(ParkChecksum.hash(of: []) == 0xcbf2_9ce4_8422_2325)
        // null: tag 0.
        #expect(ParkChecksum.hash(of: [.null]) == ParkChecksum.fnv1a([0]))
        // -1: tag 1, then 8 bytes little-endian two's complement, all 0xFF.
        #expect(ParkChecksum.hash(of: [.integer(-1)]) == ParkChecksum.fnv1a([1] + Array(repeating: 0xFF, count: 8)))
        // 258 = 0x0102: tag 1, then 02 01 00 00 00 00 00 00.
        #expect(ParkChecksum.hash(of: [.integer(258)]) == ParkChecksum.fnv1a([1, 2, 1, 0, 0, 0, 0, 0, 0]))
        // "雲": tag 2, UTF-8 length 3 as 8 bytes, then E9 9B B2.
        #expect(
            ParkChecksum.hash(of: [.text("雲")]) == ParkChecksum.fnv1a([2, 3, 0, 0, 0, 0, 0, 0, 0, 0xE9, 0x9B, 0xB2]))
        // Cells follow each other without separators: null then "a" is 0 | 2, 1×8 bytes, 'a'.
        #expect(
            ParkChecksum.hash(of: [.null, .text("a")]) == ParkChecksum.fnv1a([0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0x61]))
    }

    @Test func differentRowsHashDifferently() {
        let lookalikes: [[ParkCell]] = [
            [.null], [.text("")], [.integer(0)], [], [.null, .null],
            [.text("ab"), .text("c")], [.text("a"), .text("bc")], [.text("abc")],
        ]
        #expect(Set(lookalikes.map(ParkChecksum.hash(of:))).count == lookalikes.count)
    }

    @Test func theChecksumIgnoresRowOrderButNotRows() {
        let first: [ParkCell] = [.integer(1), .text("one")]
        let second: [ParkCell] = [.integer(2), .text("two")]
        var forward = ParkChecksum()
        forward.add(first)
        forward.add(second)
        var backward = ParkChecksum()
        backward.add(second)
        backward.add(first)
        #expect(forward == backward)
        #expect(forward.value == ParkChecksum.hash(of: first) &+ ParkChecksum.hash(of: second))
        var missingOne = ParkChecksum()
        missingOne.add(first)
        #expect(missingOne != forward)
        #expect(ParkChecksum().description == "0000000000000000")
        #expect(ParkChecksum(value: 0xAB).description == "00000000000000ab")
    }

    // MARK: - Orchestration

    static let people = ParkTable(
        "people", columns: [.init("id", .integer), .init("name", .text), .init("active", .boolean)],
        primaryKey: ["id"])
    static let pairs = ParkTable(
        "pairs", columns: [.init("left", .integer), .init("right", .text), .init("note", .text)],
        primaryKey: ["left", "right"])
    static let tables = [people, pairs]

    /// Five people and four pairs; the pairs share first key columns so paging must compare both.
    static func sampleSource() -> MemoryTables {
        MemoryTables(
            tables: tables,
            rows: [
                "people": (1...5).map { [.integer(Int64($0)), .text("person \($0)"), .integer(Int64($0 % 2))] },
                "pairs": [
                    [.integer(1), .text("a"), .null], [.integer(1), .text("b"), .text("tab\there")],
                    [.integer(2), .text("a"), .text("")], [.integer(2), .text("c"), .null],
                ],
            ])
    }

    @Test func copiesEveryRowInPagesAndReportsProgress() async throws {
        let source = Self.sampleSource()
        let target = MemoryTables(tables: Self.tables)
        let events = Mutex<[ParkCopyProgress]>([])
        let report = try await ParkCopy(from: source, to: target, batchSize: 2, tables: Self.tables).run { progress in
            events.withLock { $0.append(progress) }
        }
        #expect(target.snapshot() == source.snapshot())
        #expect(report.tables.map(\.table) == ["people", "pairs"])
        #expect(report.tables.map(\.rows) == [5, 4])
        #expect(report.totalRows == 9)  // 5 + 4
        var expectedPeople = ParkChecksum()
        for row in source.snapshot()["people"]! { expectedPeople.add(row) }
        #expect(report.tables[0].checksum == expectedPeople)
        // Pages of 2: people 2, 2, 1 (a short page ends the table); pairs 2, 2, then an empty page.
        func event(_ table: String, _ phase: ParkCopyProgress.Phase, _ done: Int, _ total: Int) -> ParkCopyProgress {
            ParkCopyProgress(table: table, phase: phase, rowsDone: done, rowsTotal: total)
        }
        #expect(
            events.withLock { $0 } == [
                event("people", .copying, 0, 5), event("people", .copying, 2, 5), event("people", .copying, 4, 5),
                event("people", .copying, 5, 5), event("people", .verifying, 0, 5), event("people", .verifying, 2, 5),
                event("people", .verifying, 4, 5), event("people", .verifying, 5, 5),
                event("pairs", .copying, 0, 4), event("pairs", .copying, 2, 4), event("pairs", .copying, 4, 4),
                event("pairs", .verifying, 0, 4), event("pairs", .verifying, 2, 4), event("pairs", .verifying, 4, 4),
            ])
        #expect(target.finishedLoads() == 1)
    }

    @Test func aBatchLargerThanEveryTableCopiesInOnePage() async throws {
        let source = Self.sampleSource()
        let target = MemoryTables(tables: Self.tables)
        let report = try await ParkCopy(from: source, to: target, batchSize: 10_000, tables: Self.tables).run()
        #expect(report.tables.map(\.rows) == [5, 4])
        #expect(target.insertedBatches() == 2)  // one per table
    }

    @Test func refusesANonEmptyTargetAndLeavesItAlone() async throws {
        let target = MemoryTables(tables: Self.tables, rows: ["pairs": [[.integer(9), .text("z"), .null]]])
        await #expect(throws: ParkCopyError.targetNotEmpty) {
            _ = try await ParkCopy(from: Self.sampleSource(), to: target, tables: Self.tables).run()
        }
        #expect(target.snapshot() == ["people": [], "pairs": [[.integer(9), .text("z"), .null]]])
    }

    @Test func replacingEmptiesTheTargetFirst() async throws {
        let source = Self.sampleSource()
        let target = MemoryTables(tables: Self.tables, rows: ["pairs": [[.integer(9), .text("z"), .null]]])
        _ = try await ParkCopy(from: source, to: target, replacingTarget: true, batchSize: 3, tables: Self.tables).run()
        #expect(target.snapshot() == source.snapshot())
    }

    @Test func anEmptySourceIsRefusedBeforeTheTargetIsTouched() async throws {
        let target = Self.sampleSource()
        await #expect(throws: ParkCopyError.sourceEmpty) {
            _ = try await ParkCopy(
                from: MemoryTables(tables: Self.tables), to: target, replacingTarget: true, tables: Self.tables
            ).run()
        }
        #expect(target.snapshot() == Self.sampleSource().snapshot())
    }

    @Test func aTargetThatAltersAValueFailsVerification() async throws {
        let target = MemoryTables(tables: Self.tables, fault: .uppercaseText)
        do {
            _ = try await ParkCopy(from: Self.sampleSource(), to: target, batchSize: 2, tables: Self.tables).run()
            Issue.record("the altered copy passed verification")
        } catch ParkCopyError.verificationFailed(let source, let copy) {
            // The first table with text is people: same 5 rows, other bytes.
            #expect(source.table == "people" && source.rows == 5 && copy.rows == 5)
            #expect(source.checksum != copy.checksum)
        }
    }

    @Test func aTargetThatLosesARowFailsVerification() async throws {
        let target = MemoryTables(tables: Self.tables, fault: .dropFirstRowOfEachBatch)
        do {
            _ = try await ParkCopy(from: Self.sampleSource(), to: target, batchSize: 2, tables: Self.tables).run()
            Issue.record("the short copy passed verification")
        } catch ParkCopyError.verificationFailed(let source, let copy) {
            // Batches of people: 2, 2, 1 rows, each losing one: 5 - 3 = 2 rows arrive.
            #expect(source.rows == 5 && copy.rows == 2)
        }
    }

    @Test func aSchemaWithUnknownColumnsIsRefused() async throws {
        let target = MemoryTables(tables: Self.tables, extraColumns: ["pairs": ["weight"]])
        await #expect(
            throws: ParkCopyError.schemaDiffers(table: "pairs", side: .target, missing: [], unknown: ["weight"])
        ) {
            _ = try await ParkCopy(from: Self.sampleSource(), to: target, tables: Self.tables).run()
        }
        #expect(target.insertedBatches() == 0)
    }

    @Test func theCatalogListsTablesInForeignKeyOrder() {
        #expect(
            ParkTable.all.map(\.name) == [
                "organization", "workplace", "account", "web_session", "park_secret", "membership", "api_token",
                "project",
                "project_grant", "task_batch", "task", "gold_slot", "annotator_standing", "slot", "lease", "task_skip",
                "queue_exhaustion", "annotation", "annotation_revision", "inspection", "review_item", "review", "storage",
                "asset", "storage_object",
            ])
        #expect(
            ParkTable.all.filter(\.hasGeneratedID).map(\.name) == [
                "organization", "workplace", "account", "project", "task_batch", "task", "annotation", "inspection",
                "review", "storage", "asset",
            ])
        let slot = ParkTable.all.first { $0.name == "slot" }!
        // slot's key is (task_id, slot_index), its first two columns.
        #expect(slot.primaryKeyPositions == [0, 1])
        #expect(slot.key(of: [.integer(7), .integer(2), .integer(1)]) == [.integer(7), .integer(2)])
    }
}

/// Tables held in memory, sorted by primary key, with an optional fault to prove verification catches it.
final class MemoryTables: ParkTableAccess {
    enum Fault: Sendable {
        case none
        /// Stores every text value upper-cased.
        case uppercaseText
        /// Silently skips the first row of every inserted batch.
        case dropFirstRowOfEachBatch
    }

    private struct State {
        var rows: [String: [[ParkCell]]]
        var insertedBatches = 0
        var finishedLoads = 0
    }

    private let tables: [ParkTable]
    private let fault: Fault
    private let extraColumns: [String: [String]]
    private let state: Mutex<State>

    init(
        tables: [ParkTable], rows: [String: [[ParkCell]]] = [:], fault: Fault = .none,
        extraColumns: [String: [String]] = [:]
    ) {
        self.tables = tables
        self.fault = fault
        self.extraColumns = extraColumns
        var all: [String: [[ParkCell]]] = [:]
        for table in tables { all[table.name] = Self.sorted(rows[table.name] ?? [], by: table) }
        self.state = Mutex(State(rows: all))
    }

    func snapshot() -> [String: [[ParkCell]]] { state.withLock { $0.rows } }
    func insertedBatches() -> Int { state.withLock { $0.insertedBatches } }
    func finishedLoads() -> Int { state.withLock { $0.finishedLoads } }

    func storedColumns(of table: ParkTable) async throws -> [String] {
        table.columnNames + (extraColumns[table.name] ?? [])
    }

    func rowCount(of table: ParkTable) async throws -> Int { state.withLock { $0.rows[table.name]!.count } }

    func readRows(of table: ParkTable, after key: [ParkCell]?, limit: Int) async throws -> [[ParkCell]] {
        state.withLock { state in
            let rows = state.rows[table.name]!
            let start = key.map { key in rows.firstIndex { Self.precedes(key, table.key(of: $0)) } ?? rows.count } ?? 0
            return Array(rows[start...].prefix(limit))
        }
    }

    func isEmpty() async throws -> Bool { state.withLock { $0.rows.values.allSatisfy(\.isEmpty) } }

    func removeAllRows() async throws {
        state.withLock { state in
            for name in state.rows.keys { state.rows[name] = [] }
        }
    }

    func insert(_ rows: [[ParkCell]], into table: ParkTable) async throws {
        var stored = rows
        switch fault {
        case .none: break
        case .uppercaseText:
            stored = rows.map { row in row.map { if case .text(let text) = $0 { .text(text.uppercased()) } else { $0 } }
            }
        case .dropFirstRowOfEachBatch: stored = Array(rows.dropFirst())
        }
        state.withLock { state in
            state.rows[table.name] = Self.sorted(state.rows[table.name]! + stored, by: table)
            state.insertedBatches += 1
        }
    }

    func finishLoading() async throws { state.withLock { $0.finishedLoads += 1 } }

    private static func sorted(_ rows: [[ParkCell]], by table: ParkTable) -> [[ParkCell]] {
        rows.sorted { precedes(table.key(of: $0), table.key(of: $1)) }
    }

    /// Whether key `a` sorts before key `b`, column by column (integers as numbers, text by bytes).
    private static func precedes(_ a: [ParkCell], _ b: [ParkCell]) -> Bool {
        for (left, right) in zip(a, b) where left != right {
            switch (left, right) {
            case (.integer(let x), .integer(let y)): return x < y
            case (.text(let x), .text(let y)): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
            default: return false
            }
        }
        return false
    }
}

/// A whole park copied from SQLite to PostgreSQL and back, on a real server.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "set LABELPARK_TEST_DATABASE_URL to a loopback server"))
struct ParkCopyPostgresTests {
    @Test func aParkSurvivesTheRoundTripThroughPostgres() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock()
        let source = try SQLiteParkStore(path: directory.path("source.sqlite"), clock: clock)
        defer { try? source.close() }
        let park = try await FullPark.make(in: source, clock: clock)
        for table in ParkTable.all {
            #expect(try await source.rowCount(of: table) > 0, "the sample park leaves \(table.name) empty")
        }
        let maxima = try await GeneratedIDs.largest(in: source)

        try await PostgresTestDatabase.withStores { makeStore in
            let postgres = try #require(try await makeStore(clock) as? PostgresParkStore)
            // Small batches, so every table with more than two rows is read and verified in several pages.
            let there = try await ParkCopy(from: source, to: postgres, batchSize: 2).run()
            let back = try SQLiteParkStore(path: directory.path("back.sqlite"), clock: clock)
            defer { try? back.close() }
            let andBack = try await ParkCopy(from: postgres, to: back, batchSize: 3).run()

            #expect(there.tables.map(\.table) == ParkTable.all.map(\.name))
            #expect(there == andBack)
            for (project, manager) in park.projects {
                let original = try await exportAll(source, project, by: manager)
                #expect(original.count > 0)
                #expect(try await exportAll(postgres, project, by: manager) == original)
                #expect(try await exportAll(back, project, by: manager) == original)
            }
            for copy in [postgres, back] as [any ParkStore] {
                #expect(try await copy.principal(forTokenHash: FullPark.tokenHash) == park.fixture.annotatorA)
                // The park's secret travels, so annotators' task handles stay the same after a move.
                #expect(try await copy.parkSecret(named: "task-handles", candidate: []) == Array(0..<32))
                #expect(try await copy.principal(for: park.vendorWorker.userID) == park.vendorWorker)
                #expect(
                    try await copy.passwordCredential(forEmail: "manager@a.test")?.passwordHash
                        == ParkFixture.passwordHash)
                try await GeneratedIDs.expectFresh(in: copy, above: maxima, park: park)
            }
        }
    }

    @Test func aTargetThatHoldsAParkIsReplacedOnlyOnRequest() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock()
        let big = try SQLiteParkStore(path: directory.path("big.sqlite"), clock: clock)
        defer { try? big.close() }
        _ = try await FullPark.make(in: big, clock: clock)
        let small = try SQLiteParkStore(path: directory.path("small.sqlite"), clock: clock)
        defer { try? small.close() }
        let smallPark = try await ParkFixture.make(in: small)
        let smallProject = try await smallPark.makeProject(tasks: 3)

        try await PostgresTestDatabase.withStores { makeStore in
            let postgres = try #require(try await makeStore(clock) as? PostgresParkStore)
            let first = try await ParkCopy(from: big, to: postgres).run()
            await #expect(throws: ParkCopyError.targetNotEmpty) {
                _ = try await ParkCopy(from: small, to: postgres).run()
            }
            #expect(try await postgres.rowCount(of: Self.task) == first.tables.first { $0.table == "task" }!.rows)

            let replaced = try await ParkCopy(from: small, to: postgres, replacingTarget: true).run()
            // The fixture: 3 organizations, 4 accounts with one membership each, 1 project of 3 tasks in one
            // import batch with overlap 1 (3 slots); nothing else. In catalog order: organization, workplace,
            // account, web_session, park_secret, membership, api_token, project, project_grant, task_batch, task,
            // gold_slot, annotator_standing, slot, lease, task_skip, queue_exhaustion, annotation,
            // annotation_revision, inspection, review_item, review, storage, asset, storage_object.
            #expect(
                replaced.tables.map(\.rows) == [
                    3, 0, 4, 0, 0, 4, 0, 1, 0, 1, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                ])
            #expect(
                try await exportAll(postgres, smallProject.id, by: smallPark.managerA)
                    == exportAll(small, smallProject.id, by: smallPark.managerA))
            // Three organizations were copied, so the next one is number 4.
            #expect(try await postgres.ensureOrganization(named: "Newcomer", kind: .client).id.rawValue == 4)

            // The same on a SQLite target: refused while it holds the big park, replaced on request.
            let sqliteTarget = try SQLiteParkStore(path: directory.path("target.sqlite"), clock: clock)
            defer { try? sqliteTarget.close() }
            _ = try await ParkCopy(from: big, to: sqliteTarget).run()
            await #expect(throws: ParkCopyError.targetNotEmpty) {
                _ = try await ParkCopy(from: postgres, to: sqliteTarget).run()
            }
            let replacedAgain = try await ParkCopy(from: postgres, to: sqliteTarget, replacingTarget: true).run()
            // The Postgres park is the small one plus the newcomer organization: 4 organizations.
            #expect(
                replacedAgain.tables.map(\.rows) == [
                    4, 0, 4, 0, 0, 4, 0, 1, 0, 1, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                ])
            #expect(try await sqliteTarget.ensureOrganization(named: "Second newcomer", kind: .client).id.rawValue == 5)
        }
    }

    @Test func theCatalogNamesEveryColumnOfBothSchemas() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sqlite = try SQLiteParkStore(path: directory.path("empty.sqlite"))
        defer { try? sqlite.close() }
        try await PostgresTestDatabase.withStores { makeStore in
            let postgres = try #require(try await makeStore(ManualClock()) as? PostgresParkStore)
            for table in ParkTable.all {
                #expect(Set(try await sqlite.storedColumns(of: table)) == Set(table.columnNames), "\(table.name)")
                #expect(Set(try await postgres.storedColumns(of: table)) == Set(table.columnNames), "\(table.name)")
            }
            #expect(try await sqlite.isEmpty())
            #expect(try await postgres.isEmpty())
            await #expect(throws: ParkCopyError.sourceEmpty) {
                _ = try await ParkCopy(from: postgres, to: sqlite).run()
            }
        }
    }

    static let task = ParkTable.all.first { $0.name == "task" }!
}

/// A park with a row in every table: organizations, a workplace, members, a token, a session, a vendor grant, projects
/// with gold tasks and priorities, live claims, on-time and late submissions, an edit, an exhausted queue, gold
/// answers with a paused annotator, review decisions, a waiting review and an open acceptance inspection.
struct FullPark {
    var fixture: ParkFixture
    var vendorWorker: Principal
    var sentiment: Project
    /// Every project with a principal that may export it.
    var projects: [(ProjectID, Principal)]

    static let tokenHash: [UInt8] = Array(0..<32)

    static func make(in store: any ParkStore, clock: ManualClock) async throws -> FullPark {
        let park = try await ParkFixture.make(in: store)
        // Control characters and backslashes in free text, to exercise the escaping of PostgreSQL's COPY.
        let site = try await store.ensureWorkplace(
            named: "Yungang site", county: "Yungang\tDistrict\n北", in: park.vendor.id)
        let worker = try await store.createUser(
            email: "worker@v.test", displayName: "Wáng \\N Wei\r", passwordHash: ParkFixture.passwordHash,
            organization: park.vendor.id, role: .annotator, workplace: site.id)
        let vendorWorker = try #require(try await store.principal(for: worker.id))
        try await store.storeToken(
            hash: tokenHash, for: park.annotatorA.userID, name: "laptop", expiresAt: clock.now().adding(seconds: 86_400)
        )
        _ = try await store.parkSecret(named: "task-handles", candidate: Array(0..<32))
        try await store.createSession(
            tokenHash: Array(32..<64), csrfToken: "csrf-full-park", for: park.annotatorA.userID,
            expiresAt: clock.now().adding(seconds: 3_600))

        // Every annotator's first claim is a gold task; one wrong gold answer pauses; every work answer is
        // reviewed.
        let quality = QualityPolicy(
            goldRate: 0, goldAtStart: 1, autoPause: AutoPausePolicy(window: 1, minimumAccuracy: 0.9), review: .all)
        let sentiment = try await store.createProject(
            name: "Sentiment", description: "line one\nline two\ttabbed \\ backslash \\N not null",
            schema: ParkFixture.sentimentSchema, overlap: 2, leaseSeconds: 30, quality: quality, in: park.clientA.id,
            by: park.managerA)
        let imported = try await store.importTasks(into: sentiment.id, by: park.managerA) { insert in
            try insert(NewTask(dataJSON: #"{"text":"plain"}"#))
            try insert(
                NewTask(dataJSON: "{\n\t\"text\": \"spaced\"\r\n}", goldJSON: ParkFixture.result("neg"), priority: 5))
            try insert(NewTask(dataJSON: #"{"text":"雲岡 \"quoted\" \\ back"}"#, priority: -3))
            try insert(NewTask(dataJSON: #"{"text":"gold"}"#, goldJSON: ParkFixture.result("neg"), priority: 1))
        }
        let batch = try #require(imported.batchID)
        try await store.grantProject(sentiment.id, to: park.vendor.id, by: park.managerA)

        // A gold task (the first claim), answered wrong on time with an idempotency key: annotator A is paused.
        // Then edited: version 2 and one revision.
        let first = try #require(try await store.claimNextSlot(in: sentiment.id, by: park.annotatorA))
        let onTime = try await store.submit(
            NewSubmission(
                taskID: first.task.id, leaseToken: first.token, resultJSON: ParkFixture.result("pos"),
                idempotencyKey: "key-1", leadTimeMilliseconds: 1_200),
            by: park.annotatorA)
        clock.advance(seconds: 3)
        _ = try await store.editAnnotation(
            onTime.annotation.id, resultJSON: ParkFixture.result("neu"), expectedVersion: 1, leadTimeMilliseconds: 300,
            by: park.annotatorA)
        // Late: the lease of the vendor worker's gold task lapses before they submit.
        let late = try #require(try await store.claimNextSlot(in: sentiment.id, by: vendorWorker))
        clock.advance(seconds: 31)
        _ = try await store.submit(
            NewSubmission(
                taskID: late.task.id, leaseToken: late.token, resultJSON: ParkFixture.result("neg"),
                idempotencyKey: nil, leadTimeMilliseconds: nil),
            by: vendorWorker)
        // Held: a live lease stays in its gold slot.
        _ = try #require(try await store.claimNextSlot(in: sentiment.id, by: park.vendorAnnotator))
        // Skipped: the vendor worker passes on a task, which their claims then never offer again.
        let passed = try #require(try await store.claimNextSlot(in: sentiment.id, by: vendorWorker))
        try await store.releaseLease(passed.token, by: vendorWorker, skipping: true)
        // Work answers of both vendor annotators go to review: the manager rejects one and accepts the other.
        for annotator in [vendorWorker, park.vendorAnnotator] {
            let work = try #require(try await store.claimNextSlot(in: sentiment.id, by: annotator))
            _ = try await store.submit(
                NewSubmission(
                    taskID: work.task.id, leaseToken: work.token, resultJSON: ParkFixture.result("pos"),
                    idempotencyKey: nil, leadTimeMilliseconds: nil),
                by: annotator)
        }
        for decision in [ReviewDecision.reject(comment: "too sure\tof itself"), .accept] {
            let item = try #require(
                try await store.claimNextReview(in: sentiment.id, inspection: nil, by: park.managerA))
            _ = try await store.decideReview(item.token, decision: decision, by: park.managerA)
        }
        // Waiting for review: a newcomer's work answer, after their gold task.
        let reviewee = try await park.makeAnnotators(1, prefix: "reviewee")[0]
        for _ in 0..<2 {
            let claim = try #require(try await store.claimNextSlot(in: sentiment.id, by: reviewee))
            _ = try await store.submit(
                NewSubmission(
                    taskID: claim.task.id, leaseToken: claim.token, resultJSON: ParkFixture.result("neg"),
                    idempotencyKey: nil, leadTimeMilliseconds: nil),
                by: reviewee)
        }
        // Inspected: the accepted answer is the only one neither rejected nor waiting, so it is the sample.
        let inspection = try await store.startInspection(
            of: batch, in: sentiment.id, sampleSize: 5, acceptableQuality: 0.9, by: park.managerA)
        #expect(inspection.sampled == 1)

        let speech = try await store.createProject(
            name: "Speech", description: "", schema: ParkFixture.sentimentSchema, overlap: 1, leaseSeconds: 600,
            in: park.clientB.id, by: park.managerB)
        _ = try await store.importTasks(into: speech.id, by: park.managerB) { insert in
            try insert(NewTask(dataJSON: #"{"text":"client B's"}"#))
        }
        // Exhausted: one task, taken, so the next annotator finds nothing and that is remembered.
        let tiny = try await park.makeProject(tasks: 1, overlap: 1, name: "Tiny")
        _ = try #require(try await store.claimNextSlot(in: tiny.id, by: park.annotatorA))
        let latecomer = try await park.makeAnnotators(1, prefix: "latecomer")[0]
        #expect(try await store.claimNextSlot(in: tiny.id, by: latecomer) == nil)
        // Media: one record each with and without a size, and with tiles.
        _ = try await store.recordAsset(
            NewAsset(
                sha256: String(repeating: "e", count: 64), mediaType: "image/tiff", byteCount: 123_456_789_012,
                width: 20_000, height: 20_000, tiles: .ready),
            in: sentiment.id, quotaBytes: nil, by: park.managerA)
        // An attached bucket with sealed credentials, synced: an asset left in it, a skipped object, a task.
        let bucket = try await store.attachStorage(
            NewStorage(
                title: "Cameras",
                source: .s3(
                    endpoint: "https://minio.park.test:9000", bucket: "frames", prefix: "", region: "cn-north-1",
                    pathStyle: true),
                sealedCredentials: "sealed"),
            to: sentiment.id, by: park.managerA)
        let run = try #require(
            try await store.beginSync(
                of: bucket.id, taskField: "text", staleBefore: Timestamp(rawValue: 0), by: park.managerA
            ).sync.startedAt)
        _ = try await store.recordSyncedObjects(
            [
                SyncedObject(
                    key: "井下/0001.jpg", version: "\"etag\"", byteCount: 10,
                    outcome: .asset(
                        NewAsset(
                            sha256: String(repeating: "d", count: 64), mediaType: "image/jpeg", byteCount: 10,
                            width: 4, height: 3, tiles: .none))),
                SyncedObject(key: "readme.txt", version: "1", byteCount: 3, outcome: .skipped("not media")),
            ], in: bucket.id, run: run)
        try await store.finishSync(of: bucket.id, run: run, error: nil)

        return FullPark(
            fixture: park, vendorWorker: vendorWorker, sentiment: sentiment,
            projects: [(sentiment.id, park.managerA), (speech.id, park.managerB), (tiny.id, park.managerA)])
    }
}

/// The largest id of every table whose ids the database generates, to prove a copy's new rows get fresh ones.
struct GeneratedIDs {
    var largest: [String: Int64]

    static func largest(in database: any ParkTableAccess) async throws -> GeneratedIDs {
        var largest: [String: Int64] = [:]
        for table in ParkTable.all where table.hasGeneratedID {
            let rows = try await database.readRows(of: table, after: nil, limit: 10_000)
            largest[table.name] = rows.compactMap { if case .integer(let id) = $0[0] { id } else { nil } }.max() ?? 0
        }
        return GeneratedIDs(largest: largest)
    }

    /// Creates one row of each such table in `store` and expects its id above every copied one.
    static func expectFresh(in store: any ParkStore, above copied: GeneratedIDs, park: FullPark) async throws {
        let organization = try await store.ensureOrganization(named: "Client C", kind: .client)
        #expect(organization.id.rawValue > copied.largest["organization"]!)
        let workplace = try await store.ensureWorkplace(named: "Second site", county: "", in: park.fixture.vendor.id)
        #expect(workplace.id.rawValue > copied.largest["workplace"]!)
        let user = try await store.createUser(
            email: "new@c.test", displayName: "New", passwordHash: ParkFixture.passwordHash,
            organization: organization.id, role: .annotator, workplace: nil)
        #expect(user.id.rawValue > copied.largest["account"]!)
        let manager = park.fixture.managerA
        let project = try await store.createProject(
            name: "After the copy", description: "", schema: ParkFixture.sentimentSchema, overlap: 1, leaseSeconds: 60,
            in: park.fixture.clientA.id, by: manager)
        #expect(project.id.rawValue > copied.largest["project"]!)
        _ = try await store.importTasks(into: project.id, by: manager) { insert in
            try insert(NewTask(dataJSON: #"{"text":"new"}"#))
        }
        let claim = try #require(try await store.claimNextSlot(in: project.id, by: park.fixture.annotatorA))
        #expect(claim.task.id.rawValue > copied.largest["task"]!)
        let receipt = try await store.submit(
            NewSubmission(
                taskID: claim.task.id, leaseToken: claim.token, resultJSON: ParkFixture.result(), idempotencyKey: nil,
                leadTimeMilliseconds: nil),
            by: park.fixture.annotatorA)
        #expect(receipt.annotation.id.rawValue > copied.largest["annotation"]!)
        let asset = try await store.recordAsset(
            NewAsset(
                sha256: String(repeating: "f", count: 64), mediaType: "image/png", byteCount: 1, width: 1, height: 1,
                tiles: .none),
            in: project.id, quotaBytes: nil, by: manager)
        #expect(asset.asset.id.rawValue > copied.largest["asset"]!)
    }
}

/// Every exported task of a project, in order.
func exportAll(_ store: any ParkStore, _ project: ProjectID, by principal: Principal) async throws -> [ExportedTask] {
    let tasks = Mutex<[ExportedTask]>([])
    try await store.exportTasks(of: project, by: principal) { task in tasks.withLock { $0.append(task) } }
    return tasks.withLock { $0 }
}
