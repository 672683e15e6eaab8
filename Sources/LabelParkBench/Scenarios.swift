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
    of target: BenchTarget, while body: @escaping @Sendable () async throws -> Value
) async throws -> (Value, peak: Int) {
    let sampler = RSSSampler(target: target)
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
    private let target: BenchTarget
    private let state = Mutex((peak: 0, stopped: false))

    init(target: BenchTarget) {
        self.target = target
        state.withLock { $0.peak = target.usage().residentBytes }
    }

    var peak: Int { state.withLock { $0.peak } }

    func stop() { state.withLock { $0.stopped = true } }

    func sampleUntilStopped() async {
        while !state.withLock({ $0.stopped }) {
            let rss = target.usage().residentBytes
            state.withLock { $0.peak = max($0.peak, rss) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Imports short text tasks in batches of NDJSON.
struct ImportScenario {
    let api: BenchAPI
    let target: BenchTarget
    let project: Int
    let tasks: Int
    let batch: Int
    /// Every `goldEvery`-th task is imported as a gold task (0: none).
    var goldEvery = 0

    func run() async throws -> ScenarioResult {
        let before = target.usage()
        let started = ContinuousClock.now
        let (errors, peak) = try await sampledPeakRSS(of: target) { [self] in
            var errors: [Int: Int] = [:]
            var next = 0
            while next < tasks {
                let count = min(batch, tasks - next)
                var body = ByteBuffer()
                body.reserveCapacity(count * 64)
                for index in next..<(next + count) {
                    let data = "{\"text\":\"benchmark task \(index): the shift supervisor reported a routine check\"}"
                    if goldEvery > 0, index % goldEvery == 0 {
                        body.writeString("{\"data\":\(data),\"gold\":{\"sentiment\":\"pos\"}}\n")
                    } else {
                        body.writeString(data + "\n")
                    }
                }
                let reply = try await api.send(
                    .POST, "/api/v1/projects/\(project)/tasks", token: target.managerToken, body: body,
                    contentType: "application/x-ndjson")
                if reply.status != 201 { errors[reply.status, default: 0] += 1 }
                next += count
            }
            return errors
        }
        let seconds = (ContinuousClock.now - started).seconds
        let after = target.usage()
        return ScenarioResult(
            name: "import", operations: tasks, seconds: seconds, unit: "tasks", errors: errors,
            rssBeforeBytes: before.residentBytes, rssPeakBytes: peak, rssAfterBytes: after.residentBytes,
            cpuSeconds: after.cpuSeconds - before.cpuSeconds, notes: ["batch": String(batch)])
    }
}

/// Virtual annotators loop claim → (think) → submit for a fixed duration.
struct AnnotateScenario {
    let api: BenchAPI
    let target: BenchTarget
    let project: Int
    let duration: Double
    let abandon: Double
    let thinkMilliseconds: Int

    /// Runs alongside the annotators and returns notes for the report (the mixed scenario's manager).
    var background: (@Sendable (_ deadline: ContinuousClock.Instant) async throws -> [String: String])?
    var name = "annotate"

    private struct Tally: Sendable {
        var cycles = 0
        var claims = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var firstAnnotatorClaims = Histogram<UInt64>(
            highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var submits = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var errors: [Int: Int] = [:]
        var empty = 0

        mutating func merge(_ other: Tally) {
            cycles += other.cycles
            claims.add(other.claims)
            firstAnnotatorClaims.add(other.firstAnnotatorClaims)
            submits.add(other.submits)
            errors.merge(other.errors, uniquingKeysWith: +)
            empty += other.empty
        }
    }

    func run() async throws -> ScenarioResult {
        let before = target.usage()
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(duration * 1000))
        // Idempotency keys are per annotator: a fresh prefix per run keeps a second scenario's keys from
        // colliding with the first's (which the server rightly answers with 409).
        let run = String(UUID().uuidString.prefix(8))
        let (outcome, peak) = try await sampledPeakRSS(of: target) { [self] in
            try await withThrowingTaskGroup(of: (Tally, [String: String]).self) { group in
                for (index, token) in target.annotatorTokens.enumerated() {
                    group.addTask {
                        (
                            try await annotate(
                                token: token, seed: UInt64(index + 1), run: run, until: deadline, isFirst: index == 0,
                                api: BenchAPI(client: api.client, baseURL: target.baseURL(forAnnotator: index))),
                            [:]
                        )
                    }
                }
                if let background {
                    group.addTask { (Tally(), try await background(deadline)) }
                }
                var total = Tally()
                var notes: [String: String] = [:]
                for try await (tally, extra) in group {
                    total.merge(tally)
                    notes.merge(extra) { $1 }
                }
                return (total, notes)
            }
        }
        let tally = outcome.0
        let seconds = (ContinuousClock.now - started).seconds
        let after = target.usage()
        var latencies = ["claim": tally.claims, "submit": tally.submits]
        if target.annotatorTokens.count > 1 { latencies["claim (annotator 1)"] = tally.firstAnnotatorClaims }
        var result = ScenarioResult(
            name: name, operations: tally.cycles, seconds: seconds, unit: "claim+submit cycles",
            latencies: latencies, errors: tally.errors,
            rssBeforeBytes: before.residentBytes, rssPeakBytes: peak, rssAfterBytes: after.residentBytes,
            cpuSeconds: after.cpuSeconds - before.cpuSeconds, notes: outcome.1)
        result.notes["annotators"] = String(target.annotatorTokens.count)
        result.notes["empty_claims"] = String(tally.empty)
        return result
    }

    private func annotate(
        token: String, seed: UInt64, run: String, until deadline: ContinuousClock.Instant, isFirst: Bool,
        api: BenchAPI
    ) async throws -> Tally {
        var tally = Tally()
        var random = SplitMix64(seed: seed)
        var sequence = 0
        while ContinuousClock.now < deadline {
            let claimStart = ContinuousClock.now
            let claim = try await api.send(.POST, "/api/v1/projects/\(project)/next", token: token)
            let claimMicroseconds = UInt64((ContinuousClock.now - claimStart).microseconds)
            _ = tally.claims.record(claimMicroseconds)
            if isFirst { _ = tally.firstAnnotatorClaims.record(claimMicroseconds) }
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
                #"{"lease_token":"\#(lease)","idempotency_key":"bench-\#(run)-\#(seed)-\#(sequence)","result":{"sentiment":"pos"},"lead_time_ms":1200}"#
            let submitStart = ContinuousClock.now
            let submit = try await api.send(
                .POST, "/api/v1/tasks/\(taskID)/annotations", token: token, body: ByteBuffer(string: body))
            _ = tally.submits.record(UInt64((ContinuousClock.now - submitStart).microseconds))
            if submit.status == 201 { tally.cycles += 1 } else { tally.errors[submit.status, default: 0] += 1 }
        }
        return tally
    }
}

/// Downloads an export and counts what arrived.
struct ExportScenario {
    let api: BenchAPI
    let target: BenchTarget
    let project: Int
    var format = "jsonl"
    /// Whether the export carries the crowd's answers (the server's default) or not (`aggregate=false`).
    var aggregates = true

    func run() async throws -> ScenarioResult {
        let before = target.usage()
        let started = ContinuousClock.now
        let ((bytes, lines, annotations), peak) = try await sampledPeakRSS(of: target) { [self] in
            var request = HTTPClientRequest(
                url: api.baseURL
                    + "/api/v1/projects/\(project)/export?format=\(format)\(aggregates ? "" : "&aggregate=false")")
            request.headers.add(name: "Authorization", value: "Bearer \(target.managerToken)")
            let response = try await api.client.execute(request, timeout: .seconds(600))
            guard response.status.code == 200 else { throw BenchError("export answered \(response.status.code)") }
            var bytes = 0
            var lines = 0
            var annotations = 0
            // JSONL names each annotation's annotator once; CSV has a row per annotation (and per empty task).
            let marker = Array((format == "csv" ? "@bench.test" : #""annotator_id":"#).utf8)
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
        let after = target.usage()
        return ScenarioResult(
            name: "export \(format)\(aggregates ? "" : " without aggregates")", operations: annotations,
            seconds: seconds, unit: "annotations",
            rssBeforeBytes: before.residentBytes, rssPeakBytes: peak, rssAfterBytes: after.residentBytes,
            cpuSeconds: after.cpuSeconds - before.cpuSeconds,
            notes: ["lines": String(lines), "bytes": String(bytes)])
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
}
