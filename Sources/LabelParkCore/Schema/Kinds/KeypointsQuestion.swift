import Foundation

/// Labelled keypoint instances on the image field `field`, each a set of named points of the schema's
/// skeleton: `[{points: {name: [x, y, v]}, label, id?}]` in image pixels, `v` as COCO writes it (2 visible,
/// 1 placed but occluded, 0 not placed; a point not placed may also be left out). Instances match by COCO's
/// object keypoint similarity (OKS) at `oks_threshold`.
public struct KeypointsQuestion: RegionQuestion {
    public static let typeName = "keypoints"
    public static let schemaKeys = ["field", "labels", "points", "skeleton", "sigmas", "oks_threshold"]
    /// Points of one skeleton.
    public static let maxPoints = 100
    /// Every point's OKS constant when the schema gives none: about COCO's for a wrist or an elbow.
    public static let defaultSigma = 0.06

    public var field: String
    public var labels: [String]
    /// The skeleton's point names, in the order an instance is placed and COCO lists them.
    public var points: [String]
    /// Pairs of indices into `points` joined by a line.
    public var skeleton: [[Int]]
    /// Per point, COCO's per-keypoint constant σ: how far a placement may stray relative to the object's size.
    public var sigmas: [Double]
    public var oksThreshold: Double

    public init(
        field: String, labels: [String], points: [String], skeleton: [[Int]] = [], sigmas: [Double]? = nil,
        oksThreshold: Double = 0.5
    ) {
        self.field = field
        self.labels = labels
        self.points = points
        self.skeleton = skeleton
        self.sigmas = sigmas ?? Array(repeating: Self.defaultSigma, count: points.count)
        self.oksThreshold = oksThreshold
    }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        (field, labels, oksThreshold) = try RegionJSON.common(
            question, path: path, kind: "keypoints", threshold: "oks_threshold")
        points = try SchemaJSON.options(question["points"], path: "\(path).points")
        guard points.count <= Self.maxPoints else {
            throw ValidationError(field: "\(path).points", message: "at most \(Self.maxPoints) points")
        }
        skeleton = []
        if let json = question["skeleton"] {
            guard let pairs = json.arrayValue, pairs.count <= points.count * points.count else {
                throw ValidationError(field: "\(path).skeleton", message: "must be an array of pairs of point names")
            }
            var seen = Set<[Int]>()
            for (index, pair) in pairs.enumerated() {
                let pairPath = "\(path).skeleton[\(index)]"
                guard let ends = pair.arrayValue, ends.count == 2,
                    let first = ends[0].stringValue.flatMap(points.firstIndex),
                    let second = ends[1].stringValue.flatMap(points.firstIndex)
                else {
                    throw ValidationError(field: pairPath, message: "must be a pair of names from points")
                }
                guard first != second else {
                    throw ValidationError(field: pairPath, message: "joins a point to itself")
                }
                guard seen.insert([min(first, second), max(first, second)]).inserted else {
                    throw ValidationError(field: pairPath, message: "joins two points joined before")
                }
                skeleton.append([first, second])
            }
        }
        sigmas = Array(repeating: Self.defaultSigma, count: points.count)
        if let json = question["sigmas"] {
            guard let values = json.arrayValue, values.count == points.count else {
                throw ValidationError(
                    field: "\(path).sigmas", message: "must be an array of \(points.count) numbers, one per point")
            }
            for (index, value) in values.enumerated() {
                guard let sigma = value.doubleValue, sigma.isFinite, sigma > 0, sigma <= 10 else {
                    throw ValidationError(
                        field: "\(path).sigmas[\(index)]", message: "must be a number above 0 and at most 10")
                }
                sigmas[index] = sigma
            }
        }
    }

    public var matchThreshold: Double { oksThreshold }

    public static var similarity: RegionSimilarity { .oks }

    public var schemaMembers: [JSONMember] {
        regionSchemaMembers + [
            JSONMember("points", .array(points.map(JSONValue.string))),
            JSONMember(
                "skeleton", .array(skeleton.map { pair in .array(pair.map { .string(points[$0]) }) })),
            JSONMember("sigmas", .array(sigmas.map(JSONValue.double))),
        ]
    }

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        let image = context.media[field]
        for (index, element) in try RegionJSON.elements(answer, path: path, shape: "keypoint instances").enumerated() {
            let instancePath = "\(path)[\(index)]"
            try RegionJSON.checkMembers(
                element, allowed: ["points"], labels: labels, path: instancePath, shape: "{points, label}")
            guard let placed = element["points"]?.objectValue else {
                throw ValidationError(
                    field: "\(instancePath).points", message: "must be an object of named points [x, y, v]")
            }
            var labelled = 0
            for member in placed {
                let pointPath = "\(instancePath).points.\(member.key)"
                guard points.contains(member.key) else {
                    throw ValidationError(field: pointPath, message: "is not a point of the skeleton")
                }
                guard let triple = member.value.arrayValue, triple.count == 3 else {
                    throw ValidationError(field: pointPath, message: "must be a point [x, y, v]")
                }
                let point = PlanePoint(
                    x: try RegionJSON.number(triple[0], path: "\(pointPath)[0]"),
                    y: try RegionJSON.number(triple[1], path: "\(pointPath)[1]"))
                guard let visibility = triple[2].intValue, (0...2).contains(visibility) else {
                    throw ValidationError(
                        field: "\(pointPath)[2]", message: "must be 2 (visible), 1 (occluded) or 0 (not placed)")
                }
                guard visibility > 0 else { continue }
                labelled += 1
                try RegionJSON.checkInside(
                    point, width: image?.width, height: image?.height, path: pointPath, what: "the point")
            }
            guard labelled > 0 else {
                throw ValidationError(field: "\(instancePath).points", message: "must place at least one point")
            }
        }
    }

    public static func regions(_ value: JSONValue) -> [KeypointInstance]? {
        guard let elements = value.arrayValue else { return nil }
        var instances: [KeypointInstance] = []
        instances.reserveCapacity(elements.count)
        for element in elements {
            guard let placed = element["points"]?.objectValue, let label = element["label"]?.stringValue else {
                return nil
            }
            var points: [String: PlanePoint] = [:]
            for member in placed {
                guard let triple = member.value.arrayValue, triple.count == 3, let x = triple[0].doubleValue,
                    let y = triple[1].doubleValue, let visibility = triple[2].intValue
                else { return nil }
                if visibility > 0 { points[member.key] = PlanePoint(x: x, y: y) }
            }
            instances.append(KeypointInstance(label: label, points: points))
        }
        return instances
    }

    /// COCO's object keypoint similarity of `answer` to `reference`: over the reference's placed points, the
    /// mean of exp(−d² ÷ (2·s·(2σ)²)), with d the distance of the answer's point and s the object's area, the
    /// area of the box around the reference's placed points (COCO uses its annotation's area). A point the
    /// answer did not place counts 0.
    public func similarity(_ answer: KeypointInstance, _ reference: KeypointInstance) -> Double {
        let area = reference.boxArea
        var total = 0.0
        var counted = 0
        for (index, name) in points.enumerated() {
            guard let target = reference.points[name] else { continue }
            counted += 1
            guard let placed = answer.points[name] else { continue }
            let (dx, dy) = (placed.x - target.x, placed.y - target.y)
            let variance = 4 * sigmas[index] * sigmas[index]
            // COCOeval adds the smallest double step to the area so that a point object does not divide by 0.
            total += exp(-(dx * dx + dy * dy) / variance / (area + Double.ulpOfOne) / 2)
        }
        return counted == 0 ? 0 : total / Double(counted)
    }
}

/// One keypoint instance of an answer: its label and its placed points by name.
public struct KeypointInstance: LabelledRegion, Hashable {
    public var label: String
    /// The placed points (visible or occluded); points not placed are absent.
    public var points: [String: PlanePoint]

    public init(label: String, points: [String: PlanePoint]) {
        self.label = label
        self.points = points
    }

    /// The smallest upright box around the placed points, as `[x, y, width, height]`.
    public var box: (x: Double, y: Double, width: Double, height: Double) {
        guard let first = points.values.first else { return (0, 0, 0, 0) }
        var (minX, minY, maxX, maxY) = (first.x, first.y, first.x, first.y)
        for point in points.values {
            minX = min(minX, point.x)
            minY = min(minY, point.y)
            maxX = max(maxX, point.x)
            maxY = max(maxY, point.y)
        }
        return (minX, minY, maxX - minX, maxY - minY)
    }

    /// The area of ``box``: the object's scale in OKS.
    public var boxArea: Double {
        let box = box
        return box.width * box.height
    }
}

extension QuestionKind {
    /// Labelled keypoint instances on the image field `field`.
    public static func keypoints(
        field: String, labels: [String], points: [String], skeleton: [[Int]] = [], sigmas: [Double]? = nil,
        oksThreshold: Double = 0.5
    ) -> QuestionKind {
        QuestionKind(
            KeypointsQuestion(
                field: field, labels: labels, points: points, skeleton: skeleton, sigmas: sigmas,
                oksThreshold: oksThreshold))
    }
}
