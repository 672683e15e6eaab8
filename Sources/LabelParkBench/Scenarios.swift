import AsyncHTTPClient
import Foundation
import Histogram
import LabelParkCore
import NIOCore
import NIOHTTP1
import Synchronization

/// What one scenario measured.
struct ScenarioResult: Sendable {
    var name: String
    var operations: Int
    var seconds: Double
    var unit: String
    var latencies: [String: Histogram<UInt64>] = [:]
    var errors: [Int: Int] = [:]
    var rssBeforeBytes: Int
    var rssPeakBytes: Int
    var rssAfterBytes: Int
    var cpuSeconds: Double
    var notes: [String: String] = [:]

    var rate: Double { seconds > 0 ? Double(operations) / seconds : 0 }
}

/// Samples the server's RSS while `body` runs, returning the peak seen.
func sampledPeakRSS<Value: Sendable>(
    of server: ServerProcess, while body: @escaping @Sendable () async throws -> Value
) async throws -> (Value, peak: Int) {
    let sampler = RSSSampler(server: server)
    let value = try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask {
            await sampler.sampleUntilStopped()
            return nil
        }
        group.addTask {
            defer { sampler.stop() }
            return try await body()
        }
        var result: Value?
        for try await value in group where value != nil { result = value }
        return result!
    }
    return (value, sampler.peak)
}

/// Polls a server's RSS every 20 ms and remembers the highest value.
final class RSSSampler: Sendable {
    private let server: ServerProcess
    private let state = Mutex((peak: 0, stopped: false))

    init(server: ServerProcess) {
        self.server = server
        state.withLock { $0.peak = server.usage().residentBytes }
    }

    var peak: Int { state.withLock { $0.peak } }

    func stop() { state.withLock { $0.stopped = true } }

    func sampleUntilStopped() async {
        while !state.withLock({ $0.stopped }) {
            let rss = server.usage().residentBytes
            state.withLock { $0.peak = max($0.peak, rss) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Imports short text tasks in batches of NDJSON.
struct ImportScenario {
    let api: BenchAPI
    let server: ServerProcess
    let project: Int
    let tasks: Int
    let batch: Int

    func run() async throws -> ScenarioResult {
        let before = server.usage()
        let started = ContinuousClock.now
        let (errors, peak) = try await sampledPeakRSS(of: server) { [self] in
            var errors: [Int: Int] = [:]
            var next = 0
            while next < tasks {
                let count = min(batch, tasks - next)
                var body = ByteBuffer()
                body.reserveCapacity(count * 64)
                for index in next..<(next + count) {
                    body.writeString(
                        "{\"text\":\"benchmark task \(index): the shift supervisor reported a routine check\"}\n")
                }
                let reply = try await api.send(
                    .POST, "/api/v1/projects/\(project)/tasks", token: server.managerToken, body: body,
                    contentType: "application/x-ndjson")
                if reply.status != 201 { errors[reply.status, default: 0] += 1 }
                next += count
            }
            return errors
        }
        let seconds = (ContinuousClock.now - started).seconds
        let after = server.usage()
        return ScenarioResult(
            name: "import", operations: tasks, seconds: seconds, unit: "tasks", errors: errors,
            rssBeforeBytes: before.residentBytes, rssPeakBytes: peak, rssAfterBytes: after.residentBytes,
            cpuSeconds: after.cpuSeconds - before.cpuSeconds, notes: ["batch": String(batch)])
    }
}

/// Virtual annotators loop claim → (think) → submit for a fixed duration.
struct AnnotateScenario {
    let api: BenchAPI
    let server: ServerProcess
    let project: Int
    let duration: Double
    let abandon: Double
    let thinkMilliseconds: Int

    private struct Tally: Sendable {
        var cycles = 0
        var claims = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var submits = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var errors: [Int: Int] = [:]
        var empty = 0

        mutating func merge(_ other: Tally) {
            cycles += other.cycles
            claims.add(other.claims)
            submits.add(other.submits)
            errors.merge(other.errors, uniquingKeysWith: +)
            empty += other.empty
        }
    }

    func run() async throws -> ScenarioResult {
        let before = server.usage()
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(duration * 1000))
        let (tally, peak) = try await sampledPeakRSS(of: server) { [self] in
            try await withThrowingTaskGroup(of: Tally.self) { group in
                for (index, token) in server.annotatorTokens.enumerated() {
                    group.addTask { try await annotate(token: token, seed: UInt64(index + 1), until: deadline) }
                }
                var total = Tally()
                for try await tally in group { total.merge(tally) }
                return total
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let after = server.usage()
        var result = ScenarioResult(
            name: "annotate", operations: tally.cycles, seconds: seconds, unit: "claim+submit cycles",
            latencies: ["claim": tally.claims, "submit": tally.submits], errors: tally.errors,
            rssBeforeBytes: before.residentBytes, rssPeakBytes: peak, rssAfterBytes: after.residentBytes,
            cpuSeconds: after.cpuSeconds - before.cpuSeconds)
        result.notes["annotators"] = String(server.annotatorTokens.count)
        result.notes["empty_claims"] = String(tally.empty)
        return result
    }

    private func annotate(token: String, seed: UInt64, until deadline: ContinuousClock.Instant) async throws -> Tally {
        var tally = Tally()
        var random = SplitMix64(seed: seed)
        var sequence = 0
        while ContinuousClock.now < deadline {
            let claimStart = ContinuousClock.now
            let claim = try await api.send(.POST, "/api/v1/projects/\(project)/next", token: token)
            _ = tally.claims.record(UInt64((ContinuousClock.now - claimStart).microseconds))
            if claim.status == 204 {
                tally.empty += 1
                break
            }
            guard claim.status == 200, let taskID = BenchAPI.integer(in: claim.body, key: "id"),
                let lease = BenchAPI.string(in: claim.body, key: "token")
            else {
                tally.errors[claim.status, default: 0] += 1
                continue
            }
            if Double(random.next() % 10_000) / 10_000 < abandon { continue }
            if thinkMilliseconds > 0 { try await Task.sleep(for: .milliseconds(thinkMilliseconds)) }
            sequence += 1
            let body =
                #"{"lease_token":"\#(lease)","idempotency_key":"bench-\#(seed)-\#(sequence)","result":{"sentiment":"pos"},"lead_time_ms":1200}"#
            let submitStart = ContinuousClock.now
            let submit = try await api.send(
                .POST, "/api/v1/tasks/\(taskID)/annotations", token: token, body: ByteBuffer(string: body))
            _ = tally.submits.record(UInt64((ContinuousClock.now - submitStart).microseconds))
            if submit.status == 201 { tally.cycles += 1 } else { tally.errors[submit.status, default: 0] += 1 }
        }
        return tally
    }
}

/// Downloads the JSONL export and counts what arrived.
struct ExportScenario {
    let api: BenchAPI
    let server: ServerProcess
    let project: Int

    func run() async throws -> ScenarioResult {
        let before = server.usage()
        let started = ContinuousClock.now
        let ((bytes, lines, annotations), peak) = try await sampledPeakRSS(of: server) { [self] in
            var request = HTTPClientRequest(url: api.baseURL + "/api/v1/projects/\(project)/export?format=jsonl")
            request.headers.add(name: "Authorization", value: "Bearer \(server.managerToken)")
            let response = try await api.client.execute(request, timeout: .seconds(600))
            guard response.status.code == 200 else { throw BenchError("export answered \(response.status.code)") }
            var bytes = 0
            var lines = 0
            var annotations = 0
            let marker = Array(#""annotator_id":"#.utf8)
            var matched = 0
            for try await chunk in response.body {
                bytes += chunk.readableBytes
                for byte in chunk.readableBytesView {
                    if byte == 0x0A { lines += 1 }
                    // Counting a marker keeps the client cheap enough not to be the bottleneck.
                    matched = byte == marker[matched] ? matched + 1 : (byte == marker[0] ? 1 : 0)
                    if matched == marker.count {
                        annotations += 1
                        matched = 0
                    }
                }
            }
            return (bytes, lines, annotations)
        }
        let seconds = (ContinuousClock.now - started).seconds
        let after = server.usage()
        return ScenarioResult(
            name: "export jsonl", operations: annotations, seconds: seconds, unit: "annotations",
            rssBeforeBytes: before.residentBytes, rssPeakBytes: peak, rssAfterBytes: after.residentBytes,
            cpuSeconds: after.cpuSeconds - before.cpuSeconds,
            notes: ["tasks": String(lines), "bytes": String(bytes)])
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
}
