/// How an answer's regions match another's: the matched pairs and the IoU they have.
public struct RegionMatchScore: Sendable, Hashable {
    /// Matched pairs: the true positives.
    public var matched: Int
    /// Regions in the answer: true plus false positives.
    public var answerCount: Int
    /// Regions in the gold answer: true positives plus false negatives.
    public var goldCount: Int
    /// The similarity (IoU or OKS) of the matched pairs, summed.
    public var iouSum: Double

    public init(matched: Int, answerCount: Int, goldCount: Int, iouSum: Double) {
        self.matched = matched
        self.answerCount = answerCount
        self.goldCount = goldCount
        self.iouSum = iouSum
    }

    public static let none = RegionMatchScore(matched: 0, answerCount: 0, goldCount: 0, iouSum: 0)

    /// Matched ÷ answer regions; 1 for an answer without regions.
    public var precision: Double { answerCount == 0 ? 1 : Double(matched) / Double(answerCount) }

    /// Matched ÷ gold regions; 1 for gold without regions.
    public var recall: Double { goldCount == 0 ? 1 : Double(matched) / Double(goldCount) }

    /// 2·matched ÷ (answer regions + gold regions); 1 when both are empty.
    public var f1: Double {
        let total = answerCount + goldCount
        return total == 0 ? 1 : Double(2 * matched) / Double(total)
    }

    /// The mean similarity (IoU or OKS) of the matched pairs; `nil` when nothing matched.
    public var meanIoU: Double? { matched == 0 ? nil : iouSum / Double(matched) }

    /// Adds another score's counts to this one's (micro-averaging).
    public mutating func add(_ other: RegionMatchScore) {
        matched += other.matched
        answerCount += other.answerCount
        goldCount += other.goldCount
        iouSum += other.iouSum
    }

    /// The counts and ratios as a quality report shows them, the mean similarity as `mean_iou` or `mean_oks`.
    func measurementJSON(_ similarity: RegionSimilarity) -> JSONValue {
        .object([
            JSONMember("precision", .measurement(precision)), JSONMember("recall", .measurement(recall)),
            JSONMember("f1", .measurement(f1)), JSONMember("mean_\(similarity.rawValue)", .measurement(meanIoU)),
            JSONMember("matched", .integer(matched)), JSONMember("answer_count", .integer(answerCount)),
            JSONMember("gold_count", .integer(goldCount)),
        ])
    }
}

/// How two regions' likeness is measured: intersection over union of their pixels, or COCO's object keypoint
/// similarity.
public enum RegionSimilarity: String, Sendable, Hashable {
    case iou
    case oks
}

/// A region an answer holds: something of one label that can be matched with another of the same label.
public protocol LabelledRegion: Sendable {
    var label: String { get }
}

extension ImageRegion: LabelledRegion {}

/// Matches the regions of an answer with those of a reference answer, as COCOeval matches detections of
/// equal score.
///
/// The answer's regions are taken in their order; each takes, among the reference regions of its label not yet
/// taken, the one it is most similar to (IoU for shapes, OKS for keypoints), when that similarity is at least
/// the threshold (of equal ones, the last, as COCOeval's loop keeps it). People's regions carry no confidence,
/// so COCO's order by descending score is the order they were drawn in; the CI reference check holds this
/// against pycocotools.
public enum RegionMatching {
    /// Matches shapes by IoU.
    public static func match(
        _ answer: [ImageRegion], _ reference: [ImageRegion], threshold: Double
    ) -> RegionMatchScore {
        match(answer, reference, threshold: threshold) { $0.iou(with: $1) }
    }

    /// Matches regions by `similarity(answerRegion, referenceRegion)`, a value from 0 to 1.
    public static func match<Region: LabelledRegion>(
        _ answer: [Region], _ reference: [Region], threshold: Double,
        similarity: (_ answer: Region, _ reference: Region) -> Double
    ) -> RegionMatchScore {
        var referenceTaken = [Bool](repeating: false, count: reference.count)
        var score = RegionMatchScore(matched: 0, answerCount: answer.count, goldCount: reference.count, iouSum: 0)
        for region in answer {
            var best = -1
            var bestSimilarity = threshold
            for (index, other) in reference.enumerated() where !referenceTaken[index] && other.label == region.label {
                let value = similarity(region, other)
                if value > 0 && value >= bestSimilarity {
                    best = index
                    bestSimilarity = value
                }
            }
            guard best >= 0 else { continue }
            referenceTaken[best] = true
            score.matched += 1
            score.iouSum += bestSimilarity
        }
        return score
    }
}
