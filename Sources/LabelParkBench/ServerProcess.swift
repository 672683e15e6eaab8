import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One or more `labelpark serve` child processes on a temporary data directory (or a PostgreSQL
/// database they share), with the accounts the bench uses.
final class ServerProcess: @unchecked Sendable {
    // Unchecked: all fields are set in `start` and only read afterwards.
    let processes: [Process]
    let dataDirectory: URL
    let baseURLs: [String]
    let managerToken: String
    let annotatorTokens: [String]

    private init(
        processes: [Process], dataDirectory: URL, baseURLs: [String], managerToken: String, annotatorTokens: [String]
    ) {
        self.processes = processes
        self.dataDirectory = dataDirectory
        self.baseURLs = baseURLs
        self.managerToken = managerToken
        self.annotatorTokens = annotatorTokens
    }

    static func siblingBinary() -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("labelpark")
            .path
    }

    /// Creates the accounts and starts `instances` servers; with `databaseURL` they share that database
    /// (a PostgreSQL URL naming a schema of its own), otherwise one server uses a temporary data directory.
    static func start(
        binary: String, annotators: Int, databaseURL: String? = nil, instances: Int = 1
    ) throws -> ServerProcess {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no labelpark binary at \(binary): build it (swift build -c release) or pass --binary")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "labelpark-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let dataDir = directory.path
        // The data directory holds import spools even when the database lives elsewhere.
        let storage = ["--data-dir", dataDir] + (databaseURL.map { ["--database-url", $0] } ?? [])
        func cli(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw BenchError("`labelpark \(arguments.prefix(2).joined(separator: " "))` failed")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // Annotators need no password sign-in here; the cheapest bcrypt cost keeps set-up fast.
        _ = try cli(
            [
                "user", "create", "--email", "manager@bench.test", "--password", "bench-password", "--bcrypt-cost", "4",
                "--role", "manager", "--org", "Bench Client",
            ] + storage)
        let managerToken = try cli(["token", "create", "--email", "manager@bench.test"] + storage)
        var annotatorTokens: [String] = []
        for index in 0..<annotators {
            let email = "annotator\(index)@bench.test"
            _ = try cli(
                [
                    "user", "create", "--email", email, "--password", "bench-password", "--bcrypt-cost", "4", "--role",
                    "annotator", "--org",
                    "Bench Client",
                ] + storage)
            annotatorTokens.append(try cli(["token", "create", "--email", email] + storage))
        }
        var processes: [Process] = []
        var baseURLs: [String] = []
        for _ in 0..<instances {
            let port = try freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments =
                ["serve", "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning"] + storage
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            processes.append(process)
            baseURLs.append("http://127.0.0.1:\(port)")
        }
        return ServerProcess(
            processes: processes, dataDirectory: directory, baseURLs: baseURLs, managerToken: managerToken,
            annotatorTokens: annotatorTokens)
    }

    /// Polls `/healthz` until every server answers, for at most 30 s.
    func waitUntilHealthy(using client: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        for (process, baseURL) in zip(processes, baseURLs) {
            while true {
                let request = HTTPClientRequest(url: baseURL + "/healthz")
                if let response = try? await client.execute(request, timeout: .seconds(1)), response.status == .ok {
                    break
                }
                guard process.isRunning else { throw BenchError("the server exited during start-up") }
                guard ContinuousClock.now < deadline else {
                    throw BenchError("the server did not become healthy within 30 s")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// What the scenarios need to load this server.
    var target: BenchTarget {
        BenchTarget(
            baseURLs: baseURLs, managerToken: managerToken, annotatorTokens: annotatorTokens,
            serverPIDs: processes.map(\.processIdentifier))
    }

    func stop(keepData: Bool) {
        for process in processes where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if !keepData { try? FileManager.default.removeItem(at: dataDirectory) }
    }

    private static func freePort() throws -> Int {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socketDescriptor, pointer, length) == 0 && getsockname(socketDescriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// What the scenarios load: the servers' base URLs, the tokens to act with, and the servers' processes
/// when known.
struct BenchTarget: Sendable {
    /// One per server instance; annotators are spread over them in turn, the manager uses the first.
    var baseURLs: [String]
    var managerToken: String
    var annotatorTokens: [String]
    /// Local servers' pids, for their CPU and memory from /proc; empty for a server elsewhere.
    var serverPIDs: [Int32]

    var baseURL: String { baseURLs[0] }

    /// The base URL annotator `index` talks to.
    func baseURL(forAnnotator index: Int) -> String { baseURLs[index % baseURLs.count] }

    /// The servers' combined memory and CPU.
    func usage() -> ProcessUsage {
        serverPIDs.map(ProcessUsage.read(pid:)).reduce(into: ProcessUsage()) { total, one in
            total.residentBytes += one.residentBytes
            total.peakResidentBytes += one.peakResidentBytes
            total.cpuSeconds += one.cpuSeconds
        }
    }
}

/// A process's memory and CPU at one moment (zero when unknown).
struct ProcessUsage {
    var residentBytes = 0
    var peakResidentBytes = 0
    var cpuSeconds = 0.0

    static func read(pid: Int32) -> ProcessUsage {
        var usage = ProcessUsage()
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count >= 2, let kilobytes = Int(parts[1]) else { continue }
                if parts[0] == "VmRSS:" { usage.residentBytes = kilobytes * 1024 }
                if parts[0] == "VmHWM:" { usage.peakResidentBytes = kilobytes * 1024 }
            }
        }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        {
            // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based).
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                usage.cpuSeconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
            }
        }
        return usage
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
