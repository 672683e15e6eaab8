import Foundation
import LabelParkCore
import XMLCoder

/// Writes box and polygon answers as Pascal VOC detection annotations: one XML file per image with an `object`
/// per region, its label as `name` and the smallest upright box around it as `bndbox` (VOC has no turned boxes
/// or outlines), plus the image list and the label map datumaro and CVAT read.
public struct VOCWriter: Sendable {
    public let questions: [String]
    /// Every label of the box and polygon questions, in schema order, each once.
    public let labels: [String]
    public let imageField: String

    public init(schema: ProjectSchema) throws(ValidationError) {
        var questions: [String] = []
        var labels: [String] = []
        var field: String?
        for question in schema.questions
        where question.kind.as(BoxesQuestion.self) != nil || question.kind.as(PolygonsQuestion.self) != nil {
            guard let region = question.kind.type as? any RegionQuestion else { continue }
            field = field ?? region.field
            guard region.field == field else { continue }
            questions.append(question.name)
            for label in region.labels where !labels.contains(label) { labels.append(label) }
        }
        guard let field else {
            throw ValidationError(field: "format", message: "voc needs a boxes or polygons question")
        }
        self.questions = questions
        self.labels = labels
        imageField = field
    }

    /// `labelmap.txt` as datumaro writes it: a comment line, then `label:colour::` per label (no colours).
    public var labelMap: String {
        "# label:color_rgb:parts:actions\n" + labels.map { "\($0):::\n" }.joined()
    }

    /// The annotation file of one image with the regions `results` hold.
    public func annotation(of image: DatasetImage, path: String, results: [JSONValue]) -> String {
        var objects: [VOCObject] = []
        for result in results {
            for question in questions {
                for element in result[question]?.arrayValue ?? [] {
                    guard let label = element["label"]?.stringValue,
                        let outline = BoxesQuestion.regions(.array([element]))?.first?.outline
                            ?? PolygonsQuestion.regions(.array([element]))?.first?.outline
                    else { continue }
                    let xs = outline.map(\.x)
                    let ys = outline.map(\.y)
                    objects.append(
                        VOCObject(
                            name: label,
                            bndbox: VOCBox(
                                xmin: Self.coordinate(xs.min() ?? 0, limit: image.width),
                                ymin: Self.coordinate(ys.min() ?? 0, limit: image.height),
                                xmax: Self.coordinate(xs.max() ?? 0, limit: image.width),
                                ymax: Self.coordinate(ys.max() ?? 0, limit: image.height))))
                }
            }
        }
        let file = VOCAnnotation(
            folder: "JPEGImages", filename: path, source: VOCSource(database: "LabelPark"),
            size: VOCSize(width: image.width, height: image.height, depth: 3), segmented: 0, object: objects)
        let encoder = XMLEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        // Plain value types with string and number members always encode.
        let body = (try? encoder.encode(file, withRootKey: "annotation")).map { String(decoding: $0, as: UTF8.self) }
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + (body ?? "<annotation/>") + "\n"
    }

    /// Two decimals within the image.
    private static func coordinate(_ value: Double, limit: Int) -> Double {
        (min(Double(limit), max(0, value)) * 100).rounded() / 100
    }
}

private struct VOCAnnotation: Encodable {
    var folder: String
    var filename: String
    var source: VOCSource
    var size: VOCSize
    var segmented: Int
    var object: [VOCObject]
}

private struct VOCSource: Encodable {
    var database: String
}

private struct VOCSize: Encodable {
    var width: Int
    var height: Int
    var depth: Int
}

private struct VOCObject: Encodable {
    var name: String
    var pose = "Unspecified"
    var truncated = 0
    var difficult = 0
    var bndbox: VOCBox

    init(name: String, bndbox: VOCBox) {
        self.name = name
        self.bndbox = bndbox
    }
}

private struct VOCBox: Encodable {
    var xmin: Double
    var ymin: Double
    var xmax: Double
    var ymax: Double
}
