/// Labelled polygons on the image field `field`: `[{points: [[x, y], …], label, id?}]` in image pixels, at least
/// three points, with an area, never crossing themselves (no holes).
public struct PolygonsQuestion: RegionQuestion {
    public static let typeName = "polygons"
    public static let schemaKeys = ["field", "labels", "iou_threshold"]

    public var field: String
    public var labels: [String]
    public var iouThreshold: Double

    public init(field: String, labels: [String], iouThreshold: Double = 0.5) {
        self.field = field
        self.labels = labels
        self.iouThreshold = iouThreshold
    }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        (field, labels, iouThreshold) = try RegionJSON.common(question, path: path, kind: "polygons")
    }

    public var matchThreshold: Double { iouThreshold }

    public var schemaMembers: [JSONMember] { regionSchemaMembers }

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        let image = context.media[field]
        var totalPoints = 0
        for (index, element) in try RegionJSON.elements(answer, path: path, shape: "polygons").enumerated() {
            let polygonPath = "\(path)[\(index)]"
            try RegionJSON.checkMembers(
                element, allowed: ["points"], labels: labels, path: polygonPath, shape: "{points, label}")
            guard let points = element["points"]?.arrayValue,
                (3...ResultLimits.maxPolygonPoints).contains(points.count)
            else {
                throw ValidationError(
                    field: "\(polygonPath).points",
                    message: "must be an array of 3 to \(ResultLimits.maxPolygonPoints) points [x, y]")
            }
            totalPoints += points.count
            guard totalPoints <= ResultLimits.maxPolygonPointsPerAnswer else {
                throw ValidationError(
                    field: "\(polygonPath).points",
                    message: "the answer's polygons have more than \(ResultLimits.maxPolygonPointsPerAnswer) points")
            }
            var outline: [PlanePoint] = []
            outline.reserveCapacity(points.count)
            for (pointIndex, point) in points.enumerated() {
                let pointPath = "\(polygonPath).points[\(pointIndex)]"
                guard let pair = point.arrayValue, pair.count == 2 else {
                    throw ValidationError(field: pointPath, message: "must be a point [x, y]")
                }
                let vertex = PlanePoint(
                    x: try RegionJSON.number(pair[0], path: "\(pointPath)[0]"),
                    y: try RegionJSON.number(pair[1], path: "\(pointPath)[1]"))
                try RegionJSON.checkInside(
                    vertex, width: image?.width, height: image?.height, path: pointPath, what: "the point")
                outline.append(vertex)
            }
            guard PlaneGeometry.area(outline) > 0 else {
                throw ValidationError(field: "\(polygonPath).points", message: "enclose no area")
            }
            if let (first, second) = PlaneGeometry.selfIntersection(outline) {
                throw ValidationError(
                    field: "\(polygonPath).points",
                    message: "cross themselves: the edge from point \(first) meets the edge from point \(second)")
            }
        }
    }

    public static func regions(_ value: JSONValue) -> [ImageRegion]? {
        guard let elements = value.arrayValue else { return nil }
        var regions: [ImageRegion] = []
        regions.reserveCapacity(elements.count)
        for element in elements {
            guard let points = element["points"]?.arrayValue, let label = element["label"]?.stringValue else {
                return nil
            }
            var outline: [PlanePoint] = []
            outline.reserveCapacity(points.count)
            for point in points {
                guard let pair = point.arrayValue, pair.count == 2, let x = pair[0].doubleValue,
                    let y = pair[1].doubleValue
                else { return nil }
                outline.append(PlanePoint(x: x, y: y))
            }
            regions.append(ImageRegion(label: label, polygon: outline))
        }
        return regions
    }
}

extension QuestionKind {
    /// Labelled polygons on the image field `field`.
    public static func polygons(field: String, labels: [String], iouThreshold: Double = 0.5) -> QuestionKind {
        QuestionKind(PolygonsQuestion(field: field, labels: labels, iouThreshold: iouThreshold))
    }
}
