import Foundation
import LabelParkAssets
import LabelParkCore
import LabelParkHTTP
import LabelParkStore

/// The demo's image projects: coal-mine camera frames and street scenes drawn by `DemoImages`, uploaded as
/// assets, one task per picture, every fourth a gold task whose answer is the boxes the drawing knows.
struct DemoImageProject {
    var name: String
    var description: String
    var question: String
    var labels: [String]
    var pictures: [DemoImages.Picture]

    var schemaJSON: String {
        JSONValue.object([
            "fields": .array([
                .object(["name": .string("photo"), "type": .string("image"), "label": .string("图像 Image")])
            ]),
            "questions": .array([
                .object([
                    "name": .string(question), "type": .string("boxes"), "field": .string("photo"),
                    "label": .string("框出目标 Box what you see"), "labels": .array(labels.map(JSONValue.string)),
                ])
            ]),
        ]).jsonText
    }

    static let all: [DemoImageProject] = [
        DemoImageProject(
            name: "井下摄像头隐患识别 Coal-mine camera frames",
            description:
                "Box every miner, mine cart and cloud of smoke in frames from a roadway camera. The frames are drawn by LabelPark's own code, not photographed.",
            question: "objects", labels: [DemoImages.minePerson, DemoImages.mineSmoke, DemoImages.mineCart],
            pictures: (0..<12).map(DemoImages.mineFrame)),
        DemoImageProject(
            name: "城市街景目标检测 Street scenes",
            description:
                "Box the cars and pedestrians of a smart-city street camera. The scenes are drawn by LabelPark's own code, not photographed.",
            question: "objects", labels: [DemoImages.streetCar, DemoImages.streetPedestrian],
            pictures: (0..<10).map(DemoImages.streetScene)),
    ]

    /// Uploads the pictures into `project` and imports their tasks.
    func seed(into project: ProjectID, store: any ParkStore, media: MediaSettings, by manager: Principal) async throws {
        var tasks: [NewTask] = []
        for (index, picture) in pictures.enumerated() {
            let asset = try await Self.upload(picture, into: project, store: store, media: media, by: manager)
            let data = JSONValue.object([
                "photo": .string("asset:\(asset.rawValue)"), "ref": .string("demo-image-\(index + 1)"),
            ])
            let boxes = JSONValue.array(
                picture.boxes.map { box in
                    .object([
                        "x": .integer(box.x), "y": .integer(box.y), "width": .integer(box.width),
                        "height": .integer(box.height), "label": .string(box.label),
                    ])
                })
            let gold = index % 4 == 0 ? JSONValue.object([JSONMember(question, boxes)]).jsonText : nil
            tasks.append(NewTask(dataJSON: data.jsonText, goldJSON: gold))
        }
        let prepared = tasks
        _ = try await store.importTasks(into: project, by: manager) { insert in
            for task in prepared { try insert(task) }
        }
    }

    private static func upload(
        _ picture: DemoImages.Picture, into project: ProjectID, store: any ParkStore, media: MediaSettings,
        by manager: Principal
    ) async throws -> AssetID {
        try FileManager.default.createDirectory(atPath: media.stagingDirectory, withIntermediateDirectories: true)
        let path = media.stagingDirectory + "/demo-" + UUID().uuidString + ".png"
        guard FileManager.default.createFile(atPath: path, contents: Data(picture.png)) else {
            throw AssetStoreError.invalidConfiguration("cannot write \(path)")
        }
        let (digest, length) = try FileDigest.sha256(ofFileAt: path)
        guard let key = AssetKey.blob(sha256: digest) else {
            throw AssetStoreError.invalidConfiguration("bad digest \(digest)")
        }
        try await media.store.put(movingFileAt: path, as: key, contentType: "image/png")
        let (asset, _) = try await store.recordAsset(
            NewAsset(
                sha256: digest, mediaType: "image/png", byteCount: length, width: picture.width, height: picture.height,
                tiles: .none),
            in: project, quotaBytes: nil, by: manager)
        return asset.id
    }
}
