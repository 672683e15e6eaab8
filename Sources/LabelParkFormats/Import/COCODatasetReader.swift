import LabelParkCore

/// One image of an imported dataset: an import line (NDJSON) for its task, or why it cannot be one.
public enum DatasetLine: Sendable, Hashable {
    case task(String)
    case problem(String)
}

/// What an imported dataset's annotations become.
public enum DatasetAnswers: String, Sendable, CaseIterable {
    /// The known answers of gold tasks, which annotators are scored against.
    case gold
    /// Starting answers annotators see and correct.
    case prefill
}

/// Where an imported dataset's images are: the objects of an attached storage named by `file_name`, or the
/// park's own assets, as a LabelPark COCO export names them (`labelpark_asset_id`, or a `coco_url` of
/// `/api/v1/assets/{id}/content`).
public enum DatasetImages: Sendable, Hashable {
    case storage(Int64)
    case assets
}

/// Turns a COCO instances file into import lines, one per image in the order of `images`: the task's image
/// field names the image, and its annotations become the task's gold answer or prefill.
///
/// Each category goes to a region question holding its name as a label: the one `question` names, else the one
/// its `supercategory` names (as LabelPark's export writes it), else the only one with that label. By the
/// question's kind, an annotation's `bbox` becomes a box (a rotated box of a LabelPark export is rebuilt from its
/// outline and `attributes.rotation`), each polygon ring of its `segmentation` a polygon, its RLE `segmentation` a
/// mask (uncompressed counts are compressed), and its `keypoints` a keypoint instance, matched by the category's
/// point names. What a line then holds is checked like any import line (against the image too, once known).
public struct COCODatasetReader: Sendable {
    public let schema: ProjectSchema
    public let answers: DatasetAnswers
    public let images: DatasetImages
    /// The only question categories go to, when set.
    public let question: String?

    public init(schema: ProjectSchema, answers: DatasetAnswers, images: DatasetImages, question: String? = nil) {
        self.schema = schema
        self.answers = answers
        self.images = images
        self.question = question
    }

    /// Where a category's annotations go.
    struct Target {
        var question: String
        var kind: QuestionKind
        var label: String
        /// A keypoint category's point names, in the order of its annotations' `keypoints`.
        var pointNames: [String]
    }

    /// The import lines, one per image, or why the file as a whole cannot be read; a problem with one image or
    /// annotation is that image's line's.
    public func lines(from coco: JSONValue) throws(ValidationError) -> [DatasetLine] {
        guard coco.objectValue != nil else { throw ValidationError(field: "body", message: "must be a COCO object") }
        guard let images = coco["images"]?.arrayValue else {
            throw ValidationError(field: "images", message: "must be an array of images")
        }
        let targets = try categoryTargets(coco["categories"])
        let imageField = try self.imageField(targets)
        var byImage: [Int64: [JSONValue]] = [:]
        if let annotations = coco["annotations"], annotations.arrayValue == nil {
            throw ValidationError(field: "annotations", message: "must be an array of annotations")
        }
        for (index, annotation) in (coco["annotations"]?.arrayValue ?? []).enumerated() {
            guard let imageID = annotation["image_id"]?.int64Value else {
                throw ValidationError(field: "annotations[\(index)].image_id", message: "must be an integer")
            }
            byImage[imageID, default: []].append(annotation)
        }
        var imageIDs = Set<Int64>()
        for (index, image) in images.enumerated() {
            guard let id = image["id"]?.int64Value else {
                throw ValidationError(field: "images[\(index)].id", message: "must be an integer")
            }
            guard imageIDs.insert(id).inserted else {
                throw ValidationError(field: "images[\(index)].id", message: "repeats the image id \(id)")
            }
        }
        let questions = Array(Set(targets.values.map(\.question))).sorted()
        var lines: [DatasetLine] = []
        lines.reserveCapacity(images.count)
        for (index, image) in images.enumerated() {
            let reference = self.reference(of: image)
            var regions: [String: [JSONValue]] = [:]
            var problem: String?
            let annotations = byImage[image["id"]?.int64Value ?? Int64.min] ?? []
            if annotations.count > ResultLimits.maxRegions * max(1, questions.count) {
                problem = "images[\(index)] has \(annotations.count) annotations, more than an answer may hold"
            }
            for annotation in annotations where problem == nil {
                do throws(ValidationError) {
                    try add(annotation, targets: targets, to: &regions)
                } catch {
                    problem = "\(error.field): \(error.message)"
                }
            }
            if let question = regions.first(where: { $0.value.count > ResultLimits.maxRegions })?.key, problem == nil {
                problem = "images[\(index)] has more than \(ResultLimits.maxRegions) regions for \(question)"
            }
            let answer = questions.map { JSONMember($0, .array(regions[$0] ?? [])) }
            if let problem {
                lines.append(.problem(problem))
                continue
            }
            guard let reference else {
                let message =
                    switch self.images {
                    case .storage: "images[\(index)].file_name must name an object of the storage"
                    case .assets:
                        "images[\(index)] names no LabelPark asset (labelpark_asset_id or coco_url); "
                            + "name the storage whose objects hold the images instead"
                    }
                lines.append(.problem(message))
                continue
            }
            var members = [JSONMember("data", .object([JSONMember(imageField, .string(reference))]))]
            let hasRegions = answer.contains { !($0.value.arrayValue?.isEmpty ?? true) }
            switch answers {
            case .gold: members.append(JSONMember("gold", .object(answer)))
            case .prefill: if hasRegions { members.append(JSONMember("prefill", .object(answer))) }
            }
            lines.append(.task(JSONValue.object(members).jsonText))
        }
        return lines
    }

    private func categoryTargets(_ json: JSONValue?) throws(ValidationError) -> [Int64: Target] {
        guard let categories = json?.arrayValue else {
            throw ValidationError(field: "categories", message: "must be an array of categories")
        }
        let regionQuestions = schema.questions.filter { question in
            (question.kind.type is any RegionQuestion) && (self.question.map { $0 == question.name } ?? true)
        }
        if let name = question, regionQuestions.isEmpty {
            throw ValidationError(field: "question", message: "\"\(name)\" is not a region question of the schema")
        }
        var targets: [Int64: Target] = [:]
        for (index, category) in categories.enumerated() {
            let path = "categories[\(index)]"
            guard let id = category["id"]?.int64Value, let name = category["name"]?.stringValue else {
                throw ValidationError(field: path, message: "must have an integer id and a name")
            }
            let holding = regionQuestions.filter { question in
                (question.kind.type as? any RegionQuestion)?.labels.contains(name) ?? false
            }
            let named = holding.filter { $0.name == category["supercategory"]?.stringValue }
            guard let chosen = named.first ?? (holding.count == 1 ? holding.first : nil) else {
                throw ValidationError(
                    field: "\(path).name",
                    message: holding.isEmpty
                        ? "\"\(name)\" is no label of a region question"
                        : "\"\(name)\" is a label of \(holding.map(\.name).joined(separator: ", ")): "
                            + "name one as the supercategory or with question=")
            }
            var pointNames: [String] = []
            if let keypoints = chosen.kind.as(KeypointsQuestion.self) {
                pointNames = category["keypoints"]?.arrayValue?.compactMap(\.stringValue) ?? keypoints.points
                if let unknown = pointNames.first(where: { !keypoints.points.contains($0) }) {
                    throw ValidationError(
                        field: "\(path).keypoints", message: "\"\(unknown)\" is not a point of \(chosen.name)")
                }
            }
            targets[id] = Target(question: chosen.name, kind: chosen.kind, label: name, pointNames: pointNames)
        }
        return targets
    }

    private func imageField(_ targets: [Int64: Target]) throws(ValidationError) -> String {
        let fields = Set(targets.values.compactMap { ($0.kind.type as? any RegionQuestion)?.field })
        guard fields.count <= 1 else {
            throw ValidationError(
                field: "categories", message: "the categories go to questions on different image fields")
        }
        guard let field = fields.first ?? schema.fields.first(where: { $0.kind == .image })?.name else {
            throw ValidationError(field: "format", message: "the schema has no image field")
        }
        return field
    }

    /// The image's reference for the task's image field, or `nil` when it names none.
    private func reference(of image: JSONValue) -> String? {
        switch images {
        case .storage(let id):
            guard let name = image["file_name"]?.stringValue, !name.isEmpty else { return nil }
            return "storage:\(id)/\(name)"
        case .assets:
            if let asset = image["labelpark_asset_id"]?.int64Value, asset > 0 { return "asset:\(asset)" }
            let prefix = "/api/v1/assets/"
            let suffix = "/content"
            guard let url = image["coco_url"]?.stringValue, url.hasPrefix(prefix), url.hasSuffix(suffix),
                url.count > prefix.count + suffix.count,
                let asset = Int64(url.dropFirst(prefix.count).dropLast(suffix.count)), asset > 0
            else { return nil }
            return "asset:\(asset)"
        }
    }

    /// Appends one annotation's regions to those of its category's question.
    private func add(
        _ annotation: JSONValue, targets: [Int64: Target], to answer: inout [String: [JSONValue]]
    ) throws(ValidationError) {
        let annotationID = annotation["id"].map { $0.jsonText } ?? "?"
        let path = "annotation \(annotationID)"
        guard let category = annotation["category_id"]?.int64Value, let target = targets[category] else {
            throw ValidationError(field: "\(path).category_id", message: "names no category of the file")
        }
        var regions: [JSONValue] = []
        let label = JSONMember("label", .string(target.label))
        if target.kind.as(BoxesQuestion.self) != nil {
            regions.append(.object(try Self.box(annotation, path: path) + [label]))
        } else if target.kind.as(PolygonsQuestion.self) != nil {
            guard let rings = annotation["segmentation"]?.arrayValue, !rings.isEmpty else {
                throw ValidationError(
                    field: "\(path).segmentation", message: "must be polygons for a polygons question")
            }
            for ring in rings {
                guard let values = ring.arrayValue, values.count >= 6, values.count % 2 == 0 else {
                    throw ValidationError(field: "\(path).segmentation", message: "a ring must list x, y pairs")
                }
                let points = stride(from: 0, to: values.count, by: 2).map {
                    JSONValue.array([values[$0], values[$0 + 1]])
                }
                regions.append(.object([JSONMember("points", .array(points)), label]))
            }
        } else if target.kind.as(MasksQuestion.self) != nil {
            regions.append(.object([JSONMember("rle", try Self.rle(annotation, path: path)), label]))
        } else if target.kind.as(KeypointsQuestion.self) != nil {
            guard let values = annotation["keypoints"]?.arrayValue, values.count == target.pointNames.count * 3 else {
                throw ValidationError(
                    field: "\(path).keypoints",
                    message: "must hold x, y, v for each of the category's \(target.pointNames.count) points")
            }
            var points: [JSONMember] = []
            for (index, name) in target.pointNames.enumerated() {
                // COCO writes visibility as 0, 1 or 2 (some tools as 2.0).
                guard let visibility = values[index * 3 + 2].doubleValue, [0.0, 1, 2].contains(visibility) else {
                    throw ValidationError(
                        field: "\(path).keypoints[\(index * 3 + 2)]", message: "must be 0, 1 or 2 (the visibility)")
                }
                guard visibility > 0 else { continue }
                points.append(
                    JSONMember(name, .array([values[index * 3], values[index * 3 + 1], .integer(Int(visibility))])))
            }
            regions.append(.object([JSONMember("points", .object(points)), label]))
        }
        answer[target.question, default: []] += regions
    }

    /// A box from `bbox`, or from a LabelPark export's outline when `attributes.rotation` is set.
    private static func box(_ annotation: JSONValue, path: String) throws(ValidationError) -> [JSONMember] {
        if let rotation = annotation["attributes"]?["rotation"]?.doubleValue, rotation != 0,
            let ring = annotation["segmentation"]?.arrayValue?.first?.arrayValue, ring.count == 8
        {
            let values = ring.compactMap(\.doubleValue)
            guard values.count == 8 else {
                throw ValidationError(field: "\(path).segmentation", message: "must be numbers")
            }
            let corners = stride(from: 0, to: 8, by: 2).map { PlanePoint(x: values[$0], y: values[$0 + 1]) }
            let center = PlanePoint(
                x: corners.map(\.x).reduce(0, +) / 4, y: corners.map(\.y).reduce(0, +) / 4)
            let width =
                ((corners[1].x - corners[0].x) * (corners[1].x - corners[0].x)
                + (corners[1].y - corners[0].y) * (corners[1].y - corners[0].y)).squareRoot()
            let height =
                ((corners[2].x - corners[1].x) * (corners[2].x - corners[1].x)
                + (corners[2].y - corners[1].y) * (corners[2].y - corners[1].y)).squareRoot()
            return [
                JSONMember("x", .pixels(center.x - width / 2)), JSONMember("y", .pixels(center.y - height / 2)),
                JSONMember("width", .pixels(width)), JSONMember("height", .pixels(height)),
                JSONMember("rotation", .double(rotation)),
            ]
        }
        guard let bbox = annotation["bbox"]?.arrayValue, bbox.count == 4 else {
            throw ValidationError(field: "\(path).bbox", message: "must be [x, y, width, height]")
        }
        return [
            JSONMember("x", bbox[0]), JSONMember("y", bbox[1]), JSONMember("width", bbox[2]),
            JSONMember("height", bbox[3]),
        ]
    }

    /// A mask's compressed RLE from `segmentation` (counts compressed when they are a list).
    private static func rle(_ annotation: JSONValue, path: String) throws(ValidationError) -> JSONValue {
        guard let segmentation = annotation["segmentation"], segmentation.objectValue != nil,
            let size = segmentation["size"]?.arrayValue, size.count == 2, let height = size[0].intValue,
            let width = size[1].intValue
        else {
            throw ValidationError(
                field: "\(path).segmentation", message: "must be an RLE {size, counts} for a masks question")
        }
        if segmentation["counts"]?.stringValue != nil { return segmentation }
        guard let list = segmentation["counts"]?.arrayValue else {
            throw ValidationError(
                field: "\(path).segmentation.counts", message: "must be a string or a list of integers")
        }
        var counts: [Int] = []
        counts.reserveCapacity(list.count)
        for (index, value) in list.enumerated() {
            guard let count = value.intValue else {
                throw ValidationError(field: "\(path).segmentation.counts[\(index)]", message: "must be an integer")
            }
            counts.append(count)
        }
        do {
            return try RunLengthMask(height: height, width: width, counts: counts).cocoJSON
        } catch {
            throw ValidationError(field: "\(path).segmentation.counts", message: error.description)
        }
    }
}

extension JSONValue {
    fileprivate var int64Value: Int64? { intValue.map(Int64.init) }

    /// A coordinate rebuilt from corners, to a millionth of a pixel: the arithmetic's last bits are noise.
    static func pixels(_ value: Double) -> JSONValue { .double((value * 1e6).rounded() / 1e6) }
}
