import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `labelpark-bench`: measures a LabelPark server the way annotators and managers load it.
///
/// By default it starts its own server (release build next to this binary) on a temporary data
/// directory, creates the accounts it needs with the CLI, and runs the scenarios in order: import,
/// annotate, export. Every loop is bounded by a count or a duration; traffic goes to loopback only.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelpark-bench", abstract: "Load-test a LabelPark server and print what it measured.")

    @Option(help: "The labelpark binary to start (defaults to the one next to this executable).")
    var binary: String?
    @Option(help: "Tasks to import before annotating.") var tasks: Int = 100_000
    @Option(help: "Tasks per import request.") var importBatch: Int = 100_000
    @Option(help: "Concurrent virtual annotators.") var annotators: Int = 32
    @Option(help: "Seconds the annotate scenario runs.") var duration: Double = 10
    @Option(help: "Overlap of the benchmark project.") var overlap: Int = 1
    @Option(help: "Share of claims abandoned without a submission (0–1).") var abandon: Double = 0
    @Option(help: "Think time between claim and submit, in milliseconds.") var thinkMilliseconds: Int = 0
    @Flag(help: "Skip the export scenario.") var skipExport = false
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Flag(help: "Keep the temporary data directory.") var keep = false

    func validate() throws {
        guard tasks > 0, importBatch > 0, annotators > 0, duration > 0, duration <= 3_600 else {
            throw ValidationError("counts must be positive and --duration at most 3600 s")
        }
        guard (0...1).contains(abandon) else { throw ValidationError("--abandon is a share from 0 to 1") }
    }

    func run() async throws {
        let server = try ServerProcess.start(binary: binary ?? ServerProcess.siblingBinary(), annotators: annotators)
        defer { server.stop(keepData: keep) }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                connectionPool: .init(
                    idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: annotators + 4)))
        do {
            try await server.waitUntilHealthy(using: client)
            let api = BenchAPI(client: client, baseURL: server.baseURL)
            var report = BenchReport(machine: MachineInfo.current(), server: server)

            let project = try await api.createProject(token: server.managerToken, overlap: overlap)
            report.add(
                try await ImportScenario(api: api, server: server, project: project, tasks: tasks, batch: importBatch)
                    .run())
            report.add(
                try await AnnotateScenario(
                    api: api, server: server, project: project, duration: duration, abandon: abandon,
                    thinkMilliseconds: thinkMilliseconds
                ).run())
            if !skipExport {
                report.add(try await ExportScenario(api: api, server: server, project: project).run())
            }
            report.printTable()
            if let json { try report.jsonData().write(to: URL(fileURLWithPath: json)) }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
