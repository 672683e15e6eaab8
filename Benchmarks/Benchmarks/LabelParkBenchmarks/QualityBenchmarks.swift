import Benchmark
import LabelParkCore

// MARK: - 7. Truth inference and dynamic overlap

/// The issue #5 scale: a million tasks, three annotations each, five classes.
private let millionTasks = 1_000_000

/// Whole fits take about a second each: fewer, longer iterations than the other benchmarks.
private func wholeFit() -> Benchmark.Configuration {
    .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(30), maxIterations: 5)
}

private func quality(scaled scalingFactor: BenchmarkScalingFactor = .one) -> Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: scalingFactor, maxDuration: .seconds(2),
        maxIterations: 1_000)
}

func registerQualityBenchmarks() {
    Benchmark("Quality: Dawid-Skene fit, 1M tasks × 3 annotations × 5 classes", configuration: wholeFit()) {
        benchmark, crowd in
        for _ in benchmark.scaledIterations { blackHole(DawidSkene().fit(crowd.observations).iterations) }
    } setup: {
        SimulatedCrowd(taskCount: millionTasks, seed: fixtureSeed)
    }
    Benchmark("Quality: majority vote, 1M tasks × 3 annotations × 5 classes", configuration: quality()) {
        benchmark, crowd in
        for _ in benchmark.scaledIterations { blackHole(MajorityVote.aggregate(crowd.observations)) }
    } setup: {
        SimulatedCrowd(taskCount: millionTasks, seed: fixtureSeed)
    }
    Benchmark("Quality: group 3M annotations by task", configuration: quality()) { benchmark, crowd in
        for _ in benchmark.scaledIterations {
            blackHole(
                try! LabelObservations(
                    classCount: 5, taskCount: millionTasks, annotatorCount: SimulatedCrowd.annotatorCount,
                    observations: crowd.annotations))
        }
    } setup: {
        SimulatedCrowd(taskCount: millionTasks, seed: fixtureSeed)
    }
    // One operation: a new annotation folded into a model fitted on a million tasks. New tasks, three
    // annotations each, so every add sees the tasks a live project sees.
    Benchmark("Quality: Dawid-Skene add, model of 1M tasks", configuration: quality(scaled: .kilo)) {
        benchmark, fitted in
        for _ in benchmark.scaledIterations { blackHole(try! fitted.addNext()) }
    } setup: {
        FittedModel(crowd: SimulatedCrowd(taskCount: millionTasks, seed: fixtureSeed))
    }
    Benchmark("Quality: Dawid-Skene refresh, model of 1M tasks", configuration: quality(scaled: .kilo)) {
        benchmark, fitted in
        for _ in benchmark.scaledIterations { blackHole(fitted.refreshNext()) }
    } setup: {
        FittedModel(crowd: SimulatedCrowd(taskCount: millionTasks, seed: fixtureSeed))
    }
    let states = (0..<1_024).map { index in
        TaskOverlapState(slotCount: 3 + index % 3, submittedCount: index % 6, confidence: Double(index % 10) / 10)
    }
    let policy = try! OverlapPolicy(baseOverlap: 3, maxOverlap: 5, confidenceTarget: 0.9)
    Benchmark("Quality: DynamicOverlap.decide", configuration: quality(scaled: .mega)) { benchmark in
        for iteration in benchmark.scaledIterations {
            blackHole(DynamicOverlap.decide(states[iteration & 1_023], under: policy))
        }
    }
}

/// A seeded crowd: 1,000 annotators whose accuracies spread from 0.35 to 0.95 label tasks of five classes,
/// three distinct annotators a task; a wrong answer is any other class, uniformly.
private struct SimulatedCrowd {
    static let annotatorCount = 1_000
    let annotations: [LabelObservation]
    let observations: LabelObservations

    init(taskCount: Int, seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let accuracies = (0..<Self.annotatorCount).map { _ in Double.random(in: 0.35...0.95, using: &generator) }
        var annotations: [LabelObservation] = []
        annotations.reserveCapacity(taskCount * 3)
        for task in 0..<taskCount {
            let truth = Int.random(in: 0..<5, using: &generator)
            var chosen: [Int] = []
            while chosen.count < 3 {
                let annotator = Int.random(in: 0..<Self.annotatorCount, using: &generator)
                if chosen.contains(annotator) { continue }
                chosen.append(annotator)
                let correct = Double.random(in: 0..<1, using: &generator) < accuracies[annotator]
                let label = correct ? truth : (truth + Int.random(in: 1..<5, using: &generator)) % 5
                annotations.append(LabelObservation(task: task, annotator: annotator, label: label))
            }
        }
        self.annotations = annotations
        observations = try! LabelObservations(
            classCount: 5, taskCount: taskCount, annotatorCount: Self.annotatorCount, observations: annotations)
    }
}

/// A fitted model kept in one place across iterations, so adding to it never copies it.
private final class FittedModel {
    var model: DawidSkeneModel
    private var added = 0
    private var refreshed = 0
    private var generator = SplitMix64(seed: fixtureSeed)

    init(crowd: SimulatedCrowd) {
        model = DawidSkene().fit(crowd.observations)
    }

    /// Adds the next annotation: three to each new task, by random annotators.
    func addNext() throws -> TaskPosterior {
        let task = millionTasks + added / 3
        added += 1
        return try model.add(
            LabelObservation(
                task: task, annotator: Int.random(in: 0..<SimulatedCrowd.annotatorCount, using: &generator),
                label: Int.random(in: 0..<5, using: &generator)))
    }

    /// Refreshes the next task, round-robin.
    func refreshNext() -> TaskPosterior {
        refreshed = (refreshed + 7_919) % millionTasks
        return model.refresh(task: refreshed)
    }
}
