import Foundation
import LabelParkCore
import Yams
import ZIPFoundation

/// Reads an Ultralytics YOLO dataset zip (labels only; the images are in an attached storage) into import lines.
///
/// `data.yaml` gives the class `names` and the image lists (`train`, `val`, `test`: list files inside the zip,
/// as LabelPark's export writes them); each listed image's label file follows Ultralytics' rule (the last
/// `images/` folder of its path becomes `labels/`, the extension `.txt`). An image is the storage object whose
/// key is its path without a leading `./`, or, failing that, its path after `images/<subset>/`. Reading is in two
/// steps because YOLO coordinates are fractions of the image: ``images()`` lists what to look up, and
/// ``lines(for:)`` turns the found images (with their sizes) into lines.
public struct YOLODatasetReader: Sendable {
    /// Files a dataset zip may hold, and the bytes it may expand to: labels are small text files.
    public static let maxEntries = 2_000_000
    public static let maxExpandedBytes = 1 << 30
    public static let maxFileBytes = 4 << 20

    /// One listed image: where the list names it, the storage keys it may be, and its label lines.
    public struct ListedImage: Sendable, Hashable {
        public var path: String
        public var candidateKeys: [String]
        public var labels: String?
    }

    /// A listed image found in the storage.
    public struct FoundImage: Sendable, Hashable {
        public var assetID: Int64
        public var width: Int
        public var height: Int

        public init(assetID: Int64, width: Int, height: Int) {
            self.assetID = assetID
            self.width = width
            self.height = height
        }
    }

    public let schema: ProjectSchema
    public let answers: DatasetAnswers
    public let question: Question
    public let names: [Int: String]
    public let images: [ListedImage]

    /// Reads the zip's `data.yaml`, image lists and label files.
    public init(
        zip: Data, schema: ProjectSchema, answers: DatasetAnswers, question name: String?
    ) throws(ValidationError) {
        self.schema = schema
        self.answers = answers
        let files = try Self.files(in: zip)
        guard let yamlText = files["data.yaml"] ?? files["data.yml"] else {
            throw ValidationError(field: "body", message: "the zip holds no data.yaml at its root")
        }
        try Self.checkShape(yamlText)
        let yaml: Node?
        do {
            yaml = try Yams.compose(yaml: yamlText)
        } catch {
            throw ValidationError(field: "data.yaml", message: "is not YAML: \(error)")
        }
        guard let root = yaml?.mapping else { throw ValidationError(field: "data.yaml", message: "must be a mapping") }
        names = try Self.names(root["names"])
        question = try Self.question(named: name, in: schema)
        var images: [ListedImage] = []
        var seen = Set<String>()
        for subset in ["train", "val", "test"] {
            guard let listName = root[subset]?.string else { continue }
            let listPath = Self.normalized(listName)
            guard let list = files[listPath] else {
                throw ValidationError(
                    field: "data.yaml.\(subset)",
                    message: "names \"\(listName)\", which is not an image list in the zip (a folder cannot be read "
                        + "without the images)")
            }
            for line in list.split(whereSeparator: \.isNewline) {
                let path = Self.normalized(line.trimmingCharacters(in: .whitespaces))
                guard !path.isEmpty, seen.insert(path).inserted else { continue }
                images.append(
                    ListedImage(
                        path: path, candidateKeys: Self.candidateKeys(path), labels: files[Self.labelPath(of: path)]))
            }
        }
        guard !images.isEmpty else {
            throw ValidationError(field: "data.yaml", message: "lists no images (train, val or test)")
        }
        self.images = images
    }

    /// The import lines, one per listed image; `found` holds the images the storage has, by list position.
    public func lines(for found: [Int: FoundImage]) -> [DatasetLine] {
        guard let region = question.kind.type as? any RegionQuestion else { return [] }
        return images.enumerated().map { index, image in
            guard let size = found[index] else {
                return .problem("\(image.path) is not an image a sync of the storage recorded (sync it first)")
            }
            var regions: [JSONValue] = []
            for (number, line) in (image.labels ?? "").split(whereSeparator: \.isNewline).enumerated() {
                let fields = line.split(whereSeparator: \.isWhitespace)
                guard !fields.isEmpty else { continue }
                do throws(ValidationError) {
                    regions.append(try self.region(fields, width: Double(size.width), height: Double(size.height)))
                } catch {
                    return .problem("\(Self.labelPath(of: image.path)) line \(number + 1): \(error.message)")
                }
            }
            let answer = JSONValue.object([JSONMember(question.name, .array(regions))])
            var members = [JSONMember("data", .object([JSONMember(region.field, .string("asset:\(size.assetID)"))]))]
            switch answers {
            case .gold: members.append(JSONMember("gold", answer))
            case .prefill: if !regions.isEmpty { members.append(JSONMember("prefill", answer)) }
            }
            return .task(JSONValue.object(members).jsonText)
        }
    }

    /// One label line in image pixels, as the question's kind answers.
    private func region(_ fields: [Substring], width: Double, height: Double) throws(ValidationError) -> JSONValue {
        guard let classIndex = Int(fields[0]), let name = names[classIndex] else {
            throw ValidationError(field: "class", message: "\"\(fields[0])\" is no class of data.yaml's names")
        }
        var numbers: [Double] = []
        for field in fields.dropFirst() {
            guard let value = Double(field), value.isFinite else {
                throw ValidationError(field: "line", message: "\"\(field)\" is not a number")
            }
            numbers.append(value)
        }
        let label = JSONMember("label", .string(name))
        func point(_ index: Int) -> [JSONValue] {
            [.double(numbers[index] * width), .double(numbers[index + 1] * height)]
        }
        if let boxes = question.kind.as(BoxesQuestion.self) {
            if numbers.count == 4 {
                let (w, h) = (numbers[2] * width, numbers[3] * height)
                return .object([
                    JSONMember("x", .double(numbers[0] * width - w / 2)),
                    JSONMember("y", .double(numbers[1] * height - h / 2)), JSONMember("width", .double(w)),
                    JSONMember("height", .double(h)), label,
                ])
            }
            guard numbers.count == 8 else {
                throw ValidationError(field: "line", message: "a box is cx cy w h, or 4 corners x y (obb)")
            }
            let corners = stride(from: 0, to: 8, by: 2).map {
                PlanePoint(x: numbers[$0] * width, y: numbers[$0 + 1] * height)
            }
            return .object(Self.orientedBox(corners, keepRotation: boxes.allowsRotation) + [label])
        }
        if question.kind.as(PolygonsQuestion.self) != nil {
            guard numbers.count >= 6, numbers.count % 2 == 0 else {
                throw ValidationError(field: "line", message: "a polygon is at least 3 points x y")
            }
            let points = stride(from: 0, to: numbers.count, by: 2).map { JSONValue.array(point($0)) }
            return .object([JSONMember("points", .array(points)), label])
        }
        guard let keypoints = question.kind.as(KeypointsQuestion.self) else {
            throw ValidationError(field: "question", message: "YOLO has no form for this question")
        }
        let expected = 4 + keypoints.points.count * 3
        guard numbers.count == expected || numbers.count == 4 + keypoints.points.count * 2 else {
            throw ValidationError(
                field: "line",
                message: "a pose line is cx cy w h and x y v for each of \(keypoints.points.count) points")
        }
        let stride = numbers.count == expected ? 3 : 2
        var placed: [JSONMember] = []
        for (index, name) in keypoints.points.enumerated() {
            let start = 4 + index * stride
            // A visibility outside 0…2 is left to the answer check, without converting a huge number to Int.
            let visibility = stride == 3 ? numbers[start + 2] : 2
            guard visibility > 0, numbers[start] != 0 || numbers[start + 1] != 0 else { continue }
            let flag: JSONValue = visibility == 1 || visibility == 2 ? .integer(Int(visibility)) : .double(visibility)
            placed.append(JSONMember(name, .array(point(start) + [flag])))
        }
        return .object([JSONMember("points", .object(placed)), label])
    }

    /// A box from four corners clockwise from its top-left before turning: its size, centre and turn, or the
    /// upright box around the corners when the question does not allow rotation.
    static func orientedBox(_ corners: [PlanePoint], keepRotation: Bool) -> [JSONMember] {
        if !keepRotation {
            let (minX, maxX) = (corners.map(\.x).min() ?? 0, corners.map(\.x).max() ?? 0)
            let (minY, maxY) = (corners.map(\.y).min() ?? 0, corners.map(\.y).max() ?? 0)
            return [
                JSONMember("x", .double(minX)), JSONMember("y", .double(minY)),
                JSONMember("width", .double(maxX - minX)), JSONMember("height", .double(maxY - minY)),
            ]
        }
        let center = PlanePoint(x: corners.map(\.x).reduce(0, +) / 4, y: corners.map(\.y).reduce(0, +) / 4)
        let (dx, dy) = (corners[1].x - corners[0].x, corners[1].y - corners[0].y)
        let width = (dx * dx + dy * dy).squareRoot()
        let (ex, ey) = (corners[2].x - corners[1].x, corners[2].y - corners[1].y)
        let height = (ex * ex + ey * ey).squareRoot()
        let rotation = (atan2(dy, dx) * 180 / .pi * 100).rounded() / 100
        return [
            JSONMember("x", .pixels(center.x - width / 2)), JSONMember("y", .pixels(center.y - height / 2)),
            JSONMember("width", .pixels(width)), JSONMember("height", .pixels(height)),
            JSONMember("rotation", .double(rotation)),
        ]
    }

    /// The zip's small text files by path; refuses a zip that would expand past the limits or whose files do
    /// not match their checksums.
    ///
    /// The bytes are read from a scratch file, not from memory: ZIPFoundation's in-memory reader traps on a
    /// directory offset past the end of the data, its file reader merely fails.
    private static func files(in zip: Data) throws(ValidationError) -> [String: String] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "labelpark-dataset-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let archive: Archive
        do {
            try zip.write(to: scratch)
            archive = try Archive(url: scratch, accessMode: .read)
        } catch {
            throw ValidationError(field: "body", message: "is not a zip archive")
        }
        var files: [String: String] = [:]
        var count = 0
        var expanded = 0
        for entry in archive where entry.type == .file {
            count += 1
            guard count <= maxEntries else {
                throw ValidationError(field: "body", message: "holds more than \(maxEntries) files")
            }
            let path = normalized(entry.path)
            guard path.hasSuffix(".txt") || path.hasSuffix(".yaml") || path.hasSuffix(".yml") else { continue }
            guard entry.uncompressedSize <= UInt64(maxFileBytes) else {
                throw ValidationError(field: path, message: "is larger than \(maxFileBytes) bytes")
            }
            expanded += Int(entry.uncompressedSize)
            guard expanded <= maxExpandedBytes else {
                throw ValidationError(field: "body", message: "expands to more than \(maxExpandedBytes) bytes")
            }
            var data = Data()
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, skipCRC32: false) { chunk in
                    // Sizes in a zip's headers may lie; what is inflated is counted too.
                    guard data.count + chunk.count <= maxFileBytes else { throw CocoaError(.fileReadTooLarge) }
                    data.append(chunk)
                }
            } catch {
                throw ValidationError(field: path, message: "cannot be read from the zip: \(error)")
            }
            guard checksum == entry.checksum else {
                throw ValidationError(field: path, message: "does not match its checksum (a damaged zip)")
            }
            files[path] = String(decoding: data, as: UTF8.self)
        }
        return files
    }

    /// How deep `data.yaml` may nest: Yams builds its tree recursively, on a task's small stack.
    static let maxYAMLDepth = 16

    /// Refuses YAML a dataset's settings never need and that could make parsing run away: anchors and aliases
    /// (a few hundred bytes can stand for billions of nodes) and deep nesting (by indentation, by `- - -` on a
    /// line, by brackets). Quoted text and comments are skipped.
    static func checkShape(_ yaml: String) throws(ValidationError) {
        var flowDepth = 0
        for (number, line) in yaml.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            func refuse(_ why: String) -> ValidationError {
                ValidationError(field: "data.yaml", message: "line \(number + 1): \(why)")
            }
            let indentation = line.prefix { $0 == " " || $0 == "\t" }.count
            let dashes = line.split(separator: " ", omittingEmptySubsequences: true).prefix { $0 == "-" }.count
            guard indentation / 2 + dashes + flowDepth <= maxYAMLDepth else {
                throw refuse("nests deeper than \(maxYAMLDepth) levels")
            }
            var quote: Character?
            var previous: Character = " "
            for character in line {
                if let open = quote {
                    if character == open { quote = nil }
                } else if character == "\"" || character == "'" {
                    quote = character
                } else if character == "#" && (previous == " " || previous == "\t") {
                    break
                } else if character == "&" || character == "*",
                    previous == " " || previous == "\t" || "[{,:?-".contains(previous)
                {
                    throw refuse("anchors and aliases (& and *) are not accepted")
                } else if character == "[" || character == "{" {
                    flowDepth += 1
                    guard indentation / 2 + dashes + flowDepth <= maxYAMLDepth else {
                        throw refuse("nests deeper than \(maxYAMLDepth) levels")
                    }
                } else if character == "]" || character == "}" {
                    flowDepth = max(0, flowDepth - 1)
                }
                previous = character
            }
        }
    }

    private static func names(_ node: Node?) throws(ValidationError) -> [Int: String] {
        var names: [Int: String] = [:]
        if let list = node?.sequence {
            for (index, item) in list.enumerated() { if let name = item.string { names[index] = name } }
        } else if let mapping = node?.mapping {
            for (key, value) in mapping {
                guard let index = key.int, let name = value.string else {
                    throw ValidationError(field: "data.yaml.names", message: "must map class numbers to names")
                }
                names[index] = name
            }
        }
        guard !names.isEmpty else {
            throw ValidationError(field: "data.yaml.names", message: "must name the classes")
        }
        return names
    }

    private static func question(named name: String?, in schema: ProjectSchema) throws(ValidationError) -> Question {
        let fitting = schema.questions.filter { question in
            question.kind.as(BoxesQuestion.self) != nil || question.kind.as(PolygonsQuestion.self) != nil
                || question.kind.as(KeypointsQuestion.self) != nil
        }
        if let name {
            guard let question = fitting.first(where: { $0.name == name }) else {
                throw ValidationError(
                    field: "question", message: "\"\(name)\" is no boxes, polygons or keypoints question")
            }
            return question
        }
        guard fitting.count == 1, let question = fitting.first else {
            throw ValidationError(
                field: "question",
                message: fitting.isEmpty
                    ? "the schema has no boxes, polygons or keypoints question"
                    : "name the question the labels are for (question=)")
        }
        return question
    }

    /// A zip or list path without `./` and leading slashes.
    static func normalized<Text: StringProtocol>(_ path: Text) -> String {
        var text = String(path)
        while text.hasPrefix("./") || text.hasPrefix("/") { text.removeFirst(text.hasPrefix("./") ? 2 : 1) }
        return text
    }

    /// Ultralytics' label path of an image path: its last `images/` folder as `labels/`, extension `.txt`.
    static func labelPath(of image: String) -> String {
        var path = image
        if let range = path.range(of: "images/", options: .backwards),
            range.lowerBound == path.startIndex || path[path.index(before: range.lowerBound)] == "/"
        {
            path.replaceSubrange(range, with: "labels/")
        }
        if let dot = path.lastIndex(of: "."), !path[dot...].contains("/") { path = String(path[..<dot]) }
        return path + ".txt"
    }

    /// The keys a listed path may be: itself, then the part after `images/<subset>/`.
    static func candidateKeys(_ path: String) -> [String] {
        var keys = [path]
        let parts = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[0] == "images" { keys.append(String(parts[2])) }
        return keys
    }
}
