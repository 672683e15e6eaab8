/// Online updates: folding one new annotation into a fitted model without a full fit.
///
/// `add(_:)` is one step of incremental EM (Neal and Hinton, 1998) restricted to the task that received
/// the annotation: an E-step for that task alone with the current parameters, then its old posterior's
/// contribution to the soft counts (priors and confusion) is swapped for the new one. Its cost is
/// O(K · annotations of the task) plus O(K) for the priors, whatever the size of the model; no other
/// task's posterior moves.
///
/// So between full fits the model is an approximation: other tasks keep posteriors computed with older
/// parameters, and the estimates depend on the order annotations arrived in. A model built one
/// annotation at a time from nothing underestimates its good annotators for a while, because its first
/// posteriors were computed when it knew little. Two remedies:
/// - `refresh(task:)` re-runs the same step for an existing task; sweeping tasks in turn in idle time
///   moves the model towards the batch fit.
/// - `refit()` runs the batch fit from a majority-vote start over everything, so its result is exactly
///   that of `DawidSkene.fit` over the same annotations, independent of history. Run it from time to
///   time, say nightly or once the annotations added since the last fit reach a tenth of the total.
extension DawidSkeneModel {
    /// Folds in one new annotation and returns the updated aggregate of its task.
    ///
    /// Task and annotator codes at or beyond the current counts grow the model; codes between stay
    /// unannotated. The annotation must be the annotator's first on the task (pass a revision to a full
    /// fit instead).
    @discardableResult
    public mutating func add(_ observation: LabelObservation) throws(TruthInferenceError) -> TaskPosterior {
        let task = observation.task
        let annotator = observation.annotator
        let label = observation.label
        // Codes are dense: a raw database id here would allocate for every code below it, so cap them.
        guard task >= 0, task < Int(Int32.max) else { throw .taskOutOfRange(task: task, taskCount: taskCount) }
        guard annotator >= 0, annotator < Int(Int32.max) else {
            throw .annotatorOutOfRange(annotator: annotator, annotatorCount: annotatorCount)
        }
        guard label >= 0, label < classCount else { throw .labelOutOfRange(label: label, classCount: classCount) }
        grow(toTasks: task + 1, annotators: annotator + 1)

        // Chain the annotation to its task.
        let newPosition = addedLabels.count
        addedAnnotators.append(Int32(truncatingIfNeeded: annotator))
        addedLabels.append(Int32(truncatingIfNeeded: label))
        nextAdded.append(-1)
        if lastAdded[task] >= 0 { nextAdded[lastAdded[task]] = newPosition } else { firstAdded[task] = newPosition }
        lastAdded[task] = newPosition
        annotationCounts[task] += 1
        return updatePosterior(ofTask: task, newAnnotationAt: newPosition)
    }

    /// Re-runs the E-step for one task with the current parameters and updates the soft counts, without
    /// a new annotation; returns the task's updated aggregate.
    ///
    /// This is the same step `add(_:)` takes. Refreshing tasks in turn (round-robin, in idle time) is
    /// incremental EM proper: it moves the model towards the batch fit's fixed point without a full
    /// fit, each call costing what an `add` costs. A task without annotations is left as it is.
    @discardableResult
    public mutating func refresh(task: Int) -> TaskPosterior {
        precondition(task >= 0, "task codes are not negative")
        guard annotationCount(ofTask: task) > 0 else { return posterior(ofTask: task) }
        if firstAdded.count < taskCount { grow(toTasks: taskCount, annotators: annotatorCount) }
        return updatePosterior(ofTask: task, newAnnotationAt: nil)
    }

    /// The E-step for task `task` alone, then its old contribution to the soft counts swapped for the
    /// new one. `newAnnotation`, the position of an annotation just added, contributed nothing yet.
    private mutating func updatePosterior(ofTask task: Int, newAnnotationAt newAnnotation: Int?) -> TaskPosterior {
        let classCount = self.classCount
        let beta = configuration.smoothing.classPrior
        let isNewTask = annotationCounts[task] == 1 && newAnnotation != nil
        let row = task * classCount
        let fittedRange = task < fitted.taskCount ? fitted.annotationRange(ofTask: task) : 0..<0
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * classCount) { scratch in
            let old = scratch.baseAddress!
            let new = old + classCount
            for truth in 0..<classCount { old[truth] = isNewTask ? 0 : posteriors[row + truth] }

            // Log p_k + Σ log π_a[k][l] over the task's annotations, the new one included.
            let priorTotal = Double(annotatedTaskCount) + Double(classCount) * beta
            for truth in 0..<classCount {
                new[truth] =
                    priorTotal > 0
                    ? DawidSkeneMath.log(classCounts[truth] + beta) - DawidSkeneMath.log(priorTotal) : 0
            }
            for position in fittedRange {
                addLogConfusion(annotator: fitted.annotator(at: position), label: fitted.label(at: position), to: new)
            }
            var link = firstAdded[task]
            while link >= 0 {
                addLogConfusion(annotator: Int(addedAnnotators[link]), label: Int(addedLabels[link]), to: new)
                link = nextAdded[link]
            }
            _ = Self.normalizeLogRow(new, classCount: classCount)

            for position in fittedRange {
                shiftCounts(
                    annotator: fitted.annotator(at: position), label: fitted.label(at: position), from: old, to: new)
            }
            link = firstAdded[task]
            while link >= 0 {
                shiftCounts(
                    annotator: Int(addedAnnotators[link]), label: Int(addedLabels[link]),
                    from: link == newAnnotation ? nil : old, to: new)
                link = nextAdded[link]
            }
            for truth in 0..<classCount {
                classCounts[truth] += new[truth] - old[truth]
                posteriors[row + truth] = new[truth]
            }
            if isNewTask { annotatedTaskCount += 1 }

            var winner = 0
            for truth in 1..<classCount where new[truth] > new[winner] { winner = truth }
            return TaskPosterior(label: winner, confidence: new[winner], annotationCount: Int(annotationCounts[task]))
        }
    }

    /// Runs the full fit again over every annotation, from a majority-vote start, and folds the added
    /// annotations into the fitted ones; `maxIterations` defaults to the configuration's.
    ///
    /// The result is the one `DawidSkene.fit` gives for the same annotations, task by task in the order
    /// they were given.
    public mutating func refit(maxIterations: Int? = nil) {
        if !addedLabels.isEmpty { mergeAddedAnnotations() }
        fitFromMajorityVote(maxIterations: maxIterations ?? configuration.maxIterations)
    }

    /// The annotations of every task as one grouped set, fitted ones first, then added ones in arrival order.
    public var observations: LabelObservations {
        var copy = self
        copy.mergeAddedAnnotations()
        return copy.fitted
    }

    // MARK: - Storage

    private mutating func grow(toTasks tasks: Int, annotators: Int) {
        if firstAdded.count < max(tasks, taskCount) {
            let missing = max(tasks, taskCount) - firstAdded.count
            firstAdded.append(contentsOf: repeatElement(-1, count: missing))
            lastAdded.append(contentsOf: repeatElement(-1, count: missing))
        }
        if tasks > taskCount {
            annotationCounts.append(contentsOf: repeatElement(0, count: tasks - taskCount))
            posteriors.append(contentsOf: repeatElement(0, count: (tasks - taskCount) * classCount))
            taskCount = tasks
        }
        if annotators > annotatorCount {
            answerCounts.append(
                contentsOf: repeatElement(0, count: (annotators - annotatorCount) * classCount * classCount))
            truthTotals.append(contentsOf: repeatElement(0, count: (annotators - annotatorCount) * classCount))
            annotatorCount = annotators
        }
    }

    /// Adds log π_annotator[k][label] for every class k to `logRow`.
    private func addLogConfusion(annotator: Int, label: Int, to logRow: UnsafeMutablePointer<Double>) {
        let smoothing = configuration.smoothing
        let rowPseudoCount = Double(classCount) * smoothing.confusion + smoothing.correctAnswer
        let base = (annotator * classCount + label) * classCount
        for truth in 0..<classCount {
            let pseudoCount = smoothing.confusion + (truth == label ? smoothing.correctAnswer : 0)
            logRow[truth] +=
                DawidSkeneMath.log(answerCounts[base + truth] + pseudoCount)
                - DawidSkeneMath.log(truthTotals[annotator * classCount + truth] + rowPseudoCount)
        }
    }

    /// Moves one annotation's contribution to the soft counts from posterior `old` (none if `nil`) to `new`.
    private mutating func shiftCounts(
        annotator: Int, label: Int, from old: UnsafeMutablePointer<Double>?, to new: UnsafeMutablePointer<Double>
    ) {
        let base = (annotator * classCount + label) * classCount
        for truth in 0..<classCount {
            let change = new[truth] - (old?[truth] ?? 0)
            answerCounts[base + truth] += change
            truthTotals[annotator * classCount + truth] += change
        }
    }

    /// Rebuilds `fitted` to hold every annotation, grouped by task, and empties the added ones.
    private mutating func mergeAddedAnnotations() {
        var offsets = [Int](repeating: 0, count: taskCount + 1)
        var annotators: [Int32] = []
        var labels: [Int32] = []
        annotators.reserveCapacity(observationCount)
        labels.reserveCapacity(observationCount)
        for task in 0..<taskCount {
            let fittedRange = task < fitted.taskCount ? fitted.annotationRange(ofTask: task) : 0..<0
            annotators.append(contentsOf: fitted.annotatorCodes[fittedRange])
            labels.append(contentsOf: fitted.labelCodes[fittedRange])
            if task < firstAdded.count {
                var position = firstAdded[task]
                while position >= 0 {
                    annotators.append(addedAnnotators[position])
                    labels.append(addedLabels[position])
                    position = nextAdded[position]
                }
            }
            offsets[task + 1] = labels.count
        }
        fitted = LabelObservations(
            classCount: classCount, taskCount: taskCount, annotatorCount: annotatorCount, taskOffsets: offsets,
            annotatorCodes: annotators, labelCodes: labels)
        addedAnnotators = []
        addedLabels = []
        nextAdded = []
        firstAdded = []
        lastAdded = []
    }
}
