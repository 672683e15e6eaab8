import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `labelpark-bench`: measures a LabelPark server the way annotators and managers load it.
///
/// By default it starts its own server (the release build next to this binary) on a temporary data
/// directory, creates the accounts it needs with the CLI, and runs the chosen scenarios in order. With
/// `--url` it loads a server that is already running instead. Every loop is bounded by a count or a
/// duration.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelpark-bench", abstract: "Load-test a LabelPark server and print what it measured.")

    @Option(help: "The labelpark binary to start (defaults to the one next to this executable).")
    var binary: String?
    @Option(help: "Load this running server instead of starting one (named explicitly, so any address is allowed).")
    var url: String?
    @Option(help: "With --url: a manager's API token.") var managerToken: String?
    @Option(help: "With --url: a file with one annotator API token a line.") var annotatorTokensFile: String?
    @Option(help: "With --url: the server's pid on this machine, to report its CPU and memory.") var serverPID: Int32?

    @Option(
        help:
            "Scenarios to run, in order: import, warm, annotate, mixed, import-during, idle, export-jsonl, export-csv, export-jsonl-raw, export-csv-raw (without aggregates)."
    )
    var scenarios: String = "import,annotate,export-jsonl"
    @Option(help: "Tasks to import before annotating.") var tasks: Int = 100_000
    @Option(help: "Tasks per import request.") var importBatch: Int = 100_000
    @Option(help: "Concurrent virtual annotators (when the bench starts the server).") var annotators: Int = 32
    @Option(help: "Seconds each annotating scenario runs.") var duration: Double = 10
    @Option(help: "Overlap of the benchmark project.") var overlap: Int = 1
    @Option(
        help: "The project's quality policy as JSON, e.g. '{\"review\":{\"mode\":\"all\"}}' (default: the server's).")
    var quality: String?
    @Option(help: "Import every Nth task as a gold task (0: none).") var goldEvery: Int = 0
    @Option(help: "Share of claims abandoned without a submission (0–1).") var abandon: Double = 0
    @Option(help: "Think time between claim and submit, in milliseconds.") var thinkMilliseconds: Int = 0
    @Option(help: "The warm scenario: tasks annotator 1 completes first, to give it a long history.")
    var warmTasks: Int = 100_000
    @Option(help: "The import-during scenario: tasks of the one import request sent while annotators work.")
    var bigImport: Int = 1_000_000
    @Option(help: "The idle scenario: keep-alive connections held open while annotators work.")
    var idleConnections: Int = 10_000
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Flag(help: "Keep the temporary data directory.") var keep = false
    @Option(
        help: """
            Start the servers on this database instead of a temporary SQLite park: a postgres:// URL whose             schema (?schema=NAME) is new; without one the bench adds a fresh schema name.
            """)
    var databaseURL: String?
    @Option(help: "With --database-url: how many server instances to start on that database.") var instances: Int = 1

    private static let knownScenarios: Set<String> = [
        "import", "warm", "annotate", "mixed", "import-during", "idle", "export-jsonl", "export-csv",
        "export-jsonl-raw",
        "export-csv-raw",
    ]

    private var scenarioList: [String] {
        scenarios.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func validate() throws {
        guard tasks > 0, importBatch > 0, annotators > 0, duration > 0, duration <= 3_600 else {
            throw ValidationError("counts must be positive and --duration at most 3600 s")
        }
        guard (0...1).contains(abandon) else { throw ValidationError("--abandon is a share from 0 to 1") }
        guard idleConnections >= 0, idleConnections <= 60_000, warmTasks >= 0 else {
            throw ValidationError("--idle-connections must be from 0 to 60000 and --warm-tasks not negative")
        }
        for name in scenarioList where !Self.knownScenarios.contains(name) {
            throw ValidationError(
                "unknown scenario \"\(name)\"; known: \(Self.knownScenarios.sorted().joined(separator: ", "))")
        }
        guard instances >= 1, instances <= 16 else { throw ValidationError("--instances must be from 1 to 16") }
        if instances > 1 && databaseURL == nil {
            throw ValidationError("several --instances share one database: give --database-url postgres://…")
        }
        if url != nil && (managerToken == nil || annotatorTokensFile == nil) {
            throw ValidationError("--url needs --manager-token and --annotator-tokens-file")
        }
    }

    func run() async throws {
        var server: ServerProcess?
        let target: BenchTarget
        if let url {
            let tokens = try String(contentsOfFile: annotatorTokensFile!, encoding: .utf8)
                .split(whereSeparator: \.isNewline).map(String.init)
            guard !tokens.isEmpty else { throw ValidationError("\(annotatorTokensFile!) holds no tokens") }
            target = BenchTarget(
                baseURLs: [url.hasSuffix("/") ? String(url.dropLast()) : url], managerToken: managerToken!,
                annotatorTokens: tokens, serverPIDs: serverPID.map { [$0] } ?? [])
        } else {
            let started = try ServerProcess.start(
                binary: binary ?? ServerProcess.siblingBinary(), annotators: annotators,
                databaseURL: databaseURL.map(Self.withFreshSchema), instances: instances)
            server = started
            target = started.target
        }
        defer { server?.stop(keepData: keep) }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                connectionPool: .init(
                    idleTimeout: .seconds(60),
                    concurrentHTTP1ConnectionsPerHostSoftLimit: target.annotatorTokens.count + 8)))
        do {
            try await runScenarios(on: target, client: client, waitingFor: server)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The URL with a new schema name when it names none, so each run starts from an empty park.
    private static func withFreshSchema(_ url: String) -> String {
        guard url.hasPrefix("postgres"), !url.contains("schema=") else { return url }
        let schema = "bench_\(UInt32.random(in: 0...UInt32.max))"
        return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    private func runScenarios(
        on target: BenchTarget, client: HTTPClient, waitingFor server: ServerProcess?
    ) async throws {
        try await server?.waitUntilHealthy(using: client)
        let api = BenchAPI(client: client, baseURL: target.baseURL)
        var report = BenchReport(machine: MachineInfo.current())
        let project = try await api.createProject(token: target.managerToken, overlap: overlap, quality: quality)
        report.notes["project"] = String(project)
        report.notes["instances"] = String(target.baseURLs.count)
        if let databaseURL { report.notes["database"] = databaseURL.hasPrefix("postgres") ? "postgresql" : "sqlite" }
        for name in scenarioList {
            let annotate = AnnotateScenario(
                api: api, target: target, project: project, duration: duration, abandon: abandon,
                thinkMilliseconds: thinkMilliseconds)
            switch name {
            case "import":
                report.add(
                    try await ImportScenario(
                        api: api, target: target, project: project, tasks: tasks, batch: importBatch,
                        goldEvery: goldEvery
                    ).run())
            case "warm":
                let started = ContinuousClock.now
                let done = try await WarmUp(api: api, target: target, project: project, count: warmTasks).run()
                report.notes["warm_tasks_done_by_annotator_1"] = String(done)
                report.notes["warm_seconds"] = String(format: "%.1f", (ContinuousClock.now - started).seconds)
            case "annotate":
                report.add(try await annotate.run())
            case "mixed":
                var mixed = annotate
                mixed.name = "mixed (annotate + import every 1 s + export every 5 s)"
                let manager = ManagerLoad(api: api, target: target, project: project)
                mixed.background = { deadline in try await manager.run(until: deadline) }
                report.add(try await mixed.run())
            case "import-during":
                var during = annotate
                during.name = "import-during (annotate while one request imports \(bigImport) tasks)"
                let load = BigImportLoad(api: api, target: target, project: project, tasks: bigImport)
                during.background = { deadline in try await load.run(until: deadline) }
                report.add(try await during.run())
            case "idle":
                report.add(try await idleScenario(annotate: annotate, target: target))
            case "export-jsonl", "export-csv", "export-jsonl-raw", "export-csv-raw":
                let raw = name.hasSuffix("-raw")
                let format = String(name.dropFirst("export-".count).prefix { $0 != "-" })
                report.add(
                    try await ExportScenario(
                        api: api, target: target, project: project, format: format, aggregates: !raw
                    ).run())
            default:
                break
            }
        }
        report.printTable()
        if let json { try report.jsonData().write(to: URL(fileURLWithPath: json)) }
    }

    /// Annotators work while `--idle-connections` keep-alive connections sit open.
    private func idleScenario(annotate: AnnotateScenario, target: BenchTarget) async throws -> ScenarioResult {
        guard let url = URL(string: target.baseURL), let host = url.host, let port = url.port else {
            throw BenchError("cannot read host and port from \(target.baseURL)")
        }
        let idle = IdleConnections()
        defer { idle.closeAll() }
        let rssBefore = target.usage().residentBytes
        let opened = idle.open(count: idleConnections, host: host == "localhost" ? "127.0.0.1" : host, port: port)
        let rssHolding = target.usage().residentBytes
        var scenario = annotate
        scenario.name = "annotate while \(opened) idle connections are open"
        var result = try await scenario.run()
        result.notes["idle_opened"] = String(opened)
        result.notes["idle_still_open_after"] = String(idle.stillOpen())
        result.notes["rss_before_idle_mib"] = String(rssBefore >> 20)
        result.notes["rss_holding_idle_mib"] = String(rssHolding >> 20)
        return result
    }
}
