import Foundation
import HTTPTypes
import Testing

@Suite("Masks and keypoints: answers checked against the image, compared by IoU and OKS, exported as COCO")
struct MaskKeypointRouteTests {
    static let schema = """
        {"fields":[{"name":"photo","type":"image"}],"questions":[\
        {"name":"seg","type":"masks","field":"photo","labels":["coal","water"]},\
        {"name":"pose","type":"keypoints","field":"photo","labels":["person"],"points":["head","neck","hand"],\
        "skeleton":[["head","neck"],["neck","hand"]],"sigmas":[0.03,0.05,0.07]}]}
        """

    /// The 5 × 7 mask of pixel (0, 0), rows 1–3 × columns 2–4 and pixel (4, 6), as pycocotools encodes it.
    static let counts = "01:2H0008N"

    @Test("a mask of the wrong size is refused; the crowd's mask, OKS agreement and the COCO file come out")
    func endToEnd() async throws {
        try await withTestPark { park in
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"Coal seams","overlap":2,"schema":\#(Self.schema)}"#)
            try #require(created.status == .created, "\(created.text)")
            let project = try #require(created.int("id"))
            let uploaded = try await MediaRouteTests.upload(
                park, TestImages.png(width: 7, height: 5), as: "image/png", into: project)
            let asset = try #require(uploaded.int("id"))
            _ = try await park.importNDJSON([#"{"photo":"asset:\#(asset)"}"#], into: project, as: park.managerA)

            let claim = try await park.claim(project, as: park.annotatorA)
            let wrongSize = try await park.submit(
                claim, result: #"{"seg":[{"rle":{"size":[7,5],"counts":"\#(Self.counts)"},"label":"coal"}]}"#,
                as: park.annotatorA)
            #expect(
                wrongSize.status == .unprocessableContent && wrongSize.string("error.field") == "result.seg[0].rle.size"
            )
            let outside = try await park.submit(
                claim, result: #"{"pose":[{"points":{"head":[8,1,2]},"label":"person"}]}"#, as: park.annotatorA)
            #expect(outside.string("error.field") == "result.pose[0].points.head", "\(outside.text)")
            let first = """
                {"seg":[{"rle":{"size":[5,7],"counts":"\(Self.counts)"},"label":"coal","id":"m1"}],\
                "pose":[{"points":{"head":[1,1,2],"neck":[1,3,1],"hand":[4,3,2]},"label":"person"}]}
                """
            #expect(try await park.submit(claim, result: first, as: park.annotatorA).status == .created)
            // The second annotator paints only the block (9 of the 11 pixels) and puts the hand 1 px off.
            let other = try await park.makeAnnotator("second-annotator")
            let otherClaim = try await park.claim(project, as: other)
            let block = ";320009"
            let second = """
                {"seg":[{"rle":{"size":[5,7],"counts":"\(block)"},"label":"coal"}],\
                "pose":[{"points":{"head":[1,1,2],"neck":[1,3,2],"hand":[5,3,2]},"label":"person"}]}
                """
            #expect(try await park.submit(otherClaim, result: second, as: other).status == .created)

            let report = try await park.send(.get, "/api/v1/projects/\(project)/quality", as: park.managerA)
            let questions = try #require((report.json as? [String: Any])?["questions"] as? [[String: Any]])
            let seg = try #require(questions.first { $0["name"] as? String == "seg" })
            let segAgreement = try #require(seg["agreement"] as? [String: Any])
            #expect(abs((segAgreement["mean_matched_iou"] as? Double ?? 0) - 9.0 / 11.0) < 1e-12, "\(segAgreement)")
            // Two voters of weight ½: a pixel either covers is in (ties count, as crowd-kit's rule).
            let voted = try #require((seg["aggregated"] as? [[String: Any]])?.first?["masks"] as? [[String: Any]])
            #expect(voted.count == 1 && voted.first?["area"] as? Int == 11 && voted.first?["support"] as? Int == 2)
            #expect((voted.first?["rle"] as? [String: Any])?["counts"] as? String == Self.counts)
            let pose = try #require(questions.first { $0["name"] as? String == "pose" })
            let poseAgreement = try #require(pose["agreement"] as? [String: Any])
            // OKS of the first against the second: their box is 4 × 2 = 8 px², the hand 1 px off with σ 0.07.
            let oks = (2 + exp(-1 / (4 * 0.07 * 0.07) / 8 / 2)) / 3
            #expect(poseAgreement["oks_threshold"] as? Double == 0.5)
            #expect(abs((poseAgreement["mean_matched_oks"] as? Double ?? 0) - oks) < 1e-12, "\(poseAgreement)")

            let export = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=coco&answers=all", as: park.managerA)
            let coco = try #require(export.json as? [String: Any], "\(export.text)")
            let categories = try #require(coco["categories"] as? [[String: Any]])
            #expect(categories.map { $0["name"] as? String } == ["coal", "water", "person"])
            #expect(categories[2]["keypoints"] as? [String] == ["head", "neck", "hand"])
            #expect(categories[2]["skeleton"] as? [[Int]] == [[1, 2], [2, 3]])
            let annotations = try #require(coco["annotations"] as? [[String: Any]])
            let masks = annotations.filter { $0["category_id"] as? Int == 1 }
            #expect(masks.count == 2)
            #expect(masks.first?["area"] as? Int == 11 && masks.first?["bbox"] as? [Int] == [0, 0, 7, 5])
            #expect((masks.first?["segmentation"] as? [String: Any])?["counts"] as? String == Self.counts)
            let people = annotations.filter { $0["category_id"] as? Int == 3 }
            #expect(people.first?["keypoints"] as? [Double] == [1, 1, 2, 1, 3, 1, 4, 3, 2])
            #expect(people.first?["num_keypoints"] as? Int == 3 && people.first?["area"] as? Double == 6)
        }
    }
}
