/// The parameters of a fitted Dawid-Skene model on their own: the class priors and every annotator's
/// confusion, in log space, enough to infer the posterior of any set of annotations.
///
/// This is what an export keeps of a fit: its size is O(annotators · K²), not O(tasks), and the posterior
/// of a task costs O(K · its annotations). The posterior is the E-step of the model for one task,
/// p(k | answers) ∝ p_k · Π π_a[k][l], computed exactly as `DawidSkeneModel.refresh(task:)` computes it,
/// so for a task the model was fitted on it is the model's next estimate of that task.
///
/// An annotator code at or beyond `annotatorCount` is one the fit never saw. It gets the confusion that
/// `DawidSkeneModel.add(_:)` gives a new annotator: no counts, only the smoothing pseudo-counts, so
/// π[k][l] = (α + γ·[k = l]) / (K·α + γ), slightly better than chance when γ > 0.
public struct DawidSkeneParameters: Sendable, Hashable {
    /// K, the number of classes.
    public let classCount: Int
    /// A, the number of annotators the fit knew.
    public let annotatorCount: Int
    /// log p_k.
    let logPriors: [Double]
    /// log π_a[k][l] at [(a·K + l)·K + k]: for each answer, the K values of the E-step are adjacent.
    let logConfusion: [Double]
    /// log π[k][l] of an annotator the fit never saw, at [l·K + k].
    let unseenLogConfusion: [Double]

    /// The parameters of `model` as they stand: its priors and the confusion of each of its annotators.
    public init(_ model: DawidSkeneModel) {
        let classCount = model.classCount
        let smoothing = model.configuration.smoothing
        let alpha = smoothing.confusion
        let gamma = smoothing.correctAnswer
        let beta = smoothing.classPrior
        let rowPseudoCount = Double(classCount) * alpha + gamma
        self.classCount = classCount
        annotatorCount = model.annotatorCount
        let priorTotal = Double(model.annotatedTaskCount) + Double(classCount) * beta
        // With nothing fitted every class is equally likely; a constant log prior says so after normalising.
        logPriors = (0..<classCount).map { truth in
            priorTotal > 0
                ? DawidSkeneMath.log(model.classCounts[truth] + beta) - DawidSkeneMath.log(priorTotal) : 0
        }
        var logConfusion = [Double](repeating: 0, count: model.annotatorCount * classCount * classCount)
        for annotator in 0..<model.annotatorCount {
            for answer in 0..<classCount {
                let base = (annotator * classCount + answer) * classCount
                for truth in 0..<classCount {
                    let pseudoCount = alpha + (truth == answer ? gamma : 0)
                    logConfusion[base + truth] =
                        DawidSkeneMath.log(model.answerCounts[base + truth] + pseudoCount)
                        - DawidSkeneMath.log(model.truthTotals[annotator * classCount + truth] + rowPseudoCount)
                }
            }
        }
        self.logConfusion = logConfusion
        var unseen = [Double](repeating: 0, count: classCount * classCount)
        for answer in 0..<classCount {
            for truth in 0..<classCount {
                let pseudoCount = alpha + (truth == answer ? gamma : 0)
                unseen[answer * classCount + truth] =
                    DawidSkeneMath.log(pseudoCount) - DawidSkeneMath.log(rowPseudoCount)
            }
        }
        unseenLogConfusion = unseen
    }

    /// The aggregated label of a task with exactly these annotations, its posterior probability and the
    /// number of annotations; the most probable prior class, with `annotationCount` 0, for none.
    ///
    /// Annotator codes at or beyond `annotatorCount` are annotators the fit never saw (see the type).
    public func posterior(
        of labels: some Collection<(annotator: Int, label: Int)>
    ) throws(TruthInferenceError) -> TaskPosterior {
        let classCount = self.classCount
        return try withUnsafeTemporaryAllocation(of: Double.self, capacity: classCount) {
            row throws(TruthInferenceError) -> TaskPosterior in
            let probabilities = row.baseAddress!
            try writeProbabilities(of: labels, into: probabilities)
            var winner = 0
            for truth in 1..<classCount where probabilities[truth] > probabilities[winner] { winner = truth }
            return TaskPosterior(label: winner, confidence: probabilities[winner], annotationCount: labels.count)
        }
    }

    /// The posterior probability of each class for a task with exactly these annotations; the priors for none.
    public func probabilities(
        of labels: some Collection<(annotator: Int, label: Int)>
    ) throws(TruthInferenceError) -> [Double] {
        var result = [Double](repeating: 0, count: classCount)
        try result.withUnsafeMutableBufferPointer { row throws(TruthInferenceError) in
            try writeProbabilities(of: labels, into: row.baseAddress!)
        }
        return result
    }

    private func writeProbabilities(
        of labels: some Collection<(annotator: Int, label: Int)>, into row: UnsafeMutablePointer<Double>
    ) throws(TruthInferenceError) {
        for truth in 0..<classCount { row[truth] = logPriors[truth] }
        for (annotator, label) in labels {
            guard annotator >= 0 else {
                throw .annotatorOutOfRange(annotator: annotator, annotatorCount: annotatorCount)
            }
            guard label >= 0, label < classCount else {
                throw .labelOutOfRange(label: label, classCount: classCount)
            }
            if annotator < annotatorCount {
                let base = (annotator * classCount + label) * classCount
                for truth in 0..<classCount { row[truth] += logConfusion[base + truth] }
            } else {
                let base = label * classCount
                for truth in 0..<classCount { row[truth] += unseenLogConfusion[base + truth] }
            }
        }
        _ = DawidSkeneModel.normalizeLogRow(row, classCount: classCount)
    }
}

extension DawidSkeneModel {
    /// The model's priors and confusions on their own, for inferring posteriors of tasks it does not hold.
    ///
    /// Computing them costs O(annotators · K²); take them once and ask them for many tasks.
    public var parameters: DawidSkeneParameters { DawidSkeneParameters(self) }

    /// The posterior of a task with exactly these annotations under the model's current parameters.
    ///
    /// Each call derives the parameters, O(annotators · K²); for many tasks use `parameters` once.
    public func posterior(
        of labels: some Collection<(annotator: Int, label: Int)>
    ) throws(TruthInferenceError) -> TaskPosterior {
        try parameters.posterior(of: labels)
    }
}
