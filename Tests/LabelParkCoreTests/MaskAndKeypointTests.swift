import Foundation
import LabelParkCore
import Testing

@Suite("Run-length masks: COCO's compressed counts, areas, boxes, IoU and the pixel vote")
struct RunLengthMaskTests {
    /// Masks and strings pycocotools 2.0.11 gives (`mask.encode(np.asfortranarray(m))`, `area`, `toBbox`).
    @Test("counts decode and encode as pycocotools writes them")
    func pycocotoolsVectors() throws {
        // 5 × 7: pixel (0, 0), the block rows 1–3 × columns 2–4 and pixel (4, 6).
        let small = try RunLengthMask(height: 5, width: 7, compressedCounts: "01:2H0008N")
        #expect(small.area == 11)
        #expect(small.counts == [0, 1, 10, 3, 2, 3, 2, 3, 10, 1])
        #expect(small.compressedCounts == "01:2H0008N")
        #expect(small.boundingBox == (0, 0, 7, 5))

        // 300 × 400: rows 10–199 × columns 50–59 and rows 250–299 × columns 390–399.
        let blocks = "Re>n5^300000000000000000XmP3dKTWoL00000000000000000"
        let first = try RunLengthMask(height: 300, width: 400, compressedCounts: blocks)
        #expect(first.area == 2400)
        #expect(first.boundingBox == (50, 10, 350, 290))
        #expect(first.compressedCounts == blocks)
        // Rows 100–219 × columns 55–69: IoU 0.13513514 in pycocotools.
        let second = try RunLengthMask(
            height: 300, width: 400, compressedCounts: "hV`0h3d5000000000000000000000000000dbP3")
        #expect(abs(first.iou(with: second) - 0.13513514) < 1e-8)
        #expect(second.iou(with: first) == first.iou(with: second))

        #expect(try RunLengthMask(height: 3, width: 3, compressedCounts: "9").area == 0)
        #expect(try RunLengthMask(height: 3, width: 3, compressedCounts: "09").area == 9)
        // The last pixel of 2000 × 3000: one long run of 0s.
        let corner = try RunLengthMask(height: 2000, width: 3000, compressedCounts: "o[Sg51")
        #expect(corner.intervals == [5_999_999..<6_000_000])
        #expect(RunLengthMask(height: 2000, width: 3000, intervals: corner.intervals).compressedCounts == "o[Sg51")
    }

    @Test(
        "hostile counts are refused with a reason, never trapped on",
        arguments: [
            ("01:2H0008", MaskDecodingError.countsShortOfImage(covered: 34, pixels: 35)),
            ("01:2H0008N1", .countsExceedImage), ("0 1", .badCharacter), ("p", .badCharacter), ("o", .truncated),
            ("oooooooo1", .countTooLarge), ("0N", .negativeCount),
        ])
    func hostileCounts(_ counts: String, _ expected: MaskDecodingError) {
        #expect(throws: expected) { try RunLengthMask(height: 5, width: 7, compressedCounts: counts) }
    }

    @Test("sizes out of range are refused before any multiplication")
    func sizes() {
        #expect(throws: MaskDecodingError.badSize) { try RunLengthMask(height: 0, width: 7, compressedCounts: "") }
        #expect(throws: MaskDecodingError.badSize) {
            try RunLengthMask(height: Int.max, width: Int.max, compressedCounts: "0")
        }
    }

    @Test("random masks survive encoding, and IoU, union and vote agree with the pixels")
    func randomMasks() throws {
        var random = SplitMix64(seed: 20_261_208)
        for _ in 0..<200 {
            let height = Int(random.next() % 9) + 1
            let width = Int(random.next() % 9) + 1
            func randomPixels() -> [Bool] { (0..<height * width).map { _ in random.next() % 3 == 0 } }
            func mask(_ pixels: [Bool]) -> RunLengthMask {
                RunLengthMask(
                    height: height, width: width,
                    intervals: pixels.indices.filter { pixels[$0] }.map { $0..<$0 + 1 })
            }
            let voters = (0..<3).map { _ in randomPixels() }
            let masks = voters.map(mask)
            for one in masks {
                let decoded = try RunLengthMask(height: height, width: width, compressedCounts: one.compressedCounts)
                #expect(decoded == one)
            }
            let shared = zip(voters[0], voters[1]).filter { $0 && $1 }.count
            let either = zip(voters[0], voters[1]).filter { $0 || $1 }.count
            #expect(masks[0].intersectionArea(with: masks[1]) == shared)
            #expect(masks[0].iou(with: masks[1]) == (either == 0 ? 0 : Double(shared) / Double(either)))
            #expect(
                RunLengthMask.union(masks)?.area == (0..<height * width).filter { i in voters.contains { $0[i] } }.count
            )
            // Weights 1, 1, 1.5: a pixel is in when its voters weigh at least half of 3.5.
            let weights = [1.0, 1.0, 1.5]
            let expected = mask(
                (0..<height * width).map { i in
                    2 * (0..<3).reduce(0.0) { $0 + (voters[$1][i] ? weights[$1] : 0) } >= 3.5
                })
            #expect(RunLengthMask.vote(Array(zip(masks, weights))) == expected)
        }
    }
}

@Suite("The masks and keypoints kinds")
struct MaskAndKeypointQuestionTests {
    static let schema = ProjectSchema(
        fields: [Field(name: "photo", kind: .image)],
        questions: [
            Question(name: "seg", kind: .masks(field: "photo", labels: ["coal", "water"])),
            Question(
                name: "pose",
                kind: .keypoints(
                    field: "photo", labels: ["person"], points: ["head", "neck", "hand"], skeleton: [[0, 1], [1, 2]])),
        ])

    static let context = AnswerContext(
        data: .object([JSONMember("photo", .string("asset:1"))]),
        media: ["photo": MediaMetadata(mediaType: "image/png", width: 7, height: 5)])

    func rejection(_ result: String) throws -> String? {
        let parsed = try JSONParser().parse(result)
        do {
            try Self.schema.validate(result: parsed, in: Self.context)
            return nil
        } catch {
            return error.field
        }
    }

    @Test(
        "masks and keypoints are checked against the schema and the image, with the path of what is wrong",
        arguments: [
            (#"{"seg":[{"rle":{"size":[5,7],"counts":"01:2H0008N"},"label":"coal","id":"m1"}]}"#, nil),
            (#"{"seg":[{"rle":{"size":[5,7],"counts":"01:2H0008N"},"label":"oil"}]}"#, "result.seg[0].label"),
            (#"{"seg":[{"rle":{"size":[7,5],"counts":"01:2H0008N"},"label":"coal"}]}"#, "result.seg[0].rle.size"),
            (#"{"seg":[{"rle":{"size":[5],"counts":"01:2H0008N"},"label":"coal"}]}"#, "result.seg[0].rle.size"),
            (#"{"seg":[{"rle":{"size":[5,7],"counts":[0,35]},"label":"coal"}]}"#, "result.seg[0].rle.counts"),
            (#"{"seg":[{"rle":{"size":[5,7],"counts":"01:2H0008"},"label":"coal"}]}"#, "result.seg[0].rle.counts"),
            (#"{"seg":[{"rle":{"size":[5,7],"counts":"Q1"},"label":"coal"}]}"#, "result.seg[0].rle.counts"),
            (#"{"seg":[{"rle":{"size":[5,7],"counts":"01:2H0008N","x":1},"label":"coal"}]}"#, "result.seg[0].rle.x"),
            (#"{"seg":[{"mask":"x","label":"coal"}]}"#, "result.seg[0].mask"),
            (#"{"pose":[{"points":{"head":[1,1,2],"hand":[3,4,1]},"label":"person","id":"k1"}]}"#, nil),
            (#"{"pose":[{"points":{"head":[1,1,2],"neck":[0,0,0]},"label":"person"}]}"#, nil),
            (#"{"pose":[{"points":{"neck":[0,0,0]},"label":"person"}]}"#, "result.pose[0].points"),
            (#"{"pose":[{"points":{},"label":"person"}]}"#, "result.pose[0].points"),
            (#"{"pose":[{"points":{"tail":[1,1,2]},"label":"person"}]}"#, "result.pose[0].points.tail"),
            (#"{"pose":[{"points":{"head":[1,1,3]},"label":"person"}]}"#, "result.pose[0].points.head[2]"),
            (#"{"pose":[{"points":{"head":[1,1]},"label":"person"}]}"#, "result.pose[0].points.head"),
            (#"{"pose":[{"points":{"head":[9,1,2]},"label":"person"}]}"#, "result.pose[0].points.head"),
            (#"{"pose":[{"points":{"head":[1e999,1,2]},"label":"person"}]}"#, "result.pose[0].points.head[0]"),
            (#"{"pose":[{"points":[[1,1,2]],"label":"person"}]}"#, "result.pose[0].points"),
        ] as [(String, String?)])
    func validation(_ result: String, _ path: String?) throws {
        #expect(try rejection(result) == path)
    }

    @Test("schemas: points are unique, the skeleton joins known points once, one sigma per point")
    func schemas() throws {
        func error(_ question: String) -> String? {
            let json = #"{"fields":[{"name":"photo","type":"image"}],"questions":[\#(question)]}"#
            do {
                _ = try ProjectSchema(json: try JSONParser().parse(json))
                return nil
            } catch let error as ValidationError {
                return error.field
            } catch {
                return "\(error)"
            }
        }
        let base = #""name":"pose","type":"keypoints","field":"photo","labels":["person"],"points":["a","b"]"#
        #expect(error("{\(base)}") == nil)
        #expect(error(#"{\#(base),"skeleton":[["a","b"]],"sigmas":[0.1,0.2],"oks_threshold":0.7}"#) == nil)
        #expect(error(#"{\#(base),"skeleton":[["a","c"]]}"#) == "schema.questions[0].skeleton[0]")
        #expect(error(#"{\#(base),"skeleton":[["a","a"]]}"#) == "schema.questions[0].skeleton[0]")
        #expect(error(#"{\#(base),"skeleton":[["a","b"],["b","a"]]}"#) == "schema.questions[0].skeleton[1]")
        #expect(error(#"{\#(base),"sigmas":[0.1]}"#) == "schema.questions[0].sigmas")
        #expect(error(#"{\#(base),"sigmas":[0.1,0]}"#) == "schema.questions[0].sigmas[1]")
        #expect(error(#"{\#(base),"iou_threshold":0.5}"#) == "schema.questions[0].iou_threshold")
        #expect(
            error(#"{"name":"pose","type":"keypoints","field":"photo","labels":["person"],"points":["a","a"]}"#)
                == "schema.questions[0].points[1]")
        #expect(
            error(#"{"name":"seg","type":"masks","field":"photo","labels":["coal"],"iou_threshold":2}"#)
                == "schema.questions[0].iou_threshold")
        let schema = try ProjectSchema(
            json: try JSONParser().parse(
                #"{"fields":[{"name":"photo","type":"image"}],"questions":[{\#(base),"skeleton":[["b","a"]]}]}"#))
        let pose = try #require(schema.questions.first?.kind.as(KeypointsQuestion.self))
        #expect(pose.skeleton == [[1, 0]] && pose.sigmas == [0.06, 0.06] && pose.oksThreshold == 0.5)
    }

    @Test("OKS as COCOeval computes it: over the gold's placed points, scaled by the box around them")
    func objectKeypointSimilarity() throws {
        let question = try #require(Self.schema.questions[1].kind.as(KeypointsQuestion.self))
        let gold = KeypointInstance(
            label: "person",
            points: [
                "head": PlanePoint(x: 10, y: 10), "neck": PlanePoint(x: 10, y: 30), "hand": PlanePoint(x: 40, y: 30),
            ])
        #expect(gold.boxArea == 600)
        #expect(question.similarity(gold, gold) == 1)
        // The head 3 px off, the hand not placed: (exp(−9 ÷ (4·0.06²) ÷ 600 ÷ 2) + 1 + 0) ÷ 3.
        let answer = KeypointInstance(
            label: "person", points: ["head": PlanePoint(x: 13, y: 10), "neck": PlanePoint(x: 10, y: 30)])
        let expected = (exp(-9 / (4 * 0.06 * 0.06) / 600 / 2) + 1) / 3
        #expect(abs(question.similarity(answer, gold) - expected) < 1e-12)
        // Points the gold did not place do not count.
        #expect(abs(question.similarity(gold, answer) - (exp(-9 / (4 * 0.06 * 0.06) / 60 / 2) + 1) / 2) < 1e-12)
    }

    @Test("gold scoring matches keypoints by OKS and masks by IoU, and reports the mean as mean_oks or mean_iou")
    func scoring() throws {
        let pose = Self.schema.questions[1]
        let gold = try JSONParser().parse(#"[{"points":{"head":[10,10,2],"neck":[10,30,2]},"label":"person"}]"#)
        let near = try JSONParser().parse(#"[{"points":{"head":[11,10,2],"neck":[10,31,1]},"label":"person"}]"#)
        let score = try #require(AnswerAccuracy.score(question: pose, answer: near, gold: gold))
        guard case .regions(let matched, .oks) = score.detail else {
            Issue.record("expected an OKS region score")
            return
        }
        // The box around head and neck has no width: area 0, so any miss scores about 0, as in COCOeval.
        #expect(matched.matched == 0 && score.value == 0)
        var record = GoldRecord()
        record.add(try #require(AnswerAccuracy.score(question: pose, answer: gold, gold: gold)))
        let members = pose.kind.type.goldMembers(record)
        #expect(members.first?.value["mean_oks"]?.doubleValue == 1)

        let seg = Self.schema.questions[0]
        let goldMask = try JSONParser().parse(#"[{"rle":{"size":[5,7],"counts":"01:2H0008N"},"label":"coal"}]"#)
        let maskScore = try #require(AnswerAccuracy.score(question: seg, answer: goldMask, gold: goldMask))
        #expect(maskScore.value == 1)
    }

    @Test("the crowd's masks: per label, each annotator's masks merged, voted pixel by pixel")
    func maskVote() throws {
        func answer(_ pixels: [Int], label: String = "coal") -> JSONValue {
            let mask = RunLengthMask(height: 5, width: 7, intervals: pixels.map { $0..<$0 + 1 })
            return .object([
                JSONMember(
                    "seg", .array([.object([JSONMember("rle", mask.cocoJSON), JSONMember("label", .string(label))])]))
            ])
        }
        let task = QualityTaskInput(
            taskID: 7, gold: nil,
            answers: [
                (1, answer([0, 1, 2])), (2, answer([1, 2, 3])), (3, answer([2, 3, 4])),
                (4, answer([30], label: "water")),
            ])
        let report = ProjectQuality.report(schema: Self.schema, tasks: [task])
        guard case .masks(let tasks) = report[0].aggregation else {
            Issue.record("expected voted masks")
            return
        }
        let voted = try #require(tasks.first)
        #expect(voted.taskID == 7)
        // Four voters of weight ½: a pixel needs two of them. Water has one voter: nothing.
        #expect(voted.masks.map(\.label) == ["coal"])
        #expect(voted.masks.first?.mask.intervals == [1..<4])
        #expect(voted.masks.first?.support == 3 && voted.masks.first?.voters == 4)
    }
}
