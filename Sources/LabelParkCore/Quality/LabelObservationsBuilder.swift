/// Builds `LabelObservations` one task at a time, for a reader that already meets the annotations grouped
/// by task (an export's first pass): no intermediate list of observations, no sort.
///
/// The memory is that of the result, 8 bytes per annotation plus 8 per task, where collecting
/// `LabelObservation`s first would take 24 more bytes per annotation.
public struct LabelObservationsBuilder: Sendable {
    /// K, the number of options of the question.
    public let classCount: Int
    private var taskOffsets: [Int] = [0]
    private var annotatorCodes: [Int32] = []
    private var labelCodes: [Int32] = []
    private var highestAnnotator = -1

    /// An empty builder for a question with `classCount` options.
    public init(classCount: Int) throws(TruthInferenceError) {
        guard classCount >= 1, classCount <= Int(Int32.max) else { throw .classCountOutOfRange(classCount) }
        self.classCount = classCount
    }

    /// The tasks finished so far; the open task, if it has annotations, is not counted until finished.
    public var taskCount: Int { taskOffsets.count - 1 }

    /// The annotations appended so far, the open task's included.
    public var count: Int { labelCodes.count }

    /// Adds one annotation to the open task, the one that `finishTask()` will close as code `taskCount`.
    public mutating func append(annotator: Int, label: Int) throws(TruthInferenceError) {
        guard annotator >= 0, annotator < Int(Int32.max) else {
            throw .annotatorOutOfRange(annotator: annotator, annotatorCount: Int(Int32.max))
        }
        guard label >= 0, label < classCount else { throw .labelOutOfRange(label: label, classCount: classCount) }
        annotatorCodes.append(Int32(truncatingIfNeeded: annotator))
        labelCodes.append(Int32(truncatingIfNeeded: label))
        highestAnnotator = max(highestAnnotator, annotator)
    }

    /// Closes the open task, with whatever annotations it has (none included), and opens the next.
    public mutating func finishTask() {
        taskOffsets.append(labelCodes.count)
    }

    /// The observations of the finished tasks and, if it has annotations, the open one.
    ///
    /// `annotatorCount` defaults to one more than the highest annotator code appended; a larger count
    /// declares annotators without annotations, a smaller one is an error.
    public func build(annotatorCount: Int? = nil) throws(TruthInferenceError) -> LabelObservations {
        let annotatorCount = annotatorCount ?? (highestAnnotator + 1)
        guard annotatorCount >= 0, annotatorCount <= Int(Int32.max) else {
            throw .annotatorCountOutOfRange(annotatorCount)
        }
        guard highestAnnotator < annotatorCount else {
            throw .annotatorOutOfRange(annotator: highestAnnotator, annotatorCount: annotatorCount)
        }
        var offsets = taskOffsets
        if offsets.last! < labelCodes.count { offsets.append(labelCodes.count) }
        return LabelObservations(
            classCount: classCount, taskCount: offsets.count - 1, annotatorCount: annotatorCount,
            taskOffsets: offsets, annotatorCodes: annotatorCodes, labelCodes: labelCodes)
    }
}
