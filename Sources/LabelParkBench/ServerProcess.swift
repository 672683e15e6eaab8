import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A `labelpark serve` child process on a temporary data directory, with the accounts the bench uses.
final class ServerProcess: @unchecked Sendable {
    // Unchecked: all fields are set in `start` and only read afterwards.
    let process: Process
    let dataDirectory: URL
    let baseURL: String
    let managerToken: String
    let annotatorTokens: [String]

    private init(process: Process, dataDirectory: URL, baseURL: String, managerToken: String, annotatorTokens: [String])
    {
        self.process = process
        self.dataDirectory = dataDirectory
        self.baseURL = baseURL
        self.managerToken = managerToken
        self.annotatorTokens = annotatorTokens
    }

    static func siblingBinary() -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("labelpark")
            .path
    }

    static func start(binary: String, annotators: Int) throws -> ServerProcess {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no labelpark binary at \(binary): build it (swift build -c release) or pass --binary")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "labelpark-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let dataDir = directory.path
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
        _ = try cli([
            "user", "create", "--data-dir", dataDir, "--email", "manager@bench.test", "--password", "bench-password",
            "--role", "manager", "--org", "Bench Client",
        ])
        let managerToken = try cli(["token", "create", "--data-dir", dataDir, "--email", "manager@bench.test"])
        var annotatorTokens: [String] = []
        for index in 0..<annotators {
            let email = "annotator\(index)@bench.test"
            _ = try cli([
                "user", "create", "--data-dir", dataDir, "--email", email, "--password", "bench-password", "--role",
                "annotator", "--org", "Bench Client",
            ])
            annotatorTokens.append(try cli(["token", "create", "--data-dir", dataDir, "--email", email]))
        }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let server = ServerProcess(
            process: process, dataDirectory: directory, baseURL: "http://127.0.0.1:\(port)", managerToken: managerToken,
            annotatorTokens: annotatorTokens)
        return server
    }

    /// Polls `/healthz` until the server answers, for at most 30 s.
    func waitUntilHealthy(using client: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let request = HTTPClientRequest(url: baseURL + "/healthz")
            if let response = try? await client.execute(request, timeout: .seconds(1)), response.status == .ok {
                return
            }
            guard process.isRunning else { throw BenchError("the server exited during start-up") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the server did not become healthy within 30 s")
    }

    /// What the scenarios need to load this server.
    var target: BenchTarget {
        BenchTarget(
            baseURL: baseURL, managerToken: managerToken, annotatorTokens: annotatorTokens,
            serverPID: process.processIdentifier)
    }

    func stop(keepData: Bool) {
        if process.isRunning {
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

/// What the scenarios load: a base URL, the tokens to act with, and the server's process when known.
struct BenchTarget: Sendable {
    var baseURL: String
    var managerToken: String
    var annotatorTokens: [String]
    /// A local server's pid, for its CPU and memory from /proc; `nil` for a server elsewhere.
    var serverPID: Int32?

    func usage() -> ProcessUsage { serverPID.map(ProcessUsage.read(pid:)) ?? ProcessUsage() }
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
