import Foundation
import HTTPTypes
import Testing

@Suite("Boxes and polygons: answers checked against the image, scored and compared by IoU")
struct RegionRouteTests {
    static let schema = """
        {"fields":[{"name":"photo","type":"image"}],"questions":[\
        {"name":"hazards","type":"boxes","field":"photo","labels":["person","smoke"],"rotation":true},\
        {"name":"cracks","type":"polygons","field":"photo","labels":["crack"],"iou_threshold":0.3}]}
        """

    /// A project with `schema` and a 640 × 480 image uploaded into it.
    static func project(_ park: TestPark, name: String, overlap: Int) async throws -> (project: Int, asset: Int) {
        let created = try await park.send(
            .post, "/api/v1/projects", as: park.managerA,
            json: #"{"name":"\#(name)","overlap":\#(overlap),"schema":\#(schema)}"#)
        try #require(created.status == .created, "\(created.text)")
        let project = try #require(created.int("id"))
        let uploaded = try await MediaRouteTests.upload(
            park, TestImages.png(width: 640, height: 480), as: "image/png", into: project)
        return (project, try #require(uploaded.int("id")))
    }

    @Test("a box outside the image is refused with its path; gold and agreement come out by IoU")
    func boxesEndToEnd() async throws {
        try await withTestPark { park in
            let (project, asset) = try await Self.project(park, name: "Mine hazards", overlap: 2)
            let gold = #"{"hazards":[{"x":100,"y":100,"width":50,"height":80,"label":"person"}],"cracks":[]}"#
            let policy = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"quality":{"gold_at_start":1}}"#)
            #expect(policy.status == .ok)
            // Gold is checked against the image too: a gold box past its edge is an invalid line.
            let outsideGold = try await park.importNDJSON(
                [
                    #"{"data":{"photo":"asset:\#(asset)"},"gold":{"hazards":[{"x":600,"y":0,"width":80,"height":9,"label":"smoke"}]}}"#
                ],
                into: project, as: park.managerA)
            #expect(outsideGold.status == .unprocessableContent, "\(outsideGold.text)")
            #expect(outsideGold.text.contains("gold.hazards[0]") && outsideGold.text.contains("640 × 480"))
            let imported = try await park.importNDJSON(
                [
                    #"{"data":{"photo":"asset:\#(asset)"},"gold":\#(gold)}"#, #"{"data":{"photo":"asset:\#(asset)"}}"#,
                ], into: project, as: park.managerA)
            #expect(imported.status == .created, "\(imported.text)")

            // The gold task comes first; an answer reaching past the image's edge is refused where it goes wrong.
            let claim = try await park.claim(project, as: park.annotatorA)
            let outside = try await park.submit(
                claim, result: #"{"hazards":[{"x":600,"y":100,"width":50,"height":80,"label":"person"}]}"#,
                as: park.annotatorA)
            #expect(outside.status == .unprocessableContent && outside.string("error.field") == "result.hazards[0]")
            #expect(outside.string("error.message")?.contains("640 × 480") == true, "\(outside.text)")
            let crossing = try await park.submit(
                claim, result: #"{"cracks":[{"points":[[0,0],[20,20],[20,0],[0,20]],"label":"crack"}]}"#,
                as: park.annotatorA)
            #expect(crossing.string("error.field") == "result.cracks[0].points", "\(crossing.text)")
            let near = #"{"hazards":[{"x":105,"y":100,"width":50,"height":80,"label":"person"}],"cracks":[]}"#
            #expect(try await park.submit(claim, result: near, as: park.annotatorA).status == .created)
            let second = try await park.claim(project, as: park.annotatorA)
            _ = try await park.submit(second, result: near, as: park.annotatorA)
            let other = try await park.makeAnnotator("second-annotator")
            let otherGold = try await park.claim(project, as: other)
            _ = try await park.submit(otherGold, result: gold, as: other)
            let otherWork = try await park.claim(project, as: other)
            let shifted = #"{"hazards":[{"x":110,"y":100,"width":50,"height":80,"label":"person"}],"cracks":[]}"#
            _ = try await park.submit(otherWork, result: shifted, as: other)

            let report = try await park.send(.get, "/api/v1/projects/\(project)/quality", as: park.managerA)
            #expect(report.status == .ok, "\(report.text)")
            let questions = try #require((report.json as? [String: Any])?["questions"] as? [[String: Any]])
            let hazards = try #require(questions.first { $0["name"] as? String == "hazards" })
            #expect(hazards["type"] as? String == "boxes")
            let agreement = try #require(hazards["agreement"] as? [String: Any])
            // On both tasks the two answers are 5 px apart on a 50 px wide box: IoU 45·80 / 55·80 = 9/11, a match.
            #expect(agreement["mean_pairwise_f1"] as? Double == 1, "\(agreement)")
            #expect(abs((agreement["mean_matched_iou"] as? Double ?? 0) - 9.0 / 11.0) < 1e-9, "\(agreement)")
            #expect(agreement["compared_pairs"] as? Int == 2)
            let records = try #require(hazards["annotators"] as? [[String: Any]])
            let golds = records.compactMap { $0["gold"] as? [String: Any] }
            #expect(golds.count == 2 && golds.allSatisfy { $0["accuracy"] as? Double == 1 }, "\(golds)")
            let meanIoUs = golds.compactMap { ($0["regions"] as? [String: Any])?["mean_iou"] as? Double }.sorted()
            #expect(meanIoUs.count == 2 && abs(meanIoUs[0] - 9.0 / 11.0) < 1e-9 && meanIoUs[1] == 1, "\(golds)")
        }
    }

    @Test("format=coco writes images, categories and each task's answer as COCO instances")
    func cocoExport() async throws {
        try await withTestPark { park in
            let (project, asset) = try await Self.project(park, name: "Grottoes", overlap: 1)
            _ = try await park.importNDJSON(
                [#"{"photo":"asset:\#(asset)"}"#, #"{"photo":"asset:\#(asset)"}"#], into: project, as: park.managerA)
            let first = try await park.claim(project, as: park.annotatorA)
            let answer = """
                {"hazards":[{"x":10,"y":20,"width":100,"height":50,"label":"smoke"},\
                {"x":100,"y":100,"width":40,"height":20,"rotation":90,"label":"person"}],\
                "cracks":[{"points":[[0,0],[40,0],[40,10],[10,10],[10,40],[0,40]],"label":"crack"}]}
                """
            #expect(try await park.submit(first, result: answer, as: park.annotatorA).status == .created)

            let refused = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=coco&answers=best", as: park.managerA)
            #expect(refused.status == .unprocessableContent && refused.string("error.field") == "answers")
            let texts = try await park.createProject(as: park.managerA)
            let noRegions = try await park.send(
                .get, "/api/v1/projects/\(texts)/export?format=coco", as: park.managerA)
            #expect(noRegions.status == .unprocessableContent && noRegions.string("error.field") == "format")

            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export?format=coco", as: park.managerA)
            #expect(reply.status == .ok && reply.header("Content-Type")?.hasPrefix("application/json") == true)
            let coco = try #require(reply.json as? [String: Any], "\(reply.text)")
            let categories = try #require(coco["categories"] as? [[String: Any]])
            #expect(categories.map { $0["name"] as? String } == ["person", "smoke", "crack"])
            #expect(categories.map { $0["supercategory"] as? String } == ["hazards", "hazards", "cracks"])
            let images = try #require(coco["images"] as? [[String: Any]])
            #expect(
                images.count == 1 && images.allSatisfy { $0["width"] as? Int == 640 && $0["height"] as? Int == 480 })
            // Both tasks show the one image: it is one COCO image, its id the asset's.
            #expect(images.first?["id"] as? Int == asset)
            #expect((images.first?["file_name"] as? String)?.hasSuffix(".png") == true)
            #expect(images.first?["coco_url"] as? String == "/api/v1/assets/\(asset)/content")
            let annotations = try #require(coco["annotations"] as? [[String: Any]])
            #expect(annotations.count == 3)
            let smoke = try #require(annotations.first { $0["category_id"] as? Int == 2 })
            #expect(smoke["bbox"] as? [Double] == [10, 20, 100, 50] && smoke["area"] as? Double == 5000)
            #expect((smoke["segmentation"] as? [Any])?.isEmpty == true && smoke["iscrowd"] as? Int == 0)
            // Turned a quarter about its centre (120, 110): 20 wide and 40 high.
            let person = try #require(annotations.first { $0["category_id"] as? Int == 1 })
            let box = try #require(person["bbox"] as? [Double])
            #expect(zip(box, [110.0, 90, 20, 40]).allSatisfy { abs($0 - $1) < 1e-9 }, "\(box)")
            #expect((person["attributes"] as? [String: Any])?["rotation"] as? Double == 90)
            let crack = try #require(annotations.first { $0["category_id"] as? Int == 3 })
            #expect(crack["area"] as? Double == 700 && crack["bbox"] as? [Double] == [0, 0, 40, 40])
            #expect(Set(annotations.compactMap { $0["image_id"] as? Int }) == [asset])
            #expect(
                Set(annotations.compactMap { ($0["attributes"] as? [String: Any])?["task_id"] as? Int }).count == 1)
            let urls = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=coco&images=urls", as: park.managerA)
            #expect(urls.text.contains(#""file_name":"/api/v1/assets/\#(asset)/content""#))
        }
    }

    @Test("a prefill is checked against the image and handed out with the claim; gold tasks have none")
    func prefills() async throws {
        try await withTestPark { park in
            let (project, asset) = try await Self.project(park, name: "Model boxes", overlap: 1)
            let inside = #"{"hazards":[{"x":10,"y":20,"width":100,"height":50,"label":"smoke"}]}"#
            let outside = #"{"hazards":[{"x":600,"y":20,"width":100,"height":50,"label":"smoke"}]}"#
            let refused = try await park.importNDJSON(
                [
                    #"{"data":{"photo":"asset:\#(asset)"},"prefill":\#(inside)}"#,
                    #"{"data":{"photo":"asset:\#(asset)"},"prefill":\#(inside),"gold":\#(inside)}"#,
                    #"{"data":{"photo":"asset:\#(asset)"},"prefill":{"hazards":[{"label":"dog"}]}}"#,
                ], into: project, as: park.managerA)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            let errors = try #require((refused.json as? [String: Any])?["errors"] as? [[String: Any]])
            #expect(errors.compactMap { $0["line"] as? Int } == [2, 3], "\(refused.text)")
            // Checked against the image once the media are known, like gold.
            let beyond = try await park.importNDJSON(
                [
                    #"{"data":{"photo":"asset:\#(asset)"},"prefill":\#(inside)}"#,
                    #"{"data":{"photo":"asset:\#(asset)"},"prefill":\#(outside)}"#,
                ], into: project, as: park.managerA)
            let beyondErrors = try #require((beyond.json as? [String: Any])?["errors"] as? [[String: Any]])
            #expect(beyondErrors.compactMap { $0["line"] as? Int } == [2], "\(beyond.text)")
            let message = beyondErrors.first?["message"] as? String ?? ""
            #expect(message.contains("prefill.hazards[0]") && message.contains("640 × 480"), "\(message)")
            let imported = try await park.importNDJSON(
                [#"{"data":{"photo":"asset:\#(asset)"},"prefill":\#(inside)}"#], into: project, as: park.managerA)
            #expect(imported.status == .created, "\(imported.text)")
            let claim = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            let task = try #require((claim.json as? [String: Any])?["task"] as? [String: Any], "\(claim.text)")
            let prefill = try #require(task["prefill"] as? [String: Any])
            #expect((prefill["hazards"] as? [[String: Any]])?.first?["label"] as? String == "smoke")
        }
    }
}
