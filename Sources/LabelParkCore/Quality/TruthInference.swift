// Truth inference: estimating each task's true answer to one choice question from several annotators'
// answers. The inputs are integer-coded: classes (the question's options) 0..<K, tasks 0..<T and
// annotators 0..<A. `OptionCoding` and `DenseIndex` turn the store's strings and ids into those codes.

/// One annotator's answer to one choice question on one task, as dense codes.
public struct LabelObservation: Sendable, Hashable {
    /// The task's code, 0..<taskCount.
    public var task: Int
    /// The annotator's code, 0..<annotatorCount.
    public var annotator: Int
    /// The chosen option's code, 0..<classCount.
    public var label: Int

    public init(task: Int, annotator: Int, label: Int) {
        self.task = task
        self.annotator = annotator
        self.label = label
    }
}

/// Why observations could not be used.
public enum TruthInferenceError: Error, Sendable, Hashable {
    /// A question needs at least one class, and at most `Int32.max`.
    case classCountOutOfRange(Int)
    /// The task count is negative.
    case taskCountOutOfRange(Int)
    /// The annotator count is negative or above `Int32.max`.
    case annotatorCountOutOfRange(Int)
    /// A task code is negative or not below the declared task count.
    case taskOutOfRange(task: Int, taskCount: Int)
    /// An annotator code is negative or not below the declared annotator count.
    case annotatorOutOfRange(annotator: Int, annotatorCount: Int)
    /// A label code is negative or not below the class count.
    case labelOutOfRange(label: Int, classCount: Int)
}

/// The answers of many annotators to one choice question, grouped by task in flat arrays.
///
/// The layout is compressed sparse rows: the annotations of task `t` sit at positions
/// `annotationRange(ofTask: t)`, in the order they were given. Tasks may have any number of annotations,
/// none included, and annotators may answer any number of tasks. Each annotator should answer a task at
/// most once (pass the latest revision); a repeated answer counts as a second, independent annotation.
public struct LabelObservations: Sendable {
    /// K, the number of options of the question.
    public let classCount: Int
    /// T, the number of tasks; tasks without annotations are allowed.
    public let taskCount: Int
    /// A, the number of annotators; annotators without annotations are allowed.
    public let annotatorCount: Int
    /// Positions of task t's annotations are `taskOffsets[t]..<taskOffsets[t + 1]`.
    let taskOffsets: [Int]
    let annotatorCodes: [Int32]
    let labelCodes: [Int32]

    /// Groups `observations` by task (keeping their order within a task) after checking every code.
    public init(
        classCount: Int, taskCount: Int, annotatorCount: Int, observations: [LabelObservation]
    ) throws(TruthInferenceError) {
        guard classCount >= 1, classCount <= Int(Int32.max) else {
            throw .classCountOutOfRange(classCount)
        }
        guard annotatorCount >= 0, annotatorCount <= Int(Int32.max) else {
            throw .annotatorCountOutOfRange(annotatorCount)
        }
        guard taskCount >= 0 else { throw .taskCountOutOfRange(taskCount) }
        // A counting sort by task: one pass to count and check, one to place.
        var offsets = [Int](repeating: 0, count: taskCount + 1)
        for observation in observations {
            guard observation.task >= 0, observation.task < taskCount else {
                throw .taskOutOfRange(task: observation.task, taskCount: taskCount)
            }
            guard observation.annotator >= 0, observation.annotator < annotatorCount else {
                throw .annotatorOutOfRange(annotator: observation.annotator, annotatorCount: annotatorCount)
            }
            guard observation.label >= 0, observation.label < classCount else {
                throw .labelOutOfRange(label: observation.label, classCount: classCount)
            }
            offsets[observation.task + 1] += 1
        }
        for task in 0..<taskCount { offsets[task + 1] += offsets[task] }
        var next = offsets
        var annotators = [Int32](repeating: 0, count: observations.count)
        var labels = [Int32](repeating: 0, count: observations.count)
        for observation in observations {
            let position = next[observation.task]
            next[observation.task] = position + 1
            annotators[position] = Int32(truncatingIfNeeded: observation.annotator)
            labels[position] = Int32(truncatingIfNeeded: observation.label)
        }
        self.init(
            classCount: classCount, taskCount: taskCount, annotatorCount: annotatorCount, taskOffsets: offsets,
            annotatorCodes: annotators, labelCodes: labels)
    }

    /// Observations already grouped by task and checked.
    init(
        classCount: Int, taskCount: Int, annotatorCount: Int, taskOffsets: [Int], annotatorCodes: [Int32],
        labelCodes: [Int32]
    ) {
        self.classCount = classCount
        self.taskCount = taskCount
        self.annotatorCount = annotatorCount
        self.taskOffsets = taskOffsets
        self.annotatorCodes = annotatorCodes
        self.labelCodes = labelCodes
    }

    /// The number of annotations of all tasks.
    public var count: Int { labelCodes.count }

    /// The positions of task `task`'s annotations, for `annotator(at:)` and `label(at:)`.
    public func annotationRange(ofTask task: Int) -> Range<Int> { taskOffsets[task]..<taskOffsets[task + 1] }

    /// The annotator who gave the annotation at `position`.
    public func annotator(at position: Int) -> Int { Int(annotatorCodes[position]) }

    /// The label of the annotation at `position`.
    public func label(at position: Int) -> Int { Int(labelCodes[position]) }
}

/// The aggregated answer of one task and how sure the method is of it.
public struct TaskPosterior: Sendable, Hashable {
    /// The aggregated label's code: the most probable class (the most voted one for majority vote), the
    /// lowest code among equals.
    public var label: Int
    /// The probability of `label` under the method, in [0, 1]: the posterior for Dawid-Skene, the share of
    /// votes for majority vote.
    public var confidence: Double
    /// How many annotations the estimate rests on.
    public var annotationCount: Int

    public init(label: Int, confidence: Double, annotationCount: Int) {
        self.label = label
        self.confidence = confidence
        self.annotationCount = annotationCount
    }
}

/// Integer codes for the options of a choice or multi-choice question, in the order the schema lists them.
public struct OptionCoding: Sendable, Hashable {
    /// The options; an option's code is its index here.
    public let options: [String]
    private let codes: [String: Int]

    /// Codes `options` 0, 1, 2, … in order; a repeated option keeps its first code.
    public init(options: [String]) {
        self.options = options
        var codes: [String: Int] = [:]
        for (code, option) in options.enumerated() where codes[option] == nil { codes[option] = code }
        self.codes = codes
    }

    /// The coding of a choice or multi-choice question's options; `nil` for other kinds of question.
    public init?(question: Question) {
        guard let coding = question.kind.optionCoding else { return nil }
        self = coding
    }

    /// K, the number of classes.
    public var classCount: Int { options.count }

    /// The code of `option`, or `nil` if the question has no such option.
    public func code(of option: String) -> Int? { codes[option] }

    /// The option coded `code`.
    public func option(coded code: Int) -> String { options[code] }
}

/// Dense codes 0..<count for sparse ids (task or user ids), in the order the ids were first inserted.
///
/// Feed ids in a deterministic order (for instance sorted) so that codes, and every result that depends
/// on their order, are reproducible.
public struct DenseIndex<ID: Hashable & Sendable>: Sendable {
    /// The ids; an id's code is its index here.
    public private(set) var ids: [ID] = []
    private var codes: [ID: Int] = [:]

    /// An empty index.
    public init() {}

    /// An index coding `ids` in order of first appearance; repeats keep their first code.
    public init(_ ids: some Sequence<ID>) {
        for id in ids { insert(id) }
    }

    /// The number of distinct ids.
    public var count: Int { ids.count }

    /// The code of `id`, giving it the next code if it is new.
    @discardableResult
    public mutating func insert(_ id: ID) -> Int {
        if let code = codes[id] { return code }
        let code = ids.count
        ids.append(id)
        codes[id] = code
        return code
    }

    /// The code of `id`, or `nil` if it was never inserted.
    public func code(of id: ID) -> Int? { codes[id] }

    /// The id coded `code`.
    public func id(coded code: Int) -> ID { ids[code] }
}

/// One annotator's selection on a multi-choice question: the codes of the options they ticked.
public struct MultiChoiceObservation: Sendable, Hashable {
    /// The task's code, 0..<taskCount.
    public var task: Int
    /// The annotator's code, 0..<annotatorCount.
    public var annotator: Int
    /// Option codes, 0..<optionCount; order and repeats do not matter.
    public var selected: [Int]

    public init(task: Int, annotator: Int, selected: [Int]) {
        self.task = task
        self.annotator = annotator
        self.selected = selected
    }
}

extension LabelObservations {
    /// Turns a multi-choice question into one yes/no question per option: label 1 if the annotator
    /// ticked the option, 0 if they answered the task without ticking it.
    ///
    /// Element `o` of the result holds option `o`'s observations, with two classes. Aggregating each on its
    /// own treats the options as independent, which is what crowd-kit's binary-relevance wrapper does.
    public static func perOption(
        optionCount: Int, taskCount: Int, annotatorCount: Int, answers: [MultiChoiceObservation]
    ) throws(TruthInferenceError) -> [LabelObservations] {
        guard optionCount >= 0 else { throw .classCountOutOfRange(optionCount) }
        var ticked = [Bool](repeating: false, count: optionCount)
        var perOption = [[LabelObservation]](repeating: [], count: optionCount)
        for option in 0..<optionCount { perOption[option].reserveCapacity(answers.count) }
        for answer in answers {
            for option in answer.selected {
                guard option >= 0, option < optionCount else {
                    throw .labelOutOfRange(label: option, classCount: optionCount)
                }
                ticked[option] = true
            }
            for option in 0..<optionCount {
                perOption[option].append(
                    LabelObservation(task: answer.task, annotator: answer.annotator, label: ticked[option] ? 1 : 0))
                ticked[option] = false
            }
        }
        var result: [LabelObservations] = []
        result.reserveCapacity(optionCount)
        for observations in perOption {
            result.append(
                try LabelObservations(
                    classCount: 2, taskCount: taskCount, annotatorCount: annotatorCount, observations: observations))
        }
        return result
    }
}
