import Foundation
import HTTPTypes
import Hummingbird
import LabelParkCore
import LabelParkFormats
import LabelParkStore
import Synchronization

/// YOLO and VOC exports: a zip of one label file per image and the lists that tie them together.
extension ExportController {
    /// `GET …/export?format=yolo[&question=NAME][&answers=latest|all][&images=names|urls]`.
    func exportYOLO(_ request: Request, access: ProjectAccess, by principal: Principal) async throws -> Response {
        let yolo = try YOLOWriter(schema: access.project.schema, question: request.query("question"))
        return try await exportArchive(
            request, access: access, by: principal, format: "yolo", field: yolo.imageField, imageFolder: "images/train/"
        ) {
            image, results in
            let labels = yolo.labelLines(results, width: image.width, height: image.height)
            return [("labels/train/\(image.archiveStem).txt", Array(labels.utf8))]
        } closing: { images in
            let list = images.map { "./images/train/\($0.archivePath)\n" }.joined()
            return [("train.txt", Array(list.utf8)), ("data.yaml", Array(yolo.dataYAML(imageList: "train.txt").utf8))]
        }
    }

    /// `GET …/export?format=voc[&answers=latest|all][&images=names|urls]`.
    func exportVOC(_ request: Request, access: ProjectAccess, by principal: Principal) async throws -> Response {
        let voc = try VOCWriter(schema: access.project.schema)
        return try await exportArchive(
            request, access: access, by: principal, format: "voc", field: voc.imageField, imageFolder: "JPEGImages/"
        ) {
            image, results in
            let xml = voc.annotation(of: image, path: image.archivePath, results: results)
            return [("Annotations/\(image.archiveStem).xml", Array(xml.utf8))]
        } closing: { images in
            let list = images.map { "\($0.archiveStem)\n" }.joined()
            return [("ImageSets/Main/default.txt", Array(list.utf8)), ("labelmap.txt", Array(voc.labelMap.utf8))]
        }
    }

    /// Streams a zip built from the project's tasks: `perImage` turns the chosen results of every task showing an
    /// image into its files, once the last of those tasks is read; `closing` adds the files that list the images
    /// (in the order they came); with `images=urls` the images are named `asset-<id>.<ext>` and `image-urls.txt`
    /// says where the park serves each (`imageFolder` + name, a tab, the URL).
    private func exportArchive(
        _ request: Request, access: ProjectAccess, by principal: Principal, format: String, field: String,
        imageFolder: String,
        perImage: @escaping @Sendable (DatasetImage, [JSONValue]) -> [(String, [UInt8])],
        closing: @escaping @Sendable ([DatasetImage]) -> [(String, [UInt8])]
    ) async throws -> Response {
        let project = access.project
        let answers = try Self.cocoAnswers(request)
        let byURL = try Self.namesImagesByURL(request)
        let permit = try gate.enter()
        let (images, tasksPerImage) = try await datasetImages(
            of: project.id, field: field, byURL: byURL, urlNames: false, by: principal)
        let store = store
        var headers: HTTPFields = [:]
        headers[.contentType] = "application/zip"
        headers[.contentDisposition] = "attachment; filename=\"project-\(project.id)-\(format).zip\""
        let body = Self.streamed(holding: permit) { pipe in
            // Results of images some of whose tasks are still to come.
            let state = Mutex(
                (
                    zip: ZipStreamWriter(), waiting: [Int64: (seen: Int, results: [JSONValue])](),
                    written: [DatasetImage]()
                ))
            let parser = JSONParser(maxDepth: 64)
            try await store.exportTasks(of: project.id, by: principal) { task in
                guard let asset = DatasetImage.assetID(of: task, field: field), let image = images[asset] else {
                    return
                }
                let results = answers.chosen(from: task.annotations).compactMap {
                    try? parser.parse($0.resultJSON)
                }
                try state.withLock { state in
                    var entry = state.waiting.removeValue(forKey: asset) ?? (0, [])
                    entry.seen += 1
                    entry.results += results
                    guard entry.seen >= tasksPerImage[asset, default: 1] else {
                        state.waiting[asset] = entry
                        return
                    }
                    for (path, bytes) in perImage(image, entry.results) { try pipe.send(state.zip.entry(path, bytes)) }
                    state.written.append(image)
                }
            }
            var (zip, written, waiting) = state.withLock { ($0.zip, $0.written, $0.waiting) }
            // Tasks added between the count and this read leave an image short of its count: written all the same.
            for (asset, entry) in waiting.sorted(by: { $0.key < $1.key }) {
                guard let image = images[asset] else { continue }
                for (path, bytes) in perImage(image, entry.results) { try pipe.send(zip.entry(path, bytes)) }
                written.append(image)
            }
            var files = closing(written)
            if byURL {
                let urls = written.map { "\(imageFolder)\($0.archivePath)\t\($0.url)\n" }.joined()
                files.append(("image-urls.txt", Array(urls.utf8)))
            }
            for (path, bytes) in files { try pipe.send(zip.entry(path, bytes)) }
            try pipe.send(zip.finish())
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `answers=latest|all` of a dataset export.
    static func cocoAnswers(_ request: Request) throws -> COCOAnswers {
        guard let answers = COCOAnswers(rawValue: request.query("answers") ?? COCOAnswers.latest.rawValue) else {
            throw ValidationError(field: "answers", message: "must be latest or all")
        }
        return answers
    }

    /// Whether `images=urls` (rather than `names`, the default) was asked for.
    static func namesImagesByURL(_ request: Request) throws -> Bool {
        let naming = request.query("images") ?? "names"
        guard naming == "names" || naming == "urls" else {
            throw ValidationError(field: "images", message: "must be names or urls")
        }
        return naming == "urls"
    }

    /// The images the project's tasks show in `field`, by asset, and how many tasks show each. An image is named
    /// by its attached storage's object key or `<sha256>.<ext>`, or with `byURL` by its URL (`urlNames`, COCO's
    /// `file_name`) or `asset-<id>.<ext>`; images whose size is unknown are left out.
    func datasetImages(
        of project: ProjectID, field: String, byURL: Bool, urlNames: Bool, by principal: Principal
    ) async throws -> (images: [Int64: DatasetImage], tasksPerImage: [Int64: Int]) {
        let counted = Mutex([Int64: Int]())
        try await store.exportTasks(of: project, by: principal) { task in
            if let asset = DatasetImage.assetID(of: task, field: field) {
                counted.withLock { $0[asset, default: 0] += 1 }
            }
        }
        let tasksPerImage = counted.withLock { $0 }
        let ids = Array(tasksPerImage.keys)
        var images: [Int64: DatasetImage] = [:]
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            let batch = ids[start..<min(start + 1_000, ids.count)].map { AssetID($0) }
            for asset in try await store.assets(batch, in: project, by: principal) {
                guard let width = asset.width, let height = asset.height else { continue }
                let url = "/api/v1/assets/\(asset.id.rawValue)/content"
                let fileExtension = Self.fileExtension(of: asset.mediaType)
                let name: String
                if byURL {
                    name = urlNames ? url : "asset-\(asset.id.rawValue).\(fileExtension)"
                } else {
                    name = asset.source?.objectKey ?? "\(asset.sha256).\(fileExtension)"
                }
                images[asset.id.rawValue] = DatasetImage(
                    assetID: asset.id.rawValue, fileName: name, url: url, width: width, height: height)
            }
        }
        return (images, tasksPerImage)
    }
}
