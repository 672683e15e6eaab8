import Foundation
import LabelParkCore
import Yams

/// Writes one region question's answers as an Ultralytics YOLO dataset: a `data.yaml`, a list of the images and
/// a label file per image whose lines are `class` and coordinates divided by the image's width and height.
///
/// The question decides the YOLO task: upright boxes are `detect` (`class cx cy w h`), boxes that may turn are
/// `obb` (`class x1 y1 … x4 y4`, the four corners clockwise from the top-left before turning), polygons are
/// `segment` (`class x1 y1 x2 y2 …`) and keypoints are `pose` (`class cx cy w h` of the box around the placed
/// points, then `x y v` per point of the skeleton, `0 0 0` for one not placed). A class is the label's index in
/// the question's labels. Masks have no YOLO form (COCO carries them).
public struct YOLOWriter: Sendable {
    public enum Task: String, Sendable {
        case detect, obb, segment, pose
    }

    public let question: String
    public let labels: [String]
    public let task: Task
    public let imageField: String
    private let keypoints: KeypointsQuestion?

    /// The writer for the question named `name`, or for the schema's first question YOLO can write.
    public init(schema: ProjectSchema, question name: String?) throws(ValidationError) {
        let candidates = schema.questions.filter { question in
            if let name { return question.name == name }
            return Self.task(of: question.kind) != nil
        }
        guard let chosen = candidates.first else {
            if let name {
                throw ValidationError(field: "question", message: "no question named \"\(name)\"")
            }
            throw ValidationError(field: "format", message: "yolo needs a boxes, polygons or keypoints question")
        }
        guard let task = Self.task(of: chosen.kind), let region = chosen.kind.type as? any RegionQuestion else {
            throw ValidationError(
                field: "question",
                message: "\"\(chosen.name)\" is a \(chosen.kind.typeName) question; YOLO writes boxes, polygons or "
                    + "keypoints (masks export as COCO)")
        }
        question = chosen.name
        labels = region.labels
        self.task = task
        imageField = region.field
        keypoints = chosen.kind.as(KeypointsQuestion.self)
    }

    private static func task(of kind: QuestionKind) -> Task? {
        if let boxes = kind.as(BoxesQuestion.self) { return boxes.allowsRotation ? .obb : .detect }
        if kind.as(PolygonsQuestion.self) != nil { return .segment }
        if kind.as(KeypointsQuestion.self) != nil { return .pose }
        return nil
    }

    /// `data.yaml`: the image list for training and validation, the class names and, for pose, the keypoint
    /// shape. It names no `path`: Ultralytics then takes the file's own folder as the dataset's root (a relative
    /// `path` would be read from wherever training is started).
    public func dataYAML(imageList: String) -> String {
        var yaml = Node.Mapping([])
        yaml["train"] = Node(imageList)
        yaml["val"] = Node(imageList)
        var names = Node.Mapping([])
        for (index, label) in labels.enumerated() { names[Node(String(index))] = Node(label) }
        yaml["names"] = .mapping(names)
        if let keypoints {
            let shape = [Node(String(keypoints.points.count)), Node("3")]
            yaml["kpt_shape"] = .sequence(Node.Sequence(shape, .implicit, .flow))
        }
        // A mapping of scalars always serializes; the fallback only keeps this total.
        return (try? Yams.serialize(node: .mapping(yaml), sortKeys: false)) ?? ""
    }

    /// The label file's lines for the regions `results` hold (every chosen annotation of every task showing the
    /// image).
    public func labelLines(_ results: [JSONValue], width: Int, height: Int) -> String {
        var text = ""
        for result in results {
            for region in result[question]?.arrayValue ?? [] {
                guard let label = region["label"]?.stringValue, let index = labels.firstIndex(of: label),
                    let numbers = coordinates(of: region, width: Double(width), height: Double(height))
                else { continue }
                text += String(index)
                for number in numbers { text += " " + Self.format(number) }
                text += "\n"
            }
        }
        return text
    }

    private func coordinates(of region: JSONValue, width: Double, height: Double) -> [Double]? {
        func normalized(_ point: PlanePoint) -> [Double] {
            [min(1, max(0, point.x / width)), min(1, max(0, point.y / height))]
        }
        switch task {
        case .detect, .obb:
            guard let box = BoxesQuestion.regions(.array([region]))?.first else { return nil }
            if task == .obb { return box.outline.flatMap(normalized) }
            let (minX, minY) = (box.outline.map(\.x).min() ?? 0, box.outline.map(\.y).min() ?? 0)
            let (maxX, maxY) = (box.outline.map(\.x).max() ?? 0, box.outline.map(\.y).max() ?? 0)
            return normalized(PlanePoint(x: (minX + maxX) / 2, y: (minY + maxY) / 2))
                + [(maxX - minX) / width, (maxY - minY) / height].map { min(1, max(0, $0)) }
        case .segment:
            return PolygonsQuestion.regions(.array([region]))?.first?.outline.flatMap(normalized)
        case .pose:
            guard let keypoints, let instance = KeypointsQuestion.regions(.array([region]))?.first else { return nil }
            let box = instance.box
            var numbers =
                normalized(PlanePoint(x: box.x + box.width / 2, y: box.y + box.height / 2))
                + [box.width / width, box.height / height].map { min(1, max(0, $0)) }
            for name in keypoints.points {
                if let point = instance.points[name],
                    let visibility = region["points"]?[name]?.arrayValue?.last?.intValue
                {
                    numbers += normalized(point) + [Double(visibility)]
                } else {
                    numbers += [0, 0, 0]
                }
            }
            return numbers
        }
    }

    /// Six decimals, the precision Ultralytics writes, without trailing zeros.
    static func format(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}
