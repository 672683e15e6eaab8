/// Labelled rectangles on the image field `field`: `[{x, y, width, height, rotation?, label, id?}]` in image
/// pixels, the top-left corner before rotation; `rotation` (degrees, clockwise about the centre) only when the
/// schema allows it.
public struct BoxesQuestion: RegionQuestion {
    public static let typeName = "boxes"
    public static let schemaKeys = ["field", "labels", "rotation", "iou_threshold"]

    public var field: String
    public var labels: [String]
    public var allowsRotation: Bool
    public var iouThreshold: Double

    public init(field: String, labels: [String], allowsRotation: Bool = false, iouThreshold: Double = 0.5) {
        self.field = field
        self.labels = labels
        self.allowsRotation = allowsRotation
        self.iouThreshold = iouThreshold
    }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        (field, labels, iouThreshold) = try RegionJSON.common(question, path: path, kind: "boxes")
        allowsRotation = false
        if let rotation = question["rotation"] {
            guard let flag = rotation.boolValue else {
                throw ValidationError(field: "\(path).rotation", message: "must be true or false")
            }
            allowsRotation = flag
        }
    }

    public var schemaMembers: [JSONMember] {
        regionSchemaMembers + [JSONMember("rotation", .bool(allowsRotation))]
    }

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        let image = context.media[field]
        let keys = ["x", "y", "width", "height"] + (allowsRotation ? ["rotation"] : [])
        for (index, element) in try RegionJSON.elements(answer, path: path, shape: "boxes").enumerated() {
            let boxPath = "\(path)[\(index)]"
            try RegionJSON.checkMembers(
                element, allowed: keys, labels: labels, path: boxPath, shape: "{x, y, width, height, label}")
            let x = try RegionJSON.number(element["x"], path: "\(boxPath).x")
            let y = try RegionJSON.number(element["y"], path: "\(boxPath).y")
            let width = try RegionJSON.number(element["width"], path: "\(boxPath).width")
            let height = try RegionJSON.number(element["height"], path: "\(boxPath).height")
            guard width > 0 else { throw ValidationError(field: "\(boxPath).width", message: "must be positive") }
            guard height > 0 else { throw ValidationError(field: "\(boxPath).height", message: "must be positive") }
            var rotation = 0.0
            if element["rotation"] != nil {
                rotation = try RegionJSON.number(element["rotation"], path: "\(boxPath).rotation")
                guard (-360...360).contains(rotation) else {
                    throw ValidationError(field: "\(boxPath).rotation", message: "must be from -360 to 360 degrees")
                }
            }
            let region = ImageRegion.box(x: x, y: y, width: width, height: height, rotation: rotation, label: "")
            for corner in region.outline {
                try RegionJSON.checkInside(
                    corner, width: image?.width, height: image?.height, path: boxPath, what: "the corner")
            }
        }
    }

    public var matchThreshold: Double { iouThreshold }

    /// The region agreement of every region kind, and the crowd's boxes per task by weighted boxes fusion,
    /// each annotator weighted by their record on this question's gold (``RegionQuestion/goldWeights(_:)``).
    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        var measures = measureRegions(answers)
        let weights = goldWeights(answers)
        var fused: [AggregatedBoxes] = []
        for (taskID, task) in zip(answers.taskIDs, answers.byTask) {
            let weighted = task.map { answer in
                WeightedBoxes(
                    annotatorID: answer.annotatorID, weight: weights[answer.annotatorID] ?? 0.5,
                    boxes: Self.regions(answer.value) ?? [])
            }
            fused.append(AggregatedBoxes(taskID: taskID, boxes: BoxFusion.fuse(weighted, iouThreshold: iouThreshold)))
        }
        measures.aggregation = .boxes(fused)
        return measures
    }

    public static func regions(_ value: JSONValue) -> [ImageRegion]? {
        guard let elements = value.arrayValue else { return nil }
        var regions: [ImageRegion] = []
        regions.reserveCapacity(elements.count)
        for element in elements {
            guard let x = element["x"]?.doubleValue, let y = element["y"]?.doubleValue,
                let width = element["width"]?.doubleValue, let height = element["height"]?.doubleValue,
                let label = element["label"]?.stringValue
            else { return nil }
            regions.append(
                .box(
                    x: x, y: y, width: width, height: height, rotation: element["rotation"]?.doubleValue ?? 0,
                    label: label))
        }
        return regions
    }
}

extension QuestionKind {
    /// Labelled rectangles on the image field `field`.
    public static func boxes(
        field: String, labels: [String], allowsRotation: Bool = false, iouThreshold: Double = 0.5
    ) -> QuestionKind {
        QuestionKind(
            BoxesQuestion(field: field, labels: labels, allowsRotation: allowsRotation, iouThreshold: iouThreshold))
    }
}
