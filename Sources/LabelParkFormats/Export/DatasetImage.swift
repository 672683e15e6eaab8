import LabelParkCore
import LabelParkStore

/// An image file of a dataset export (COCO, YOLO, VOC): one per asset, however many tasks show it.
public struct DatasetImage: Sendable, Hashable {
    public var assetID: Int64
    /// The image's name: an attached storage's object key, or `<sha256>.<ext>` for an upload, or its URL.
    public var fileName: String
    /// Where the park serves it: `/api/v1/assets/{id}/content`.
    public var url: String
    public var width: Int
    public var height: Int

    public init(assetID: Int64, fileName: String, url: String, width: Int, height: Int) {
        self.assetID = assetID
        self.fileName = fileName
        self.url = url
        self.width = width
        self.height = height
    }
}

extension DatasetImage {
    /// A path for the image inside an archive, below its folder: the file name when it is a plain relative
    /// path (an object key's folders are kept), else `asset-<id>.<extension>`, so that no key (`../x`, `/etc/x`,
    /// `a\\b`) can place a file outside the archive's folders.
    public var archivePath: String {
        let parts = fileName.split(separator: "/", omittingEmptySubsequences: false)
        let plain =
            !fileName.isEmpty && fileName.utf8.count <= 512 && !fileName.contains("\\")
            && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
            && !fileName.unicodeScalars.contains { $0.properties.generalCategory == .control }
        if plain { return fileName }
        let dot = fileName.lastIndex(of: ".")
        let suffix = dot.map { String(fileName[$0...]) }.flatMap { $0.count <= 6 && !$0.contains("/") ? $0 : nil }
        return "asset-\(assetID)\(suffix ?? "")"
    }

    /// ``archivePath`` without its extension: the stem of the image's label file.
    public var archiveStem: String {
        let path = archivePath
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path }
        return String(path[..<dot])
    }
}

extension DatasetImage {
    /// The uploaded or synced asset a task's image field names (`asset:<id>`).
    public static func assetID(of task: ExportedTask, field: String) -> Int64? {
        guard let data = try? JSONParser(maxDepth: 64).parse(task.dataJSON), let text = data[field]?.stringValue,
            case .asset(let id) = MediaReference(text)
        else { return nil }
        return id
    }
}
