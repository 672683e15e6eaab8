/// Dawid-Skene truth inference: the settings of an expectation-maximisation fit, and the fit itself.
///
/// The model (Dawid and Skene, 1979): each task has a hidden true class k drawn with prior probability
/// p_k, and annotator a answers l with probability π_a[k][l], independently of the other annotators. EM
/// alternates an E-step (each task's posterior over classes given the current p and π) and an M-step
/// (p and every π re-estimated from the posteriors, as soft counts).
///
/// The fit:
/// 1. Starts from majority vote: each task's posterior is its vote shares, and an M-step turns those
///    into the first p and π.
/// 2. Repeats, at most `maxIterations` times: an E-step in log space (log p_k plus Σ log π_a[k][l] over
///    the task's annotations, shifted by the maximum before exponentiating), then an M-step.
/// 3. Stops early once the objective per annotation, measured at each E-step, improved by less than
///    `tolerance` since the previous one.
///
/// The M-step is a MAP estimate under a Dirichlet prior, i.e. additive smoothing with the pseudo-counts of
/// `DawidSkeneSmoothing`:
///
///     π_a[k][l] = (n_a[k][l] + α + γ·[k = l]) / (Σ_l' n_a[k][l'] + K·α + γ)
///     p_k       = (m_k + β) / (T + K·β)
///
/// where n_a[k][l] sums the posterior of class k over a's annotations that answered l, m_k sums the
/// posterior of class k over tasks, and T counts the tasks with at least one annotation. The objective
/// is what EM then provably never decreases: the log-likelihood of all annotations plus
/// Σ (pseudo-count · log probability) over every p_k and π_a[k][l].
///
/// How this differs from crowd-kit's `DawidSkene(n_iter=100, tol=1e-5)`, which it otherwise follows
/// (majority-vote start, the same defaults, a stop on the change of a per-annotation objective):
/// - crowd-kit does not smooth: π is the plain ratio of soft counts, clipped below at 1e-10, and p is
///   the plain mean of posteriors. An annotator seen on one task then gets a confusion row of certainties
///   from a single answer. Here the pseudo-counts keep every probability above zero and pull the
///   estimates of sparse annotators towards "better than chance"; with α → 0, γ = 0 and β = 0 the
///   estimates tend to crowd-kit's.
/// - crowd-kit measures the evidence lower bound after its M-step; here the objective is the smoothed
///   log-likelihood at the parameters the E-step used. Both are divided by the number of annotations.
/// - Ties between equally probable classes go to the lowest code (crowd-kit's `idxmax` takes the first
///   column, which is the same when codes follow the question's option order).
/// - crowd-kit's error matrix is indexed [annotator, answered, true]; `AnnotatorConfusion` is indexed
///   [true, answered], rows summing to 1.
///
/// Cost: each iteration is one pass over the annotations in task order, with flat arrays and no
/// allocation; its time is O(annotations · K + annotators · K²).
public struct DawidSkene: Sendable, Hashable {
    /// The most E-steps a fit runs; 0 keeps the majority-vote posteriors.
    public var maxIterations: Int
    /// The fit stops when the objective per annotation improved by less than this since the previous
    /// E-step; 0 or below runs every iteration unless the objective stands still or falls.
    public var tolerance: Double
    /// The pseudo-counts of the M-step.
    public var smoothing: DawidSkeneSmoothing

    /// crowd-kit's defaults (100 iterations, tolerance 1e-5), with smoothing.
    public init(maxIterations: Int = 100, tolerance: Double = 1e-5, smoothing: DawidSkeneSmoothing = .init()) {
        precondition(maxIterations >= 0, "maxIterations must not be negative")
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.smoothing = smoothing
    }

    /// Fits the model to `observations`; the result can then take new annotations one at a time.
    public func fit(_ observations: LabelObservations) -> DawidSkeneModel {
        var model = DawidSkeneModel(configuration: self, observations: observations)
        model.fitFromMajorityVote(maxIterations: maxIterations)
        return model
    }

    /// Fits one yes/no model per option of a multi-choice question (see `LabelObservations.perOption`).
    ///
    /// Task t's aggregated selection is the options o whose `models[o].posterior(ofTask: t).label` is 1.
    public func fitEachOption(
        optionCount: Int, taskCount: Int, annotatorCount: Int, answers: [MultiChoiceObservation]
    ) throws(TruthInferenceError) -> [DawidSkeneModel] {
        try LabelObservations.perOption(
            optionCount: optionCount, taskCount: taskCount, annotatorCount: annotatorCount, answers: answers
        ).map(fit)
    }
}

/// The Dirichlet pseudo-counts Dawid-Skene adds to its soft counts (additive smoothing).
///
/// The defaults (1, 1, 1) are Laplace smoothing plus one extra count on each confusion diagonal: an
/// annotator with no history answers the truth with probability 2/(K + 1) and each other class with
/// 1/(K + 1), e.g. 1/3 against 1/6 for five options. That slight trust is what lets a model built one
/// annotation at a time learn anything: with a uniform start every answer would be uninformative. Against
/// thousands of annotations per annotator the pseudo-counts are negligible.
public struct DawidSkeneSmoothing: Sendable, Hashable {
    /// α, added to every cell of every annotator's confusion counts; must be above 0 so that every
    /// probability, and its logarithm, stays finite.
    public var confusion: Double
    /// γ, added on top of α to the cells where the answer is the true class; 0 or more.
    public var correctAnswer: Double
    /// β, added to every class's count when estimating the class priors; 0 or more.
    public var classPrior: Double

    public init(confusion: Double = 1, correctAnswer: Double = 1, classPrior: Double = 1) {
        precondition(confusion > 0 && confusion.isFinite, "the confusion pseudo-count must be positive and finite")
        precondition(correctAnswer >= 0 && correctAnswer.isFinite, "the correct-answer pseudo-count must be ≥ 0")
        precondition(classPrior >= 0 && classPrior.isFinite, "the class-prior pseudo-count must be ≥ 0")
        self.confusion = confusion
        self.correctAnswer = correctAnswer
        self.classPrior = classPrior
    }
}

// MARK: - The batch fit

extension DawidSkeneModel {
    /// Runs EM over the fitted observations from a majority-vote start; there must be no added ones.
    mutating func fitFromMajorityVote(maxIterations: Int) {
        let classCount = self.classCount
        var posteriors: [Double] = []
        MajorityVote.writeVoteShares(of: fitted, into: &posteriors)
        var classCounts = [Double](repeating: 0, count: classCount)
        var annotatedTaskCount = 0
        for task in 0..<fitted.taskCount where !fitted.annotationRange(ofTask: task).isEmpty {
            annotatedTaskCount += 1
            for truth in 0..<classCount { classCounts[truth] += posteriors[task * classCount + truth] }
        }
        var answerCounts = [Double](repeating: 0, count: annotatorCount * classCount * classCount)
        Self.accumulateCounts(of: fitted, posteriors: posteriors, into: &answerCounts)
        var nextAnswerCounts = answerCounts
        var logConfusion = answerCounts
        var logPrior = classCounts
        var iterations = 0
        var converged = fitted.count == 0
        var objective: Double? = nil
        var previous = -Double.infinity
        while !converged, iterations < maxIterations {
            let logPriorDensity = Self.writeLogParameters(
                answerCounts: answerCounts, classCounts: classCounts, annotatedTaskCount: annotatedTaskCount,
                classCount: classCount, smoothing: configuration.smoothing, logConfusion: &logConfusion,
                logPrior: &logPrior)
            let logLikelihood = Self.expectationStep(
                over: fitted, logConfusion: logConfusion, logPrior: logPrior, posteriors: &posteriors,
                classCounts: &classCounts, answerCounts: &nextAnswerCounts)
            swap(&answerCounts, &nextAnswerCounts)
            iterations += 1
            let current = (logLikelihood + logPriorDensity) / Double(fitted.count)
            objective = current
            if current - previous < configuration.tolerance { converged = true }
            previous = current
        }
        self.posteriors = posteriors
        self.classCounts = classCounts
        self.annotatedTaskCount = annotatedTaskCount
        self.answerCounts = answerCounts
        self.iterations = iterations
        self.converged = converged
        self.objective = objective
        recomputeTruthTotals()
    }

    /// Writes log π (at [(a·K + l)·K + k]) and log p from soft counts; returns Σ pseudo-count · log
    /// probability, the Dirichlet prior's part of the objective.
    static func writeLogParameters(
        answerCounts: [Double], classCounts: [Double], annotatedTaskCount: Int, classCount: Int,
        smoothing: DawidSkeneSmoothing, logConfusion: inout [Double], logPrior: inout [Double]
    ) -> Double {
        let alpha = smoothing.confusion
        let gamma = smoothing.correctAnswer
        let beta = smoothing.classPrior
        var logPriorDensity = 0.0
        let priorTotal = Double(annotatedTaskCount) + Double(classCount) * beta
        for truth in 0..<classCount {
            if priorTotal > 0 {
                logPrior[truth] = DawidSkeneMath.log(classCounts[truth] + beta) - DawidSkeneMath.log(priorTotal)
                if beta > 0 { logPriorDensity += beta * logPrior[truth] }
            } else {
                logPrior[truth] = -DawidSkeneMath.log(Double(classCount))
            }
        }
        let block = classCount * classCount
        let rowPseudoCount = Double(classCount) * alpha + gamma
        for annotator in 0..<(answerCounts.count / block) {
            let base = annotator * block
            for truth in 0..<classCount {
                var total = rowPseudoCount
                for answer in 0..<classCount { total += answerCounts[base + answer * classCount + truth] }
                let logTotal = DawidSkeneMath.log(total)
                for answer in 0..<classCount {
                    let cell = base + answer * classCount + truth
                    let pseudoCount = answer == truth ? alpha + gamma : alpha
                    let value = DawidSkeneMath.log(answerCounts[cell] + pseudoCount) - logTotal
                    logConfusion[cell] = value
                    logPriorDensity += pseudoCount * value
                }
            }
        }
        return logPriorDensity
    }

    /// One pass over the annotations: replaces every annotated task's posterior by p(class | its
    /// annotations) under the given log parameters, and sums the new posteriors into `classCounts` and
    /// `answerCounts` (the next M-step's soft counts). Returns the log-likelihood of all annotations.
    static func expectationStep(
        over observations: LabelObservations, logConfusion: [Double], logPrior: [Double],
        posteriors: inout [Double], classCounts: inout [Double], answerCounts: inout [Double]
    ) -> Double {
        // The hot loop of a fit: raw pointers, because bounds checks on five arrays per annotation cost
        // more than the arithmetic. Every index is in range by construction of LabelObservations.
        let classCount = observations.classCount
        var logLikelihood = 0.0
        observations.taskOffsets.withUnsafeBufferPointer { offsets in
            observations.annotatorCodes.withUnsafeBufferPointer { annotators in
                observations.labelCodes.withUnsafeBufferPointer { labels in
                    logConfusion.withUnsafeBufferPointer { logConfusion in
                        posteriors.withUnsafeMutableBufferPointer { posteriors in
                            answerCounts.withUnsafeMutableBufferPointer { answerCounts in
                                classCounts.withUnsafeMutableBufferPointer { classCounts in
                                    logLikelihood = expectationStep(
                                        offsets: offsets.baseAddress!, annotators: annotators.baseAddress,
                                        labels: labels.baseAddress, taskCount: observations.taskCount,
                                        classCount: classCount, logConfusion: logConfusion.baseAddress!,
                                        logPrior: logPrior, posteriors: posteriors.baseAddress,
                                        classCounts: classCounts.baseAddress!, answerCounts: answerCounts)
                                }
                            }
                        }
                    }
                }
            }
        }
        return logLikelihood
    }

    private static func expectationStep(
        offsets: UnsafePointer<Int>, annotators: UnsafePointer<Int32>?, labels: UnsafePointer<Int32>?,
        taskCount: Int, classCount: Int, logConfusion: UnsafePointer<Double>, logPrior: [Double],
        posteriors: UnsafeMutablePointer<Double>?, classCounts: UnsafeMutablePointer<Double>,
        answerCounts: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        answerCounts.update(repeating: 0)
        classCounts.update(repeating: 0, count: classCount)
        guard let annotators, let labels, let posteriors, let counts = answerCounts.baseAddress else { return 0 }
        var logLikelihood = 0.0
        // The tasks' likelihoods are multiplied in batches and their product's logarithm taken once a
        // batch grows large, instead of one logarithm per task. Each factor is in [1, K].
        var likelihoodProduct = 1.0
        for task in 0..<taskCount {
            let start = offsets[task]
            let end = offsets[task + 1]
            if start == end { continue }
            let row = posteriors + task * classCount
            for truth in 0..<classCount { row[truth] = logPrior[truth] }
            for position in start..<end {
                let cells = logConfusion + (Int(annotators[position]) * classCount + Int(labels[position])) * classCount
                for truth in 0..<classCount { row[truth] += cells[truth] }
            }
            var maximum = row[0]
            for truth in 1..<classCount where row[truth] > maximum { maximum = row[truth] }
            var total = 0.0
            for truth in 0..<classCount {
                let value = DawidSkeneMath.exp(row[truth] - maximum)
                row[truth] = value
                total += value
            }
            for truth in 0..<classCount {
                row[truth] /= total
                classCounts[truth] += row[truth]
            }
            logLikelihood += maximum
            likelihoodProduct *= total
            if likelihoodProduct > 0x1p600 {
                logLikelihood += DawidSkeneMath.log(likelihoodProduct)
                likelihoodProduct = 1
            }
            for position in start..<end {
                let cells = counts + (Int(annotators[position]) * classCount + Int(labels[position])) * classCount
                for truth in 0..<classCount { cells[truth] += row[truth] }
            }
        }
        return logLikelihood + DawidSkeneMath.log(likelihoodProduct)
    }

    /// Turns K log joint probabilities into probabilities summing to 1, in place; returns the log of
    /// their sum (the task's log-likelihood).
    @inline(__always)
    static func normalizeLogRow(_ row: UnsafeMutablePointer<Double>, classCount: Int) -> Double {
        var maximum = row[0]
        for truth in 1..<classCount where row[truth] > maximum { maximum = row[truth] }
        var total = 0.0
        for truth in 0..<classCount {
            let value = DawidSkeneMath.exp(row[truth] - maximum)
            row[truth] = value
            total += value
        }
        for truth in 0..<classCount { row[truth] /= total }
        return maximum + DawidSkeneMath.log(total)
    }

    /// Sums the annotations' posteriors into soft confusion counts at [(a·K + l)·K + k].
    static func accumulateCounts(of observations: LabelObservations, posteriors: [Double], into counts: inout [Double])
    {
        let classCount = observations.classCount
        for cell in counts.indices { counts[cell] = 0 }
        for task in 0..<observations.taskCount {
            let row = task * classCount
            for position in observations.annotationRange(ofTask: task) {
                let base =
                    (Int(observations.annotatorCodes[position]) * classCount + Int(observations.labelCodes[position]))
                    * classCount
                for truth in 0..<classCount { counts[base + truth] += posteriors[row + truth] }
            }
        }
    }

    /// Re-derives Σ_l n_a[k][l] for every annotator and true class from the confusion counts.
    mutating func recomputeTruthTotals() {
        let classCount = self.classCount
        var totals = [Double](repeating: 0, count: annotatorCount * classCount)
        for annotator in 0..<annotatorCount {
            for answer in 0..<classCount {
                let base = (annotator * classCount + answer) * classCount
                for truth in 0..<classCount { totals[annotator * classCount + truth] += answerCounts[base + truth] }
            }
        }
        truthTotals = totals
    }
}
