import LabelParkCore

/// Observations from (task, annotator, label) triples, with counts one past the highest codes.
func grouped(_ triples: [(Int, Int, Int)], classCount: Int, taskCount: Int? = nil) throws -> LabelObservations {
    try LabelObservations(
        classCount: classCount, taskCount: taskCount ?? ((triples.map(\.0).max() ?? -1) + 1),
        annotatorCount: (triples.map(\.1).max() ?? -1) + 1,
        observations: triples.map { LabelObservation(task: $0.0, annotator: $0.1, label: $0.2) })
}

func isClose(_ value: Double, _ expected: Double, within tolerance: Double = 1e-12) -> Bool {
    abs(value - expected) <= tolerance
}

/// Laplace smoothing only (α = 1, γ = 0, β = 1), which keeps the hand arithmetic in small fractions.
let laplace = DawidSkeneSmoothing(confusion: 1, correctAnswer: 0, classPrior: 1)

/// Three tasks, three annotators, two classes:
/// task 0: a0 → 0, a1 → 0, a2 → 1; task 1: a0 → 1, a1 → 1, a2 → 1; task 2: a0 → 0, a1 → 1.
func tinyDataset() throws -> LabelObservations {
    try grouped(
        [(0, 0, 0), (0, 1, 0), (0, 2, 1), (1, 0, 1), (1, 1, 1), (1, 2, 1), (2, 0, 0), (2, 1, 1)], classCount: 2)
}
