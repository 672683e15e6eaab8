import Foundation
import NIOCore
import NIOHTTP1

/// The manager's side of the mixed scenario: while annotators work, import a batch every second and
/// export the project every five seconds.
struct ManagerLoad: Sendable {
    let api: BenchAPI
    let target: BenchTarget
    let project: Int
    var importBatch = 5_000

    func run(until deadline: ContinuousClock.Instant) async throws -> [String: String] {
        var imported = 0
        var exports = 0
        var failures = 0
        var tick = 0
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            tick += 1
            var body = ByteBuffer()
            for index in 0..<importBatch {
                body.writeString("{\"text\":\"mixed-load task \(tick)-\(index)\"}\n")
            }
            let reply = try await api.send(
                .POST, "/api/v1/projects/\(project)/tasks", token: target.managerToken, body: body,
                contentType: "application/x-ndjson")
            if reply.status == 201 { imported += importBatch } else { failures += 1 }
            if tick % 5 == 0 {
                let export = try await api.send(
                    .GET, "/api/v1/projects/\(project)/export?format=jsonl", token: target.managerToken,
                    collectUpTo: 1 << 30)
                if export.status == 200 { exports += 1 } else { failures += 1 }
            }
        }
        return [
            "mixed_imported": String(imported), "mixed_exports": String(exports), "mixed_failures": String(failures),
        ]
    }
}

/// The manager's side of the import-during scenario: one second into the run, one request importing
/// `tasks` tasks into the project the annotators work on, to see what a large import costs their claims.
struct BigImportLoad: Sendable {
    let api: BenchAPI
    let target: BenchTarget
    let project: Int
    let tasks: Int

    func run(until deadline: ContinuousClock.Instant) async throws -> [String: String] {
        try await Task.sleep(for: .seconds(1))
        var body = ByteBuffer()
        for index in 0..<tasks { body.writeString("{\"text\":\"big-import task \(index)\"}\n") }
        let started = ContinuousClock.now
        let reply = try await api.send(
            .POST, "/api/v1/projects/\(project)/tasks", token: target.managerToken, body: body,
            contentType: "application/x-ndjson")
        let seconds = (ContinuousClock.now - started).seconds
        return [
            "big_import_tasks": String(reply.status == 201 ? tasks : 0), "big_import_status": String(reply.status),
            "big_import_seconds": String(format: "%.2f", seconds),
            "big_import_ended_before_run": String(ContinuousClock.now < deadline),
        ]
    }
}

/// Annotator 1 completes `count` tasks before the measured scenarios, so its history is long.
struct WarmUp {
    let api: BenchAPI
    let target: BenchTarget
    let project: Int
    let count: Int

    /// Eight requests in flight with the same token: the claim path is the same, only faster to fill.
    func run() async throws -> Int {
        let token = target.annotatorTokens[0]
        let perWorker = (count + 7) / 8
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var done = 0
                    while done < perWorker {
                        let claim = try await api.send(.POST, "/api/v1/projects/\(project)/next", token: token)
                        guard claim.status == 200, let task = BenchAPI.integer(in: claim.body, key: "id"),
                            let lease = BenchAPI.string(in: claim.body, key: "token")
                        else { break }
                        let body =
                            #"{"lease_token":"\#(lease)","result":{"sentiment":"neu"},"idempotency_key":"warm-\#(worker)-\#(done)"}"#
                        let submit = try await api.send(
                            .POST, "/api/v1/tasks/\(task)/annotations", token: token, body: ByteBuffer(string: body))
                        guard submit.status == 201 else { break }
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
    }
}

/// Opens many HTTP/1.1 keep-alive connections, makes one request on each, and leaves them idle.
final class IdleConnections {
    private var descriptors: [Int32] = []

    /// Opens `count` connections to `host:port`; returns how many completed a request.
    func open(count: Int, host: String, port: Int) -> Int {
        raiseFileLimit()
        var established = 0
        for _ in 0..<count {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { break }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr(host)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else {
                close(descriptor)
                break
            }
            descriptors.append(descriptor)
            let request = "GET /healthz HTTP/1.1\r\nHost: \(host)\r\nConnection: keep-alive\r\n\r\n"
            _ = request.withCString { write(descriptor, $0, strlen($0)) }
            var buffer = [UInt8](repeating: 0, count: 1024)
            if read(descriptor, &buffer, buffer.count) > 0 { established += 1 }
        }
        return established
    }

    /// How many of the connections the server still keeps open: reading without waiting drains any
    /// late bytes of the response and answers end-of-file only for a connection the server closed.
    func stillOpen() -> Int {
        var open = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        for descriptor in descriptors {
            while true {
                let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count > 0 { continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { open += 1 }
                break
            }
        }
        return open
    }

    func closeAll() {
        for descriptor in descriptors { close(descriptor) }
        descriptors.removeAll()
    }

    private func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
