import LabelParkCore
import LabelParkStore

/// Which annotations of a task a COCO export writes.
public enum COCOAnswers: String, Sendable, CaseIterable {
    /// The task's answer: its last accepted annotation, else its last annotation that was not rejected.
    case latest
    /// Every annotation that was not rejected, each region tagged with its annotation and annotator.
    case all

    /// The annotations of a task an export writes.
    public func chosen(from annotations: [ExportedAnnotation]) -> [ExportedAnnotation] {
        let standing = annotations.filter { $0.status != .rejected }
        switch self {
        case .all:
            return standing
        case .latest:
            let accepted = standing.filter { $0.status == .accepted }
            let pool = accepted.isEmpty ? standing : accepted
            return pool.max { ($0.updatedAt, $0.id.rawValue) < ($1.updatedAt, $1.id.rawValue) }.map { [$0] } ?? []
        }
    }
}

/// Writes a COCO instances file (images, annotations, categories) from a project's tasks, a piece at a time.
///
/// Every label of every region question is a category (`supercategory` is the question), numbered from 1 in
/// schema order; a keypoints question's categories carry its `keypoints` names and its `skeleton` (1-based, as
/// COCO numbers them). An image is an image file (`id` = its asset's id), written once however many tasks show
/// it; each region names its task in `attributes`. Boxes have `bbox` `[x, y, width, height]` and
/// an empty `segmentation`; rotated boxes and polygons have their outline as `segmentation` (one ring) and its
/// bounding rectangle as `bbox`, and a rotated box keeps its `rotation` in `attributes`; masks have their
/// compressed RLE as `segmentation`; keypoint instances have `keypoints` `[x, y, v, …]` in the skeleton's order
/// (0, 0, 0 for a point not placed), `num_keypoints`, and the box around their placed points as `bbox` and its
/// area as `area`, the scale their OKS uses. `area` is otherwise the exact area of the region. pycocotools
/// reads the file as it is.
public struct COCOWriter: Sendable {
    public struct Category: Sendable, Hashable {
        public var id: Int
        public var question: String
        public var label: String
        /// A keypoints question's point names and skeleton (pairs of 1-based indices).
        public var keypoints: [String]?
        public var skeleton: [[Int]]?
    }

    public let categories: [Category]
    /// The image field the region questions mark (the first one's).
    public let imageField: String
    private let questions: [(name: String, kind: QuestionKind)]
    private let parser = JSONParser(maxDepth: 64)

    /// `nil` for a schema without box or polygon questions.
    public init?(schema: ProjectSchema) {
        var categories: [Category] = []
        var questions: [(name: String, kind: QuestionKind)] = []
        var field: String?
        for question in schema.questions {
            guard let region = question.kind.type as? any RegionQuestion else { continue }
            field = field ?? region.field
            guard region.field == field else { continue }
            questions.append((question.name, question.kind))
            let keypoints = question.kind.as(KeypointsQuestion.self)
            for label in region.labels {
                categories.append(
                    Category(
                        id: categories.count + 1, question: question.name, label: label, keypoints: keypoints?.points,
                        skeleton: keypoints?.skeleton.map { $0.map { $0 + 1 } }))
            }
        }
        guard let field, !questions.isEmpty else { return nil }
        self.categories = categories
        self.questions = questions
        self.imageField = field
    }

    /// `{"info":…,"licenses":[],"categories":[…],"images":[`
    public func opening(description: String, createdAt: String, into buffer: inout [UInt8]) {
        let info = JSONValue.object([
            "description": .string(description), "date_created": .string(createdAt), "version": .string("1.0"),
            "contributor": .string("LabelPark"),
        ])
        let categoryList = JSONValue.array(
            categories.map { category in
                var members = [
                    JSONMember("id", .integer(category.id)), JSONMember("name", .string(category.label)),
                    JSONMember("supercategory", .string(category.question)),
                ]
                if let keypoints = category.keypoints, let skeleton = category.skeleton {
                    members.append(JSONMember("keypoints", .array(keypoints.map(JSONValue.string))))
                    members.append(
                        JSONMember("skeleton", .array(skeleton.map { .array($0.map { .integer($0) }) })))
                }
                return .object(members)
            })
        buffer.append(contentsOf: #"{"info":"#.utf8)
        info.write(to: &buffer)
        buffer.append(contentsOf: #","licenses":[],"categories":"#.utf8)
        categoryList.write(to: &buffer)
        buffer.append(contentsOf: #","images":["#.utf8)
    }

    public func image(_ image: DatasetImage, first: Bool, into buffer: inout [UInt8]) {
        if !first { buffer.append(UInt8(ascii: ",")) }
        JSONValue.object([
            "id": .integer(image.assetID), "file_name": .string(image.fileName), "coco_url": .string(image.url),
            "width": .integer(image.width), "height": .integer(image.height),
            "labelpark_asset_id": .integer(image.assetID),
        ]).write(to: &buffer)
    }

    public static let annotationsOpening = Array(#"],"annotations":["#.utf8)
    public static let closing = Array("]}".utf8)

    /// Writes the regions of the task's chosen annotations on the image `imageID` (its asset); `nextID` numbers
    /// them across the file, `first` says whether the file has none yet.
    public func annotations(
        of task: ExportedTask, imageID: Int64, answers: COCOAnswers, nextID: inout Int64, first: inout Bool,
        into buffer: inout [UInt8]
    ) {
        for annotation in answers.chosen(from: task.annotations) {
            guard let result = try? parser.parse(annotation.resultJSON) else { continue }
            for question in questions {
                for region in result[question.name]?.arrayValue ?? [] {
                    guard let label = region["label"]?.stringValue,
                        let category = categories.first(where: { $0.question == question.name && $0.label == label }),
                        var members = Self.geometry(of: region, kind: question.kind)
                    else { continue }
                    members =
                        [
                            JSONMember("id", .integer(nextID)), JSONMember("image_id", .integer(imageID)),
                            JSONMember("category_id", .integer(category.id)),
                        ] + members
                    var attributes = [
                        JSONMember("task_id", .integer(task.id.rawValue)),
                        JSONMember("annotation_id", .integer(annotation.id.rawValue)),
                        JSONMember("annotator_id", .integer(annotation.annotatorID.rawValue)),
                    ]
                    if let rotation = region["rotation"]?.doubleValue, rotation != 0 {
                        attributes.append(JSONMember("rotation", .double(rotation)))
                    }
                    members += [JSONMember("iscrowd", .integer(0)), JSONMember("attributes", .object(attributes))]
                    if !first { buffer.append(UInt8(ascii: ",")) }
                    first = false
                    JSONValue.object(members).write(to: &buffer)
                    nextID += 1
                }
            }
        }
    }

    /// `bbox`, `area` and `segmentation` (and a keypoint instance's `keypoints`) of a stored region; `nil` for
    /// anything unreadable.
    static func geometry(of region: JSONValue, kind: QuestionKind) -> [JSONMember]? {
        if let keypoints = kind.as(KeypointsQuestion.self) { return keypointMembers(region, keypoints) }
        if kind.as(MasksQuestion.self) != nil { return maskMembers(region) }
        if let points = region["points"]?.arrayValue {
            var outline: [PlanePoint] = []
            for point in points {
                guard let pair = point.arrayValue, pair.count == 2, let x = pair[0].doubleValue,
                    let y = pair[1].doubleValue
                else { return nil }
                outline.append(PlanePoint(x: x, y: y))
            }
            return outlineMembers(outline)
        }
        guard let x = region["x"]?.doubleValue, let y = region["y"]?.doubleValue,
            let width = region["width"]?.doubleValue, let height = region["height"]?.doubleValue
        else { return nil }
        let rotation = region["rotation"]?.doubleValue ?? 0
        if rotation == 0 {
            return [
                JSONMember("bbox", .array([.double(x), .double(y), .double(width), .double(height)])),
                JSONMember("area", .double(width * height)), JSONMember("segmentation", .array([])),
            ]
        }
        return outlineMembers(
            ImageRegion.box(x: x, y: y, width: width, height: height, rotation: rotation, label: "").outline)
    }

    private static func keypointMembers(_ region: JSONValue, _ question: KeypointsQuestion) -> [JSONMember]? {
        guard let instance = KeypointsQuestion.regions(.array([region]))?.first else { return nil }
        var values: [JSONValue] = []
        values.reserveCapacity(question.points.count * 3)
        for name in question.points {
            if let point = instance.points[name], let visibility = region["points"]?[name]?.arrayValue?.last?.intValue {
                values += [.double(point.x), .double(point.y), .integer(visibility)]
            } else {
                values += [.integer(0), .integer(0), .integer(0)]
            }
        }
        let box = instance.box
        return [
            JSONMember("bbox", .array([.double(box.x), .double(box.y), .double(box.width), .double(box.height)])),
            JSONMember("area", .double(instance.boxArea)), JSONMember("segmentation", .array([])),
            JSONMember("keypoints", .array(values)), JSONMember("num_keypoints", .integer(instance.points.count)),
        ]
    }

    private static func maskMembers(_ region: JSONValue) -> [JSONMember]? {
        guard let mask = MasksQuestion.regions(.array([region]))?.first?.mask else { return nil }
        let box = mask.boundingBox
        return [
            JSONMember(
                "bbox", .array([.integer(box.x), .integer(box.y), .integer(box.width), .integer(box.height)])),
            JSONMember("area", .integer(mask.area)), JSONMember("segmentation", mask.cocoJSON),
        ]
    }

    private static func outlineMembers(_ outline: [PlanePoint]) -> [JSONMember] {
        let xs = outline.map(\.x)
        let ys = outline.map(\.y)
        let (minX, minY) = (xs.min() ?? 0, ys.min() ?? 0)
        let (maxX, maxY) = (xs.max() ?? 0, ys.max() ?? 0)
        return [
            JSONMember("bbox", .array([.double(minX), .double(minY), .double(maxX - minX), .double(maxY - minY)])),
            JSONMember("area", .double(PlaneGeometry.area(outline))),
            JSONMember("segmentation", .array([.array(outline.flatMap { [JSONValue.double($0.x), .double($0.y)] })])),
        ]
    }
}
