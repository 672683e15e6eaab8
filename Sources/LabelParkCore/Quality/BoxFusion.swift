/// One annotator's boxes on a task, with the weight their answers get.
public struct WeightedBoxes: Sendable, Hashable {
    public var annotatorID: Int64
    /// The annotator's estimated reliability, above 0.
    public var weight: Double
    public var boxes: [ImageRegion]

    public init(annotatorID: Int64, weight: Double, boxes: [ImageRegion]) {
        self.annotatorID = annotatorID
        self.weight = weight
        self.boxes = boxes
    }
}

/// A box the crowd agrees on: the weighted mean of a cluster of annotators' boxes.
public struct FusedBox: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public var label: String
    /// The share of the task's annotators whose boxes are in the cluster.
    public var agreement: Double
    /// Weighted boxes fusion's confidence: the cluster's mean weight, scaled down when fewer annotators than
    /// answered put a box there (as ensemble-boxes computes it with `conf_type="avg"`).
    public var confidence: Double
    /// The boxes fused.
    public var support: Int
}

/// Weighted boxes fusion (Solovyev et al., 2021; the `ensemble-boxes` package): the crowd's boxes on a task.
///
/// Boxes of one label are taken by descending weight; each joins the cluster whose fused box it overlaps most
/// when that IoU is above the threshold, else starts a cluster; a cluster's box is the weight-averaged corners
/// of its members. Only upright boxes are fused: a rotated box is fused by its outline's bounding rectangle.
/// Ties in weight keep the annotators' order, then each annotator's box order (ensemble-boxes sorts with numpy's
/// default, unstable sort; its reference check in CI uses distinct weights).
public enum BoxFusion {
    public static func fuse(_ answers: [WeightedBoxes], iouThreshold: Double) -> [FusedBox] {
        let annotators = answers.count
        guard annotators > 0 else { return [] }
        let weightSum = answers.reduce(0) { $0 + $1.weight }
        var entries: [(weight: Double, annotator: Int, order: Int, bounds: Bounds, label: String)] = []
        for (annotator, answer) in answers.enumerated() {
            for (order, box) in answer.boxes.enumerated() {
                entries.append((answer.weight, annotator, order, box.bounds, box.label))
            }
        }
        entries.sort {
            $0.weight != $1.weight ? $0.weight > $1.weight : ($0.annotator, $0.order) < ($1.annotator, $1.order)
        }
        var fused: [FusedBox] = []
        for label in orderedLabels(entries.map(\.label)) {
            var clusters: [(members: [(weight: Double, annotator: Int, bounds: Bounds)], box: Bounds)] = []
            for entry in entries where entry.label == label {
                var best = -1
                var bestIoU = iouThreshold
                for (index, cluster) in clusters.enumerated() {
                    let iou = Self.iou(cluster.box, entry.bounds)
                    if iou > bestIoU {
                        best = index
                        bestIoU = iou
                    }
                }
                if best >= 0 {
                    clusters[best].members.append((entry.weight, entry.annotator, entry.bounds))
                    clusters[best].box = weightedMean(clusters[best].members)
                } else {
                    clusters.append(([(entry.weight, entry.annotator, entry.bounds)], entry.bounds))
                }
            }
            for cluster in clusters {
                let memberWeight = cluster.members.reduce(0) { $0 + $1.weight }
                let mean = memberWeight / Double(cluster.members.count)
                let agreeing = Set(cluster.members.map(\.annotator)).count
                fused.append(
                    FusedBox(
                        x: cluster.box.minX, y: cluster.box.minY, width: cluster.box.maxX - cluster.box.minX,
                        height: cluster.box.maxY - cluster.box.minY, label: label,
                        agreement: Double(agreeing) / Double(annotators),
                        confidence: weightSum > 0
                            ? mean * Double(min(annotators, cluster.members.count)) / weightSum : 0,
                        support: cluster.members.count))
            }
        }
        return fused
    }

    /// The labels in order of first appearance.
    private static func orderedLabels(_ labels: [String]) -> [String] {
        var seen = Set<String>()
        return labels.filter { seen.insert($0).inserted }
    }

    private static func weightedMean(_ members: [(weight: Double, annotator: Int, bounds: Bounds)]) -> Bounds {
        let total = members.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return members.first?.bounds ?? Bounds([]) }
        var mean = Bounds([])
        mean.minX = members.reduce(0) { $0 + $1.weight * $1.bounds.minX } / total
        mean.minY = members.reduce(0) { $0 + $1.weight * $1.bounds.minY } / total
        mean.maxX = members.reduce(0) { $0 + $1.weight * $1.bounds.maxX } / total
        mean.maxY = members.reduce(0) { $0 + $1.weight * $1.bounds.maxY } / total
        return mean
    }

    static func iou(_ a: Bounds, _ b: Bounds) -> Double {
        let width = min(a.maxX, b.maxX) - max(a.minX, b.minX)
        let height = min(a.maxY, b.maxY) - max(a.minY, b.minY)
        guard width > 0, height > 0 else { return 0 }
        let shared = width * height
        let union = (a.maxX - a.minX) * (a.maxY - a.minY) + (b.maxX - b.minX) * (b.maxY - b.minY) - shared
        return union > 0 ? shared / union : 0
    }
}
