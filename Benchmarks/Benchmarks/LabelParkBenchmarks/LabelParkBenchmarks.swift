import Benchmark
import LabelParkCore
import LabelParkFormats
import LabelParkStore

/// LabelPark's hot paths, each on deterministic inputs built before measuring starts.
///
/// Benchmarks scaled by `.kilo` or `.mega` run that many operations per iteration; the tool reports
/// their numbers per operation. Large inputs are built in `setup`, which runs only for the benchmark being
/// measured: the tool starts one process per benchmark.
let benchmarks: @Sendable () -> Void = {
    registerJSONBenchmarks()
    registerSchemaBenchmarks()
    registerImportBenchmarks()
    registerExportBenchmarks()
    registerQueueBenchmarks()
    registerQualityBenchmarks()
}

/// Wall clock, throughput and allocations: the numbers that decide a hot path's cost.
private let measured: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal]

private func configuration(scaled scalingFactor: BenchmarkScalingFactor = .one) -> Benchmark.Configuration {
    .init(metrics: measured, scalingFactor: scalingFactor, maxDuration: .seconds(2), maxIterations: 10_000)
}

// MARK: - 1. JSON parsing

private func registerJSONBenchmarks() {
    var generator = TextGenerator(seed: fixtureSeed)
    let line = Array(taskLine(textScalars: 50, using: &generator).utf8)
    let parser = JSONParser()

    Benchmark("JSON parse: NDJSON task line (\(line.count) B)", configuration: configuration(scaled: .kilo)) {
        benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! parser.parse(line)) }
    }
    Benchmark("JSON parse: 100 kB document", configuration: configuration()) { benchmark, document in
        for _ in benchmark.scaledIterations { blackHole(try! parser.parse(document)) }
    } setup: {
        largeDocument(bytes: 100_000, seed: fixtureSeed)
    }
}

// MARK: - 2 and 3. Schema decoding and result validation

private func registerSchemaBenchmarks() {
    let schemaJSON = try! JSONParser().parse(reviewSchemaJSON)
    let schema = reviewSchema()
    var generator = TextGenerator(seed: fixtureSeed)
    let data = taskData(text: generator.text(scalars: 50), using: &generator)
    let result = reviewResult(using: &generator)

    Benchmark("Schema decode: 2 fields, 5 questions", configuration: configuration(scaled: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! ProjectSchema(json: schemaJSON)) }
    }
    Benchmark("Validate: choice + multi_choice + rating + text", configuration: configuration(scaled: .kilo)) {
        benchmark in
        for _ in benchmark.scaledIterations { try! schema.validate(result: result, against: data) }
    }
    for quoteText in [true, false] {
        let name = "Validate: 100 kB text, 2,000 spans, " + (quoteText ? "with quoted text" : "offsets only")
        Benchmark(name, configuration: configuration()) { benchmark, document in
            for _ in benchmark.scaledIterations {
                try! schema.validate(result: document.result, against: document.data)
            }
        } setup: {
            spanDocument(textBytes: 100_000, spans: 2_000, quoteText: quoteText, seed: fixtureSeed)
        }
    }
}

// MARK: - 4. Import pipeline

/// The chunk size a request body arrives in.
private let importChunkBytes = 64 * 1024
/// The server's default limit on one task's bytes.
private let maxTaskBytes = 4 << 20

private func registerImportBenchmarks() {
    let schema = reviewSchema()

    Benchmark("Import: 10,000 NDJSON lines in 64 KiB chunks", configuration: configuration()) { benchmark, body in
        for _ in benchmark.scaledIterations { blackHole(importAll(body, format: .ndjson, schema: schema)) }
    } setup: {
        ndjsonBody(lines: 10_000, seed: fixtureSeed)
    }
    Benchmark("Import: 10,000 CSV records in 64 KiB chunks", configuration: configuration()) { benchmark, body in
        for _ in benchmark.scaledIterations { blackHole(importAll(body, format: .csv, schema: schema)) }
    } setup: {
        csvBody(records: 10_000, seed: fixtureSeed)
    }
}

/// Pushes `body` through a fresh importer as the server does; returns the number of tasks accepted.
private func importAll(_ body: [UInt8], format: ImportFormat, schema: ProjectSchema) -> Int {
    var importer = TaskImporter(format: format, schema: schema, maxRecordBytes: maxTaskBytes)
    var accepted = 0
    let count: (Result<ImportedTask, LineError>) -> Void = { outcome in
        if case .success = outcome { accepted += 1 } else { fatalError("fixture line refused: \(outcome)") }
    }
    body.withUnsafeBytes { bytes in
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + importChunkBytes, bytes.count)
            try! importer.push(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), handle: count)
            offset = end
        }
    }
    try! importer.finish(handle: count)
    return accepted
}

// MARK: - 5. Export encoding

/// The size at which the export stream hands a chunk to the network.
private let exportChunkBytes = 64 * 1024

private func registerExportBenchmarks() {
    let schema = reviewSchema()

    for format in ExportFormat.allCases {
        let encoder = ExportEncoder(format: format, schema: schema)
        Benchmark("Export \(format.rawValue): 10,000 tasks × 3 annotations", configuration: configuration()) {
            benchmark, tasks in
            for _ in benchmark.scaledIterations { blackHole(exportAll(tasks, with: encoder)) }
        } setup: {
            exportedTasks(count: 10_000, annotationsPerTask: 3, seed: fixtureSeed)
        }
    }
}

/// Encodes `tasks` into one reused buffer, emptied every 64 KiB as the export stream does; returns the bytes written.
private func exportAll(_ tasks: [ExportedTask], with encoder: ExportEncoder) -> Int {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(exportChunkBytes + 4096)
    var written = 0
    encoder.header(into: &buffer)
    for task in tasks {
        encoder.encode(task, into: &buffer)
        if buffer.count >= exportChunkBytes {
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }
    }
    return written + buffer.count
}

// MARK: - 6. Queue decisions

private func registerQueueBenchmarks() {
    // 1,024 varied inputs, cycled through, so no answer can be hoisted out of the loop.
    let cases = submissionCases(count: 1_024, seed: fixtureSeed)
    let tokens = presentedTokens(count: 1_024, seed: fixtureSeed)

    Benchmark("Queue: LeaseRules.submission", configuration: configuration(scaled: .mega)) { benchmark in
        for iteration in benchmark.scaledIterations {
            let submission = cases[iteration & 1_023]
            blackHole(
                LeaseRules.submission(
                    presenting: submission.lease, for: submission.task, by: submission.annotator, at: submission.now))
        }
    }
    Benchmark("Queue: LeaseToken(parsing:), 90% well-formed", configuration: configuration(scaled: .kilo)) {
        benchmark in
        for iteration in benchmark.scaledIterations { blackHole(LeaseToken(parsing: tokens[iteration & 1_023])) }
    }
    Benchmark("Queue: LeaseToken(random:) with the system generator", configuration: configuration(scaled: .kilo)) {
        benchmark in
        var system = SystemRandomNumberGenerator()
        for _ in benchmark.scaledIterations { blackHole(LeaseToken(random: &system)) }
    }
    Benchmark("Queue: LeaseToken(random:) with SplitMix64", configuration: configuration(scaled: .kilo)) {
        benchmark in
        var seeded = SplitMix64(seed: fixtureSeed)
        for _ in benchmark.scaledIterations { blackHole(LeaseToken(random: &seeded)) }
    }
}
