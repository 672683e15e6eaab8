/// A fitted Dawid-Skene model of one choice question: class priors, every annotator's confusion, every
/// task's posterior, and the annotations they came from.
///
/// `DawidSkene.fit(_:)` makes one; `add(_:)` then folds in new annotations one at a time and `refit()`
/// runs the full fit again (see DawidSkeneIncremental.swift). It is a value: copies are independent.
///
/// Codes of tasks and annotators are dense (0..<taskCount, 0..<annotatorCount); a task without
/// annotations has the class priors as its posterior.
public struct DawidSkeneModel: Sendable {
    /// The settings of every fit of this model.
    public let configuration: DawidSkene
    /// K, the number of classes.
    public let classCount: Int
    /// T, one more than the highest task code seen.
    public internal(set) var taskCount: Int
    /// A, one more than the highest annotator code seen.
    public internal(set) var annotatorCount: Int
    /// E-steps the last full fit ran.
    public internal(set) var iterations: Int
    /// Whether the last full fit stopped because the objective improved by less than the tolerance (or
    /// there was nothing to fit), rather than at `maxIterations`.
    public internal(set) var converged: Bool
    /// The objective per annotation at the last full fit's final E-step: the log-likelihood of all
    /// annotations plus the Dirichlet prior's term, divided by the number of annotations; `nil` if that
    /// fit ran no E-step.
    public internal(set) var objective: Double?

    /// The annotations as of the last full fit.
    var fitted: LabelObservations
    /// Annotations added since the last fit, in arrival order, each task's chained through
    /// `nextAdded` (−1 ends a chain) from `firstAdded[task]` to `lastAdded[task]`.
    var addedAnnotators: [Int32] = []
    var addedLabels: [Int32] = []
    var nextAdded: [Int] = []
    /// Per task once anything was added, −1 for none; empty before.
    var firstAdded: [Int] = []
    var lastAdded: [Int] = []
    /// Each task's number of annotations, fitted and added.
    var annotationCounts: [Int32]

    /// Soft count of annotator a answering l when the truth is k, at [(a·K + l)·K + k]: for each
    /// answer, the K values an E-step needs are adjacent.
    var answerCounts: [Double]
    /// Σ_l answerCounts for each annotator and true class, at [a·K + k].
    var truthTotals: [Double]
    /// Σ of the posteriors of annotated tasks, per class.
    var classCounts: [Double]
    /// Tasks with at least one annotation (the soft class counts add up to it).
    var annotatedTaskCount: Int
    /// Each task's posterior over classes, at [t·K + k]; meaningful only for annotated tasks.
    var posteriors: [Double]

    /// A model of `observations` before any fit; its counts and posteriors are empty until one runs.
    init(configuration: DawidSkene, observations: LabelObservations) {
        self.configuration = configuration
        classCount = observations.classCount
        taskCount = observations.taskCount
        annotatorCount = observations.annotatorCount
        iterations = 0
        converged = false
        objective = nil
        fitted = observations
        annotationCounts = (0..<observations.taskCount).map {
            Int32(truncatingIfNeeded: observations.annotationRange(ofTask: $0).count)
        }
        answerCounts = []
        truthTotals = []
        classCounts = []
        annotatedTaskCount = 0
        posteriors = []
    }

    /// A model of a question with `classCount` options and no annotations yet, to be grown with `add(_:)`.
    public init(classCount: Int, configuration: DawidSkene = DawidSkene()) throws(TruthInferenceError) {
        let empty = try LabelObservations(
            classCount: classCount, taskCount: 0, annotatorCount: 0, observations: [LabelObservation]())
        self = configuration.fit(empty)
    }

    /// The number of annotations the model holds.
    public var observationCount: Int { fitted.count + addedLabels.count }

    /// Annotations added with `add(_:)` since the last full fit.
    public var addedSinceFit: Int { addedLabels.count }

    /// The estimated probability of each class, p_k = (m_k + β) / (T + K·β).
    public var priors: [Double] {
        let beta = configuration.smoothing.classPrior
        let total = Double(annotatedTaskCount) + Double(classCount) * beta
        guard total > 0 else { return [Double](repeating: 1 / Double(classCount), count: classCount) }
        return classCounts.map { ($0 + beta) / total }
    }

    /// Task `task`'s aggregated label, its posterior probability and its number of annotations.
    public func posterior(ofTask task: Int) -> TaskPosterior {
        let probabilities = probabilities(ofTask: task)
        var label = 0
        for truth in 1..<classCount where probabilities[truth] > probabilities[label] { label = truth }
        return TaskPosterior(
            label: label, confidence: probabilities[label], annotationCount: annotationCount(ofTask: task))
    }

    /// Task `task`'s posterior probability of each class; the priors for a task without annotations,
    /// including one beyond `taskCount`.
    public func probabilities(ofTask task: Int) -> [Double] {
        precondition(task >= 0, "task codes are not negative")
        guard annotationCount(ofTask: task) > 0 else { return priors }
        return Array(posteriors[(task * classCount)..<((task + 1) * classCount)])
    }

    /// How many annotations task `task` has.
    public func annotationCount(ofTask task: Int) -> Int {
        task < taskCount ? Int(annotationCounts[task]) : 0
    }

    /// Annotator `annotator`'s estimated confusion: the probability of each answer given each true class.
    public func confusion(ofAnnotator annotator: Int) -> AnnotatorConfusion {
        precondition(annotator >= 0 && annotator < annotatorCount, "no such annotator")
        let alpha = configuration.smoothing.confusion
        let gamma = configuration.smoothing.correctAnswer
        var probabilities = [Double](repeating: 0, count: classCount * classCount)
        for truth in 0..<classCount {
            let total = truthTotals[annotator * classCount + truth] + Double(classCount) * alpha + gamma
            for answer in 0..<classCount {
                let count = answerCounts[(annotator * classCount + answer) * classCount + truth]
                probabilities[truth * classCount + answer] = (count + alpha + (answer == truth ? gamma : 0)) / total
            }
        }
        return AnnotatorConfusion(classCount: classCount, probabilities: probabilities)
    }

    /// Annotator `annotator`'s estimated accuracy: the probability that they answer the true class,
    /// Σ_k p_k · π[k][k].
    public func accuracy(ofAnnotator annotator: Int) -> Double {
        let confusion = confusion(ofAnnotator: annotator)
        var accuracy = 0.0
        for (truth, prior) in priors.enumerated() { accuracy += prior * confusion[truth: truth, answer: truth] }
        return accuracy
    }
}

/// One annotator's estimated answer probabilities: for each true class (row) the probability of each
/// answer (column); every row sums to 1.
public struct AnnotatorConfusion: Sendable, Hashable {
    /// K, the number of classes.
    public let classCount: Int
    /// Row-major: the probability of answering `answer` when the truth is `truth` is at
    /// `truth * classCount + answer`.
    public let probabilities: [Double]

    public init(classCount: Int, probabilities: [Double]) {
        precondition(probabilities.count == classCount * classCount, "a confusion matrix is K × K")
        self.classCount = classCount
        self.probabilities = probabilities
    }

    /// The probability of answering `answer` when the truth is `truth`.
    public subscript(truth truth: Int, answer answer: Int) -> Double {
        probabilities[truth * classCount + answer]
    }
}
