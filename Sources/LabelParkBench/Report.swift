import Foundation
import Histogram

/// The machine a run happened on, printed with every report.
struct MachineInfo: Codable {
    var cores: Int
    var memoryGiB: Double
    var cpu: String
    var date: String

    static func current() -> MachineInfo {
        let info = ProcessInfo.processInfo
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            ?? "unknown"
        return MachineInfo(
            cores: info.activeProcessorCount, memoryGiB: Double(info.physicalMemory) / 1_073_741_824, cpu: model,
            date: ISO8601DateFormatter().string(from: Date()))
    }
}

/// Collects scenario results and prints them as a table or JSON.
struct BenchReport {
    var machine: MachineInfo
    var results: [ScenarioResult] = []
    /// Facts about the run as a whole (the project id, the warm-up).
    var notes: [String: String] = [:]

    mutating func add(_ result: ScenarioResult) { results.append(result) }

    func printTable() {
        print(
            "LabelPark bench — \(machine.cores) cores, \(String(format: "%.0f", machine.memoryGiB)) GiB, \(machine.cpu), \(machine.date)"
        )
        if !notes.isEmpty {
            print(notes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        for result in results {
            print("")
            print(
                "\(result.name): \(result.operations) \(result.unit) in \(format(result.seconds)) s = \(format(result.rate)) /s"
            )
            for (name, histogram) in result.latencies.sorted(by: { $0.key < $1.key }) where histogram.totalCount > 0 {
                let percentiles = [50.0, 90, 99, 99.9].map {
                    "p\(trim($0))=\(milliseconds(histogram.valueAtPercentile($0)))"
                }
                print("  \(name) latency ms: \(percentiles.joined(separator: " ")) max=\(milliseconds(histogram.max))")
            }
            let errors =
                result.errors.isEmpty
                ? "none"
                : result.errors.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
            print("  errors: \(errors)")
            print(
                "  server: cpu \(format(result.cpuSeconds)) s (\(format(result.cpuSeconds / max(result.seconds, 0.001) * 100))%), "
                    + "rss \(mebibytes(result.rssBeforeBytes)) → peak \(mebibytes(result.rssPeakBytes)) → \(mebibytes(result.rssAfterBytes)) MiB"
            )
            if !result.notes.isEmpty {
                print(
                    "  "
                        + result.notes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                )
            }
        }
    }

    func jsonData() throws -> Data {
        let scenarios: [[String: Any]] = results.map { result in
            var latencies: [String: [String: Double]] = [:]
            for (name, histogram) in result.latencies where histogram.totalCount > 0 {
                latencies[name] = [
                    "p50_ms": Double(histogram.valueAtPercentile(50)) / 1000,
                    "p99_ms": Double(histogram.valueAtPercentile(99)) / 1000,
                    "max_ms": Double(histogram.max) / 1000,
                ]
            }
            return [
                "name": result.name, "operations": result.operations, "seconds": result.seconds,
                "rate_per_second": result.rate,
                "unit": result.unit, "latencies": latencies,
                "errors": Dictionary(uniqueKeysWithValues: result.errors.map { (String($0.key), $0.value) }),
                "server_cpu_seconds": result.cpuSeconds, "server_rss_before_bytes": result.rssBeforeBytes,
                "server_rss_peak_bytes": result.rssPeakBytes, "server_rss_after_bytes": result.rssAfterBytes,
                "notes": result.notes,
            ]
        }
        let machine: [String: Any] = [
            "cores": machine.cores, "memory_gib": machine.memoryGiB, "cpu": machine.cpu, "date": machine.date,
        ]
        return try JSONSerialization.data(
            withJSONObject: ["machine": machine, "notes": notes, "scenarios": scenarios],
            options: [.prettyPrinted, .sortedKeys])
    }

    private func format(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.2f", value) }
    private func trim(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
    private func milliseconds(_ microseconds: UInt64) -> String { String(format: "%.2f", Double(microseconds) / 1000) }
    private func mebibytes(_ bytes: Int) -> String { String(format: "%.0f", Double(bytes) / 1_048_576) }
}
