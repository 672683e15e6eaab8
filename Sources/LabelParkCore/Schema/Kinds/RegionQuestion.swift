/// What the region kinds (boxes, polygons) share: they mark an image field with labelled regions in image
/// pixels, and are scored and compared by matching regions of the same label at IoU ≥ the question's
/// `iou_threshold` (``RegionMatching``): precision, recall, F1 (the score) and the mean IoU of the matches.
public protocol RegionQuestion: QuestionType {
    /// The image field the regions mark.
    var field: String { get }
    var labels: [String] { get }
    /// The least IoU at which two regions of the same label match (0 < t ≤ 1; 0.5 by default).
    var iouThreshold: Double { get }

    /// The regions of a stored answer; `nil` when it is not an answer of this kind.
    static func regions(_ value: JSONValue) -> [ImageRegion]?
}

extension RegionQuestion {
    public func check(fields: [Field], path: String) throws(ValidationError) {
        guard let target = fields.first(where: { $0.name == field }) else {
            throw ValidationError(field: "\(path).field", message: "no field named \"\(field)\"")
        }
        guard target.kind == .image else {
            throw ValidationError(field: "\(path).field", message: "\(Self.typeName) need an image field")
        }
    }

    public func isReadable(_ value: JSONValue) -> Bool { Self.regions(value) != nil }

    public func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore? {
        guard let goldRegions = Self.regions(gold) else { return nil }
        guard let answer, let answerRegions = Self.regions(answer) else { return .unanswered }
        let matched = RegionMatching.match(answerRegions, goldRegions, threshold: iouThreshold)
        return QuestionScore(value: matched.f1, detail: .regions(matched))
    }

    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        measureRegions(answers)
    }

    /// Mean pairwise F1 (matching one annotator's regions against another's is symmetric) and the mean IoU of
    /// every matched pair, pooled.
    func measureRegions(_ answers: QuestionAnswers) -> QuestionMeasures {
        var f1Sum = 0.0
        var pooled = RegionMatchScore.none
        var pairs = 0
        for task in answers.byTask {
            let regions = task.map { Self.regions($0.value) ?? [] }
            for first in regions.indices {
                for second in regions.indices where second > first {
                    let matched = RegionMatching.match(regions[first], regions[second], threshold: iouThreshold)
                    f1Sum += matched.f1
                    pooled.add(matched)
                    pairs += 1
                }
            }
        }
        return QuestionMeasures(
            agreement: QuestionAgreement(
                meanPairwiseRegionF1: pairs == 0 ? nil : f1Sum / Double(pairs), meanMatchedIoU: pooled.meanIoU,
                comparedPairs: pairs))
    }

    public func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember] {
        [
            JSONMember("iou_threshold", .double(iouThreshold)),
            JSONMember("mean_pairwise_f1", .measurement(agreement.meanPairwiseRegionF1)),
            JSONMember("mean_matched_iou", .measurement(agreement.meanMatchedIoU)),
            JSONMember("compared_pairs", .integer(agreement.comparedPairs)),
        ]
    }

    public func goldMembers(_ gold: GoldRecord) -> [JSONMember] {
        [JSONMember("regions", gold.regionScores.map { $0.measurementJSON } ?? .null)]
    }

    public var optionAnswers: OptionAnswers? { nil }

    /// The members of a region kind's schema besides its own: field, labels and threshold.
    var regionSchemaMembers: [JSONMember] {
        [
            JSONMember("field", .string(field)), JSONMember("labels", .array(labels.map(JSONValue.string))),
            JSONMember("iou_threshold", .double(iouThreshold)),
        ]
    }
}

/// Reading and checking what region kinds share.
enum RegionJSON {
    /// The field, labels and IoU threshold of a region question's schema.
    static func common(
        _ question: JSONValue, path: String, kind: String
    ) throws(ValidationError) -> (field: String, labels: [String], iouThreshold: Double) {
        guard let field = question["field"]?.stringValue else {
            throw ValidationError(field: "\(path).field", message: "must name the image field the \(kind) mark")
        }
        let labels = try SchemaJSON.options(question["labels"], path: "\(path).labels")
        var threshold = 0.5
        if let json = question["iou_threshold"] {
            guard let value = json.doubleValue, value > 0, value <= 1 else {
                throw ValidationError(field: "\(path).iou_threshold", message: "must be a number above 0 and at most 1")
            }
            threshold = value
        }
        return (field, labels, threshold)
    }

    /// The elements of a region answer, at most `ResultLimits.maxRegions`.
    static func elements(_ answer: JSONValue, path: String, shape: String) throws(ValidationError) -> [JSONValue] {
        guard let elements = answer.arrayValue else {
            throw ValidationError(field: path, message: "must be an array of \(shape)")
        }
        guard elements.count <= ResultLimits.maxRegions else {
            throw ValidationError(field: path, message: "at most \(ResultLimits.maxRegions) regions")
        }
        return elements
    }

    /// Refuses keys other than `allowed`, checks the label and an optional client `id` (a string of at most 64
    /// characters, which editors use to follow a region across edits).
    static func checkMembers(
        _ element: JSONValue, allowed: [String], labels: [String], path: String, shape: String
    ) throws(ValidationError) {
        guard let members = element.objectValue else {
            throw ValidationError(field: path, message: "must be an object \(shape)")
        }
        for member in members where !(allowed + ["label", "id"]).contains(member.key) {
            throw ValidationError(field: "\(path).\(member.key)", message: "unknown key")
        }
        guard let label = element["label"]?.stringValue else {
            throw ValidationError(field: "\(path).label", message: "must be a string")
        }
        guard labels.contains(label) else {
            throw ValidationError(field: "\(path).label", message: "unknown label \"\(label)\"")
        }
        if let id = element["id"], !(id.stringValue.map { (1...64).contains($0.count) } ?? false) {
            throw ValidationError(field: "\(path).id", message: "must be a string of 1 to 64 characters")
        }
    }

    /// A finite number.
    static func number(_ value: JSONValue?, path: String) throws(ValidationError) -> Double {
        guard let number = value?.doubleValue, number.isFinite else {
            throw ValidationError(field: path, message: "must be a finite number")
        }
        return number
    }

    /// Refuses a point outside the image (when its size is known), with a hundredth of a pixel of slack for
    /// rounding in rotated corners.
    static func checkInside(
        _ point: PlanePoint, width: Int?, height: Int?, path: String, what: String
    ) throws(ValidationError) {
        guard let width, let height else { return }
        let slack = 0.01
        guard point.x >= -slack, point.y >= -slack, point.x <= Double(width) + slack,
            point.y <= Double(height) + slack
        else {
            throw ValidationError(
                field: path,
                message: "\(what) (\(point.x), \(point.y)) is outside the \(width) × \(height) image")
        }
    }
}
