import Foundation
import HTTPTypes
import LabelParkHTTP
import Testing
import ZIPFoundation

@Suite("YOLO and VOC exports: a zip of label files per image, read back as an archive")
struct DatasetArchiveRouteTests {
    static let schema = """
        {"fields":[{"name":"photo","type":"image"}],"questions":[\
        {"name":"hazards","type":"boxes","field":"photo","labels":["person","smoke"]},\
        {"name":"cracks","type":"polygons","field":"photo","labels":["crack"]},\
        {"name":"pose","type":"keypoints","field":"photo","labels":["person"],"points":["head","hand"]},\
        {"name":"seg","type":"masks","field":"photo","labels":["coal"]}]}
        """

    /// The entries of a zip, by path.
    static func entries(_ body: [UInt8]) throws -> [String: String] {
        let archive = try Archive(data: Data(body), accessMode: .read)
        var entries: [String: String] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            entries[entry.path] = String(decoding: data, as: UTF8.self)
        }
        return entries
    }

    @Test("yolo writes detect, segment and pose labels and data.yaml; voc writes one XML per image")
    func archives() async throws {
        try await withTestPark { park in
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Street scenes","overlap":1,"schema":\#(Self.schema)}"#)
            let project = try #require(created.int("id"), "\(created.text)")
            let uploaded = try await MediaRouteTests.upload(
                park, TestImages.png(width: 200, height: 100), as: "image/png", into: project)
            let asset = try #require(uploaded.int("id"))
            _ = try await park.importNDJSON(
                [#"{"photo":"asset:\#(asset)"}"#, #"{"photo":"asset:\#(asset)"}"#], into: project, as: park.managerA)
            let first = try await park.claim(project, as: park.annotatorA)
            let answer = """
                {"hazards":[{"x":10,"y":20,"width":100,"height":50,"label":"smoke"}],\
                "cracks":[{"points":[[0,0],[50,0],[50,25]],"label":"crack"}],\
                "pose":[{"points":{"head":[20,10,2],"hand":[60,30,1]},"label":"person"}]}
                """
            #expect(try await park.submit(first, result: answer, as: park.annotatorA).status == .created)
            let second = try await park.claim(project, as: park.annotatorA)
            let other = #"{"hazards":[{"x":0,"y":0,"width":200,"height":100,"label":"person"}]}"#
            #expect(try await park.submit(second, result: other, as: park.annotatorA).status == .created)

            let detect = try await park.send(.get, "/api/v1/projects/\(project)/export?format=yolo", as: park.managerA)
            #expect(detect.status == .ok && detect.header("Content-Type") == "application/zip")
            let files = try Self.entries(detect.bytes)
            let stem = try #require(files.keys.first { $0.hasPrefix("labels/train/") })
            // Both tasks show the one image: its label file holds both answers' boxes.
            #expect(files[stem] == "1 0.3 0.45 0.5 0.5\n0 0.5 0.5 1 1\n", "\(files)")
            #expect(files["train.txt"]?.hasPrefix("./images/train/") == true)
            #expect(
                files["data.yaml"]?.contains("names:\n  0: person\n  1: smoke\n") == true, "\(files["data.yaml"] ?? "")"
            )

            let segment = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=yolo&question=cracks", as: park.managerA)
            #expect(try Self.entries(segment.bytes)[stem] == "0 0 0 0.25 0 0.25 0.25\n")
            let pose = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=yolo&question=pose&images=urls", as: park.managerA)
            let poseFiles = try Self.entries(pose.bytes)
            #expect(poseFiles["labels/train/asset-\(asset).txt"] == "0 0.2 0.2 0.2 0.2 0.1 0.1 2 0.3 0.3 1\n")
            #expect(poseFiles["data.yaml"]?.contains("kpt_shape: [2, 3]") == true, "\(poseFiles["data.yaml"] ?? "")")
            #expect(poseFiles["image-urls.txt"] == "images/train/asset-\(asset).png\t/api/v1/assets/\(asset)/content\n")
            let masks = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=yolo&question=seg", as: park.managerA)
            #expect(masks.status == .unprocessableContent && masks.string("error.field") == "question")
            let unknown = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=yolo&question=nope", as: park.managerA)
            #expect(unknown.status == .unprocessableContent && unknown.string("error.field") == "question")

            let voc = try await park.send(.get, "/api/v1/projects/\(project)/export?format=voc", as: park.managerA)
            let vocFiles = try Self.entries(voc.bytes)
            let xmlPath = try #require(vocFiles.keys.first { $0.hasPrefix("Annotations/") })
            let xml = try #require(vocFiles[xmlPath])
            #expect(xml.contains("<width>200</width>") && xml.contains("<height>100</height>"))
            #expect(xml.components(separatedBy: "<object>").count == 4, "\(xml)")
            #expect(xml.contains("<name>crack</name>") && xml.contains("<xmax>50.0</xmax>"), "\(xml)")
            #expect(vocFiles["labelmap.txt"] == "# label:color_rgb:parts:actions\nperson:::\nsmoke:::\ncrack:::\n")
            #expect(
                vocFiles["ImageSets/Main/default.txt"].map { xmlPath.hasSuffix(".xml") && $0.hasSuffix("\n") } == true)
        }
    }
}

@Suite("COCO imports: a task per image, its annotations as gold or prefill")
struct COCOImportRouteTests {
    @Test("a LabelPark COCO export comes back as prefilled tasks with the same regions; problems name the image")
    func roundTrip() async throws {
        try await withTestPark { park in
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Round trip","overlap":1,"schema":\#(DatasetArchiveRouteTests.schema)}"#)
            let project = try #require(created.int("id"), "\(created.text)")
            let uploaded = try await MediaRouteTests.upload(
                park, TestImages.png(width: 200, height: 100), as: "image/png", into: project)
            let asset = try #require(uploaded.int("id"))
            _ = try await park.importNDJSON([#"{"photo":"asset:\#(asset)"}"#], into: project, as: park.managerA)
            let claim = try await park.claim(project, as: park.annotatorA)
            let answer = """
                {"hazards":[{"x":10,"y":20,"width":100,"height":50,"label":"smoke"}],\
                "cracks":[{"points":[[0,0],[50,0],[50,25]],"label":"crack"}],\
                "pose":[{"points":{"head":[20,10,2],"hand":[60,30,1]},"label":"person"}],\
                "seg":[{"rle":{"size":[100,200],"counts":"jn1X1l10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000ne<"},"label":"coal"}]}
                """
            let submitted = try await park.submit(claim, result: answer, as: park.annotatorA)
            try #require(submitted.status == .created, "\(submitted.text)")
            let coco = try await park.send(.get, "/api/v1/projects/\(project)/export?format=coco", as: park.managerA)

            let imported = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=coco&as=prefill", as: park.managerA,
                body: coco.bytes, contentType: "application/json")
            #expect(imported.status == .created && imported.int("created") == 1, "\(imported.text)")
            let other = try await park.makeAnnotator("prefill-annotator")
            let next = try await park.send(.post, "/api/v1/projects/\(project)/next", as: other)
            let task = try #require((next.json as? [String: Any])?["task"] as? [String: Any], "\(next.text)")
            let prefill = try #require(task["prefill"] as? [String: Any], "\(task)")
            let boxes = try #require(prefill["hazards"] as? [[String: Any]])
            #expect(
                boxes.count == 1 && boxes.first?["width"] as? Double == 100
                    && boxes.first?["label"] as? String == "smoke")
            #expect(
                (prefill["cracks"] as? [[String: Any]])?.first?["points"] as? [[Double]] == [
                    [0, 0], [50, 0], [50, 25],
                ])
            let pose = try #require((prefill["pose"] as? [[String: Any]])?.first?["points"] as? [String: [Double]])
            #expect(pose == ["head": [20, 10, 2], "hand": [60, 30, 1]])
            let mask = (prefill["seg"] as? [[String: Any]])?.first?["rle"] as? [String: Any]
            #expect(mask?["size"] as? [Int] == [100, 200])

            // The whole file is refused for a category no question has; an image without a reference is a line.
            let unknown = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=coco&as=gold", as: park.managerA,
                json: #"{"images":[],"annotations":[],"categories":[{"id":1,"name":"dog"}]}"#)
            #expect(unknown.status == .unprocessableContent && unknown.string("error.field") == "categories[0].name")
            let unnamed = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=coco&as=gold", as: park.managerA,
                json:
                    #"{"images":[{"id":1,"file_name":"a.png"}],"annotations":[],"categories":[{"id":1,"name":"smoke"}]}"#
            )
            #expect(unnamed.status == .unprocessableContent, "\(unnamed.text)")
            #expect(unnamed.text.contains("images[0] names no LabelPark asset"), "\(unnamed.text)")
            let repeated = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=coco&as=gold", as: park.managerA,
                json: #"{"images":[{"id":1,"labelpark_asset_id":\#(asset)},{"id":1}],"annotations":[],"categories":[]}"#
            )
            #expect(repeated.string("error.field") == "images[1].id", "\(repeated.text)")
            let badCounts = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=coco&as=gold", as: park.managerA,
                json: """
                    {"images":[{"id":1,"labelpark_asset_id":\(asset)}],"categories":[{"id":1,"name":"coal"}],\
                    "annotations":[{"id":1,"image_id":1,"category_id":1,"segmentation":{"size":[100,200],"counts":[100,"x"]}}]}
                    """)
            #expect(badCounts.text.contains("segmentation.counts[1]"), "\(badCounts.text)")
            let noMode = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=coco", as: park.managerA, json: "{}")
            #expect(noMode.string("error.field") == "as")
            let outside = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=coco&as=gold", as: park.managerA,
                json: """
                    {"images":[{"id":1,"labelpark_asset_id":\(asset)}],"categories":[{"id":1,"name":"smoke"}],\
                    "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[150,0,100,10]}]}
                    """)
            #expect(outside.status == .unprocessableContent && outside.text.contains("200 × 100"), "\(outside.text)")
        }
    }
}

@Suite("YOLO imports: labels from a zip, images from an attached storage")
struct YOLOImportRouteTests {
    /// A zip of the given text files.
    static func labelsZip(_ files: [String: String]) throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return Array(try #require(archive.data))
    }

    @Test("boxes come back in pixels of the synced image; unknown images and classes name their line")
    func boxes() async throws {
        let folders = try StorageRouteTests.Folders()
        defer { folders.remove() }
        try folders.write(TestImages.png(width: 200, height: 100), "street/0001.png")
        try await withTestPark(attachments: try AttachmentPolicy(allowedDirectories: [folders.allowed])) { park in
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Streets","overlap":1,"schema":\#(DatasetArchiveRouteTests.schema)}"#)
            let project = try #require(created.int("id"), "\(created.text)")
            let attached = try await StorageRouteTests.attach(
                park, project, #"{"kind":"directory","path":"\#(folders.frames)"}"#)
            let storage = try #require(attached.int("id"), "\(attached.text)")
            #expect(
                try await StorageRouteTests.sync(park, project, storage, json: #"{"create_tasks":false}"#).status
                    == .accepted)

            let labels = try Self.labelsZip([
                "data.yaml": "train: train.txt\nnames:\n  0: person\n  1: smoke\n",
                "train.txt": "./images/train/street/0001.png\n",
                "labels/train/street/0001.txt": "1 0.3 0.45 0.5 0.5\n0 0.5 0.5 1 1\n",
            ])
            let path = "/api/v1/projects/\(project)/tasks?format=yolo&as=prefill&question=hazards&storage=\(storage)"
            let imported = try await park.send(
                .post, path, as: park.managerA, body: labels, contentType: "application/zip")
            #expect(imported.status == .created && imported.int("created") == 1, "\(imported.text)")
            let next = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            let task = try #require((next.json as? [String: Any])?["task"] as? [String: Any], "\(next.text)")
            let boxes = try #require((task["prefill"] as? [String: Any])?["hazards"] as? [[String: Any]], "\(task)")
            let numbers = boxes.map { box in ["x", "y", "width", "height"].map { box[$0] as? Double ?? -1 } }
            #expect(
                Swift.zip(numbers.flatMap { $0 }, [10.0, 20, 100, 50, 0, 0, 200, 100]).allSatisfy {
                    abs($0 - $1) < 1e-9
                })
            #expect(boxes.map { $0["label"] as? String } == ["smoke", "person"])

            let wrong = try Self.labelsZip([
                "data.yaml": "train: train.txt\nnames: [person, smoke]\n",
                "train.txt": "./images/train/street/0001.png\n./images/train/street/missing.png\n",
                "labels/train/street/0001.txt": "7 0.5 0.5 0.1 0.1\n",
            ])
            let refused = try await park.send(
                .post, path, as: park.managerA, body: wrong, contentType: "application/zip")
            let errors = try #require(
                (refused.json as? [String: Any])?["errors"] as? [[String: Any]], "\(refused.text)")
            #expect(errors.compactMap { $0["line"] as? Int } == [1, 2], "\(refused.text)")
            #expect((errors.first?["message"] as? String)?.contains("no class") == true, "\(refused.text)")
            let notZip = try await park.send(
                .post, path, as: park.managerA, body: Array("hello".utf8), contentType: "application/zip")
            #expect(notZip.status == .unprocessableContent && notZip.string("error.field") == "body", "\(notZip.text)")
            // An end record pointing past the body (ZIPFoundation's in-memory reader traps on it) and a billion
            // laughs in data.yaml are refused, not crashed or hung on.
            let pastEnd: [UInt8] = [
                0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0, 0x2e, 0, 0, 0, 0xe8, 0x03, 0, 0, 0, 0,
            ]
            let broken = try await park.send(
                .post, path, as: park.managerA, body: pastEnd, contentType: "application/zip")
            #expect(broken.status == .unprocessableContent && broken.string("error.field") == "body", "\(broken.text)")
            var laughs = "a: &a [\"lol\",\"lol\"]\n"
            for level in 1...9 {
                laughs +=
                    "\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ",")
                    + "]\n"
            }
            let bomb = try Self.labelsZip([
                "data.yaml": laughs + "train: train.txt\nnames: {*l9: car}\n", "train.txt": "a.png\n",
            ])
            let exploded = try await park.send(
                .post, path, as: park.managerA, body: bomb, contentType: "application/zip")
            #expect(exploded.string("error.field") == "data.yaml", "\(exploded.text)")
            #expect(exploded.string("error.message")?.contains("aliases") == true, "\(exploded.text)")
            let noStorage = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?format=yolo&as=gold", as: park.managerA, body: labels,
                contentType: "application/zip")
            #expect(noStorage.string("error.field") == "storage")
        }
    }
}
