/// Labelled pixel masks on the image field `field`: `[{rle: {size: [height, width], counts}, label, id?}]`, each
/// a COCO compressed run-length encoding over the whole image (``RunLengthMask``), so pycocotools reads it as
/// is. Masks match by the exact IoU of their pixels; the crowd's answer per task is a pixel-wise vote per label.
public struct MasksQuestion: RegionQuestion {
    public static let typeName = "masks"
    public static let schemaKeys = ["field", "labels", "iou_threshold"]
    /// Characters of one mask's counts: a mask with this many runs is noise, not an object.
    public static let maxCountsLength = 1_000_000

    public var field: String
    public var labels: [String]
    public var iouThreshold: Double

    public init(field: String, labels: [String], iouThreshold: Double = 0.5) {
        self.field = field
        self.labels = labels
        self.iouThreshold = iouThreshold
    }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        (field, labels, iouThreshold) = try RegionJSON.common(question, path: path, kind: "masks")
    }

    public var matchThreshold: Double { iouThreshold }

    public static var similarity: RegionSimilarity { .iou }

    public var schemaMembers: [JSONMember] { regionSchemaMembers }

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        let image = context.media[field]
        for (index, element) in try RegionJSON.elements(answer, path: path, shape: "masks").enumerated() {
            let maskPath = "\(path)[\(index)]"
            try RegionJSON.checkMembers(
                element, allowed: ["rle"], labels: labels, path: maskPath, shape: "{rle, label}")
            let rlePath = "\(maskPath).rle"
            guard let rle = element["rle"]?.objectValue else {
                throw ValidationError(field: rlePath, message: "must be an object {size: [height, width], counts}")
            }
            for member in rle where member.key != "size" && member.key != "counts" {
                throw ValidationError(field: "\(rlePath).\(member.key)", message: "unknown key")
            }
            guard let size = element["rle"]?["size"]?.arrayValue, size.count == 2,
                let height = size[0].intValue, let width = size[1].intValue,
                (1...RunLengthMask.maxSide).contains(height), (1...RunLengthMask.maxSide).contains(width)
            else {
                throw ValidationError(
                    field: "\(rlePath).size",
                    message: "must be [height, width], whole numbers from 1 to \(RunLengthMask.maxSide)")
            }
            if let imageWidth = image?.width, let imageHeight = image?.height,
                imageWidth != width || imageHeight != height
            {
                throw ValidationError(
                    field: "\(rlePath).size",
                    message: "is [\(height), \(width)], the image is [\(imageHeight), \(imageWidth)] (height, width)")
            }
            guard let counts = element["rle"]?["counts"]?.stringValue else {
                throw ValidationError(field: "\(rlePath).counts", message: "must be COCO's compressed counts string")
            }
            guard counts.utf8.count <= Self.maxCountsLength else {
                throw ValidationError(
                    field: "\(rlePath).counts", message: "is longer than \(Self.maxCountsLength) characters")
            }
            let mask: RunLengthMask
            do {
                mask = try RunLengthMask(height: height, width: width, compressedCounts: counts)
            } catch {
                throw ValidationError(field: "\(rlePath).counts", message: error.description)
            }
            guard !mask.intervals.isEmpty else {
                throw ValidationError(field: "\(rlePath).counts", message: "covers no pixel")
            }
        }
    }

    public static func regions(_ value: JSONValue) -> [LabelledMask]? {
        guard let elements = value.arrayValue else { return nil }
        var masks: [LabelledMask] = []
        masks.reserveCapacity(elements.count)
        for element in elements {
            guard let label = element["label"]?.stringValue, let size = element["rle"]?["size"]?.arrayValue,
                size.count == 2, let height = size[0].intValue, let width = size[1].intValue,
                let counts = element["rle"]?["counts"]?.stringValue,
                let mask = try? RunLengthMask(height: height, width: width, compressedCounts: counts)
            else { return nil }
            masks.append(LabelledMask(label: label, mask: mask))
        }
        return masks
    }

    public func similarity(_ answer: LabelledMask, _ reference: LabelledMask) -> Double {
        answer.mask.iou(with: reference.mask)
    }

    /// The region agreement of every region kind, and per task and label the crowd's mask: each annotator's
    /// masks of the label, merged, vote pixel by pixel, weighted by their record on this question's gold
    /// (``RegionQuestion/goldWeights(_:)``); an annotator without a mask of the label votes against every pixel.
    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        var measures = measureRegions(answers)
        let weights = goldWeights(answers)
        var voted: [AggregatedMasks] = []
        for (taskID, task) in zip(answers.taskIDs, answers.byTask) {
            let answered = task.map { (weight: weights[$0.annotatorID] ?? 0.5, masks: Self.regions($0.value) ?? []) }
            guard let size = answered.lazy.flatMap(\.masks).first?.mask else { continue }
            var masks: [VotedMask] = []
            for label in labels {
                var voters: [(mask: RunLengthMask, weight: Double)] = []
                var support = 0
                for answer in answered {
                    let own = answer.masks.filter { $0.label == label }.map(\.mask)
                    if !own.isEmpty { support += 1 }
                    let merged =
                        RunLengthMask.union(own)
                        ?? RunLengthMask(height: size.height, width: size.width, intervals: [])
                    voters.append((merged, answer.weight))
                }
                guard support > 0, let mask = RunLengthMask.vote(voters), !mask.intervals.isEmpty else { continue }
                masks.append(VotedMask(label: label, mask: mask, support: support, voters: voters.count))
            }
            voted.append(AggregatedMasks(taskID: taskID, masks: masks))
        }
        measures.aggregation = .masks(voted)
        return measures
    }
}

/// One mask of an answer with its label.
public struct LabelledMask: LabelledRegion, Hashable {
    public var label: String
    public var mask: RunLengthMask

    public init(label: String, mask: RunLengthMask) {
        self.label = label
        self.mask = mask
    }
}

/// The crowd's mask of one label on one task.
public struct VotedMask: Sendable, Hashable {
    public var label: String
    public var mask: RunLengthMask
    /// Annotators who drew some of the label.
    public var support: Int
    /// Annotators who answered the task.
    public var voters: Int
}

/// The crowd's masks on one task.
public struct AggregatedMasks: Sendable, Hashable {
    public var taskID: Int64
    public var masks: [VotedMask]
}

extension QuestionKind {
    /// Labelled pixel masks on the image field `field`.
    public static func masks(field: String, labels: [String], iouThreshold: Double = 0.5) -> QuestionKind {
        QuestionKind(MasksQuestion(field: field, labels: labels, iouThreshold: iouThreshold))
    }
}
