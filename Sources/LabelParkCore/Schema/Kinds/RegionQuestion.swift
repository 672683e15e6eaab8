/// What the region kinds (boxes, polygons, masks, keypoints) share: they mark an image field with labelled
/// regions in image pixels, and are scored and compared by matching regions of the same label whose similarity
/// (IoU, or OKS for keypoints) is at least the question's threshold (``RegionMatching``): precision, recall, F1
/// (the score) and the mean similarity of the matches.
public protocol RegionQuestion: QuestionType {
    /// What one region of an answer is read as.
    associatedtype Region: LabelledRegion

    /// The image field the regions mark.
    var field: String { get }
    var labels: [String] { get }
    /// The least similarity at which two regions of the same label match (0 < t ≤ 1; 0.5 by default).
    var matchThreshold: Double { get }
    /// How the kind measures two regions' likeness.
    static var similarity: RegionSimilarity { get }

    /// The regions of a stored answer; `nil` when it is not an answer of this kind.
    static func regions(_ value: JSONValue) -> [Region]?
    /// How alike an answer's region is to a reference region of the same label, from 0 to 1.
    func similarity(_ answer: Region, _ reference: Region) -> Double
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

    /// Matches an answer's regions with a reference's at this question's threshold.
    func match(_ answer: [Region], _ reference: [Region]) -> RegionMatchScore {
        RegionMatching.match(answer, reference, threshold: matchThreshold, similarity: similarity)
    }

    public func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore? {
        guard let goldRegions = Self.regions(gold) else { return nil }
        guard let answer, let answerRegions = Self.regions(answer) else { return .unanswered }
        let matched = match(answerRegions, goldRegions)
        return QuestionScore(value: matched.f1, detail: .regions(matched, similarity: Self.similarity))
    }

    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        measureRegions(answers)
    }

    /// Mean pairwise F1 and the mean similarity of every matched pair, pooled. Each pair matches the earlier
    /// annotator's regions against the later one's (IoU is symmetric; OKS takes the later one's as the
    /// reference).
    func measureRegions(_ answers: QuestionAnswers) -> QuestionMeasures {
        var f1Sum = 0.0
        var pooled = RegionMatchScore.none
        var pairs = 0
        for task in answers.byTask {
            let regions = task.map { Self.regions($0.value) ?? [] }
            for first in regions.indices {
                for second in regions.indices where second > first {
                    let matched = match(regions[first], regions[second])
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

    /// Each annotator's weight in a crowd answer, from their record on this question's gold: (2·matched + 1) ÷
    /// (their regions + gold regions + 2), so an annotator without gold weighs ½ and one who matches every gold
    /// region nearly 1.
    func goldWeights(_ answers: QuestionAnswers) -> [Int64: Double] {
        var goldRecords: [Int64: RegionMatchScore] = [:]
        for answer in answers.answers {
            guard let gold = answers.gold[answer.taskID].flatMap(Self.regions),
                let regions = Self.regions(answer.value)
            else { continue }
            goldRecords[answer.annotatorID, default: .none].add(match(regions, gold))
        }
        return goldRecords.mapValues { record in
            Double(2 * record.matched + 1) / Double(record.answerCount + record.goldCount + 2)
        }
    }

    public func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember] {
        [
            JSONMember("\(Self.similarity.rawValue)_threshold", .double(matchThreshold)),
            JSONMember("mean_pairwise_f1", .measurement(agreement.meanPairwiseRegionF1)),
            JSONMember("mean_matched_\(Self.similarity.rawValue)", .measurement(agreement.meanMatchedIoU)),
            JSONMember("compared_pairs", .integer(agreement.comparedPairs)),
        ]
    }

    public func goldMembers(_ gold: GoldRecord) -> [JSONMember] {
        [JSONMember("regions", gold.regionScores.map { $0.measurementJSON(Self.similarity) } ?? .null)]
    }

    public var optionAnswers: OptionAnswers? { nil }

    /// The members of a region kind's schema besides its own: field, labels and threshold.
    var regionSchemaMembers: [JSONMember] {
        [
            JSONMember("field", .string(field)), JSONMember("labels", .array(labels.map(JSONValue.string))),
            JSONMember("\(Self.similarity.rawValue)_threshold", .double(matchThreshold)),
        ]
    }
}

extension RegionQuestion where Region == ImageRegion {
    /// Shapes match by the exact IoU of their outlines.
    public static var similarity: RegionSimilarity { .iou }

    public func similarity(_ answer: ImageRegion, _ reference: ImageRegion) -> Double { answer.iou(with: reference) }
}

/// Reading and checking what region kinds share.
enum RegionJSON {
    /// The field, labels and match threshold (`iou_threshold`, or `oks_threshold` for keypoints) of a region
    /// question's schema.
    static func common(
        _ question: JSONValue, path: String, kind: String, threshold key: String = "iou_threshold"
    ) throws(ValidationError) -> (field: String, labels: [String], threshold: Double) {
        guard let field = question["field"]?.stringValue else {
            throw ValidationError(field: "\(path).field", message: "must name the image field the \(kind) mark")
        }
        let labels = try SchemaJSON.options(question["labels"], path: "\(path).labels")
        var threshold = 0.5
        if let json = question[key] {
            guard let value = json.doubleValue, value > 0, value <= 1 else {
                throw ValidationError(field: "\(path).\(key)", message: "must be a number above 0 and at most 1")
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
