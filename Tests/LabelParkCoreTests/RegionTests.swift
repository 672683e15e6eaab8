import Foundation
import LabelParkCore
import Testing

@Suite("Region geometry: areas and intersections of boxes and simple polygons")
struct RegionGeometryTests {
    static func points(_ pairs: [(Double, Double)]) -> [PlanePoint] { pairs.map { PlanePoint(x: $0.0, y: $0.1) } }

    /// An L of area 3: the 2 × 2 square without its top-right (in y-down terms, bottom-right) quarter.
    static let ell = points([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])

    @Test("boxes: IoU of overlapping, disjoint, nested and identical boxes")
    func boxes() {
        let a = ImageRegion.box(x: 0, y: 0, width: 2, height: 2, label: "car")
        #expect(a.iou(with: .box(x: 1, y: 1, width: 2, height: 2, label: "car")) == 1.0 / 7.0)
        #expect(a.iou(with: .box(x: 2, y: 0, width: 2, height: 2, label: "car")) == 0)
        #expect(a.iou(with: .box(x: 0.5, y: 0.5, width: 1, height: 1, label: "car")) == 0.25)
        #expect(a.iou(with: a) == 1)
    }

    @Test("rotated boxes turn clockwise about their centre and intersect exactly")
    func rotatedBoxes() {
        let turned = ImageRegion.box(x: 0, y: 0, width: 4, height: 2, rotation: 90, label: "car")
        let upright = ImageRegion.box(x: 1, y: -1, width: 2, height: 4, label: "car")
        #expect(abs(turned.iou(with: upright) - 1) < 1e-12)
        // Clockwise on screen: the top-left corner (0, 0) goes to the top-right, (3, -1).
        #expect(abs(turned.outline[0].x - 3) < 1e-12 && abs(turned.outline[0].y + 1) < 1e-12)
        // A square turned 45° against itself upright: the octagon they share is 2(√2 − 1) of the unit area.
        let square = ImageRegion.box(x: 0, y: 0, width: 1, height: 1, label: "x")
        let diamond = ImageRegion.box(x: 0, y: 0, width: 1, height: 1, rotation: 45, label: "x")
        let shared = 2 * (2.0.squareRoot() - 1)
        #expect(abs(square.intersectionArea(with: diamond) - shared) < 1e-12)
        #expect(abs(square.iou(with: diamond) - shared / (2 - shared)) < 1e-12)
    }

    @Test("a polygon that is not convex is cut into triangles that keep its area")
    func concavePolygons() {
        #expect(PlaneGeometry.area(Self.ell) == 3)
        #expect(!PlaneGeometry.isConvex(Self.ell))
        let triangles = PlaneGeometry.triangulate(Self.ell)
        #expect(triangles.count == 4)
        #expect(abs(triangles.map(PlaneGeometry.area).reduce(0, +) - 3) < 1e-12)
        // Clockwise input gives the same pieces' area.
        #expect(abs(PlaneGeometry.triangulate(Self.ell.reversed()).map(PlaneGeometry.area).reduce(0, +) - 3) < 1e-12)
        // A unit square centred on the L's inner corner: a quarter of it lies in the notch.
        let square = Self.points([(0.5, 0.5), (1.5, 0.5), (1.5, 1.5), (0.5, 1.5)])
        #expect(abs(PlaneGeometry.intersectionArea(Self.ell, square) - 0.75) < 1e-12)
        #expect(abs(PlaneGeometry.intersectionArea(square, Self.ell) - 0.75) < 1e-12)
        let region = ImageRegion(label: "crack", polygon: Self.ell)
        #expect(abs(region.iou(with: ImageRegion(label: "crack", polygon: square)) - 0.75 / 3.25) < 1e-12)
        #expect(abs(region.iou(with: region) - 1) < 1e-12)
    }

    @Test("a polygon crossing itself is found, a simple one is not")
    func selfIntersection() {
        #expect(PlaneGeometry.selfIntersection(Self.points([(0, 0), (2, 2), (2, 0), (0, 2)])) != nil)
        #expect(PlaneGeometry.selfIntersection(Self.ell) == nil)
        #expect(PlaneGeometry.selfIntersection(Self.points([(0, 0), (1, 0), (1, 1)])) == nil)
        // Touching itself at a vertex counts: the ring is not simple.
        #expect(PlaneGeometry.selfIntersection(Self.points([(0, 0), (2, 0), (1, 1), (2, 2), (0, 2), (1, 1)])) != nil)
    }

    @Test("intersection areas are symmetric and bounded, and triangles agree with clipping on convex shapes")
    func properties() {
        var seeded = SplitMix64(seed: 0x5eed)
        for _ in 0..<300 {
            let first = Self.randomConvex(&seeded)
            let second = Self.randomConvex(&seeded)
            let clipped = PlaneGeometry.convexIntersectionArea(first, second)
            let reverse = PlaneGeometry.convexIntersectionArea(second, first)
            let fromTriangles = PlaneGeometry.triangulate(first).reduce(0.0) { sum, piece in
                sum + PlaneGeometry.convexIntersectionArea(piece, second)
            }
            #expect(abs(clipped - reverse) < 1e-9)
            #expect(abs(clipped - fromTriangles) < 1e-9)
            #expect(clipped <= min(PlaneGeometry.area(first), PlaneGeometry.area(second)) + 1e-9)
            #expect(clipped >= 0)
        }
    }

    /// A convex polygon: points on a circle at sorted random angles.
    static func randomConvex(_ random: inout SplitMix64) -> [PlanePoint] {
        let center = (Double.random(in: 0...10, using: &random), Double.random(in: 0...10, using: &random))
        let radius = Double.random(in: 1...6, using: &random)
        let count = Int.random(in: 3...9, using: &random)
        let angles = (0..<count).map { _ in Double.random(in: 0..<(2 * .pi), using: &random) }.sorted()
        return angles.map { PlanePoint(x: center.0 + radius * cos($0), y: center.1 + radius * sin($0)) }
    }
}

/// A small seeded generator, so property checks repeat.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Region matching and the box and polygon kinds")
struct RegionQuestionTests {
    static let schema = ProjectSchema(
        fields: [Field(name: "photo", kind: .image)],
        questions: [
            Question(name: "hazards", kind: .boxes(field: "photo", labels: ["person", "smoke"], allowsRotation: true)),
            Question(name: "flat", kind: .boxes(field: "photo", labels: ["person"])),
            Question(name: "cracks", kind: .polygons(field: "photo", labels: ["crack"], iouThreshold: 0.3)),
        ])

    static let context = AnswerContext(
        data: .object([JSONMember("photo", .string("asset:1"))]),
        media: ["photo": MediaMetadata(mediaType: "image/jpeg", width: 640, height: 480)])

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
        "boxes and polygons are checked against the schema and the image, with the path of what is wrong",
        arguments: [
            (#"{"hazards":[{"x":10,"y":20,"width":100,"height":50,"label":"person","id":"r1"}]}"#, nil),
            (#"{"hazards":[{"x":0,"y":0,"width":640,"height":480,"rotation":0,"label":"smoke"}]}"#, nil),
            (#"{"hazards":[{"x":100,"y":100,"width":100,"height":50,"rotation":30,"label":"smoke"}]}"#, nil),
            (#"{"hazards":{}}"#, "result.hazards"),
            (#"{"hazards":[{"x":10,"y":20,"width":100,"height":50,"label":"dog"}]}"#, "result.hazards[0].label"),
            (#"{"hazards":[{"x":10,"y":20,"width":0,"height":50,"label":"person"}]}"#, "result.hazards[0].width"),
            (#"{"hazards":[{"x":10,"y":20,"width":10,"height":-5,"label":"person"}]}"#, "result.hazards[0].height"),
            (#"{"hazards":[{"x":"10","y":20,"width":10,"height":5,"label":"person"}]}"#, "result.hazards[0].x"),
            (#"{"hazards":[{"x":1e999,"y":20,"width":10,"height":5,"label":"person"}]}"#, "result.hazards[0].x"),
            (#"{"hazards":[{"x":600,"y":20,"width":41,"height":5,"label":"person"}]}"#, "result.hazards[0]"),
            (#"{"hazards":[{"x":-1,"y":20,"width":41,"height":5,"label":"person"}]}"#, "result.hazards[0]"),
            // Turned 90° about its centre, a 300 × 20 box at the top reaches above the image.
            (
                #"{"hazards":[{"x":10,"y":0,"width":300,"height":20,"rotation":90,"label":"person"}]}"#,
                "result.hazards[0]"
            ),
            (
                #"{"hazards":[{"x":1,"y":1,"width":1,"height":1,"rotation":400,"label":"person"}]}"#,
                "result.hazards[0].rotation"
            ),
            (
                #"{"flat":[{"x":1,"y":1,"width":1,"height":1,"rotation":10,"label":"person"}]}"#,
                "result.flat[0].rotation"
            ),
            (#"{"flat":[{"x":1,"y":1,"width":1,"height":1,"label":"person","score":0.9}]}"#, "result.flat[0].score"),
            (#"{"flat":[{"x":1,"y":1,"width":1,"height":1,"label":"person","id":""}]}"#, "result.flat[0].id"),
            (#"{"cracks":[{"points":[[0,0],[2,0],[2,1],[1,1],[1,2],[0,2]],"label":"crack"}]}"#, nil),
            (#"{"cracks":[{"points":[[0,0],[2,0]],"label":"crack"}]}"#, "result.cracks[0].points"),
            (#"{"cracks":[{"points":[[0,0],[2,2],[2,0],[0,2]],"label":"crack"}]}"#, "result.cracks[0].points"),
            (#"{"cracks":[{"points":[[0,0],[1,1],[2,2]],"label":"crack"}]}"#, "result.cracks[0].points"),
            (#"{"cracks":[{"points":[[0,0],[700,0],[0,5]],"label":"crack"}]}"#, "result.cracks[0].points[1]"),
            (#"{"cracks":[{"points":[[0,0],[7,0],[0]],"label":"crack"}]}"#, "result.cracks[0].points[2]"),
        ] as [(String, String?)])
    func validation(_ result: String, _ path: String?) throws {
        #expect(try rejection(result) == path)
    }

    @Test("a task whose image size is unknown is checked for everything but the bounds")
    func unknownSize() throws {
        let context = AnswerContext(data: Self.context.data)
        let far = #"{"flat":[{"x":5000,"y":5000,"width":10,"height":10,"label":"person"}]}"#
        try Self.schema.validate(result: try JSONParser().parse(far), in: context)
    }

    @Test("schemas: an image field, known labels, a threshold in (0, 1] and a rotation flag")
    func schemas() throws {
        func error(_ question: String, field: String = #"{"name":"photo","type":"image"}"#) -> String? {
            let json = #"{"fields":[\#(field)],"questions":[\#(question)]}"#
            do {
                _ = try ProjectSchema(json: try JSONParser().parse(json))
                return nil
            } catch let error as ValidationError {
                return error.field
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(
            error(#"{"name":"b","type":"boxes","field":"photo","labels":["a"],"rotation":true,"iou_threshold":0.7}"#)
                == nil)
        #expect(
            error(
                #"{"name":"b","type":"boxes","field":"photo","labels":["a"]}"#,
                field: #"{"name":"photo","type":"text"}"#) == "schema.questions[0].field")
        #expect(error(#"{"name":"b","type":"boxes","field":"nope","labels":["a"]}"#) == "schema.questions[0].field")
        #expect(error(#"{"name":"b","type":"boxes","field":"photo","labels":[]}"#) == "schema.questions[0].labels")
        #expect(
            error(#"{"name":"b","type":"boxes","field":"photo","labels":["a"],"iou_threshold":0}"#)
                == "schema.questions[0].iou_threshold")
        #expect(
            error(#"{"name":"b","type":"boxes","field":"photo","labels":["a"],"rotation":"yes"}"#)
                == "schema.questions[0].rotation")
        #expect(
            error(#"{"name":"p","type":"polygons","field":"photo","labels":["a"],"rotation":true}"#)
                == "schema.questions[0].rotation")
        let schema = try ProjectSchema(
            json: try JSONParser().parse(
                #"{"fields":[{"name":"photo","type":"image"}],"questions":[{"name":"b","type":"boxes","field":"photo","labels":["a"]}]}"#
            ))
        #expect(schema.questions[0].kind == .boxes(field: "photo", labels: ["a"]))
    }

    @Test("matching takes the answer's regions in order, each the best free gold region of its label")
    func matching() {
        let gold: [ImageRegion] = [
            .box(x: 0, y: 0, width: 10, height: 10, label: "person"),
            .box(x: 20, y: 0, width: 10, height: 10, label: "person"),
            .box(x: 40, y: 0, width: 10, height: 10, label: "smoke"),
        ]
        let answer: [ImageRegion] = [
            .box(x: 1, y: 0, width: 10, height: 10, label: "person"),  // IoU 90/110 with gold 0: drawn first, takes it
            .box(x: 0, y: 0, width: 10, height: 10, label: "person"),  // gold 0 is taken; gold 1 does not overlap
            .box(x: 40, y: 0, width: 10, height: 10, label: "person"),  // right place, wrong label
        ]
        let score = RegionMatching.match(answer, gold, threshold: 0.5)
        #expect(score.matched == 1 && score.answerCount == 3 && score.goldCount == 3)
        #expect(abs((score.meanIoU ?? 0) - 90.0 / 110.0) < 1e-12)
        #expect(score.f1 == 1.0 / 3.0)
        // A region between two gold regions takes the one it overlaps more.
        let between = RegionMatching.match(
            [.box(x: 6, y: 0, width: 10, height: 10, label: "a")],
            [.box(x: 0, y: 0, width: 10, height: 10, label: "a"), .box(x: 8, y: 0, width: 10, height: 10, label: "a")],
            threshold: 0.1)
        #expect(abs((between.meanIoU ?? 0) - 80.0 / 120.0) < 1e-12)
        #expect(RegionMatching.match([answer[0]], gold, threshold: 0.9).matched == 0)
        #expect(RegionMatching.match([], [], threshold: 0.5).f1 == 1)
    }

    @Test("fused boxes: the weighted mean of each cluster, with the agreeing share and WBF's confidence")
    func fusion() {
        let answers = [
            WeightedBoxes(
                annotatorID: 1, weight: 0.9,
                boxes: [
                    .box(x: 0, y: 0, width: 10, height: 10, label: "person"),
                    .box(x: 50, y: 50, width: 5, height: 5, label: "smoke"),
                ]),
            WeightedBoxes(
                annotatorID: 2, weight: 0.6, boxes: [.box(x: 2, y: 0, width: 10, height: 10, label: "person")]),
            WeightedBoxes(annotatorID: 3, weight: 0.5, boxes: []),
        ]
        let fused = BoxFusion.fuse(answers, iouThreshold: 0.55)
        #expect(fused.count == 2)
        let person = fused[0]
        #expect(person.label == "person" && person.support == 2 && abs(person.agreement - 2.0 / 3.0) < 1e-12)
        #expect(abs(person.x - (0.6 * 2) / 1.5) < 1e-12 && abs(person.width - 10) < 1e-12)
        // Mean weight 0.75, two of three annotators, weights summing to 2.
        #expect(abs(person.confidence - 0.75 * 2 / 2.0) < 1e-12)
        let smoke = fused[1]
        #expect(smoke.label == "smoke" && smoke.support == 1 && abs(smoke.confidence - 0.9 / 2.0) < 1e-12)
        #expect(BoxFusion.fuse([], iouThreshold: 0.5).isEmpty)
    }

    @Test("gold scoring gives the F1 at the question's threshold, and the report pools counts and IoU")
    func scoring() throws {
        let question = Self.schema.questions[2]
        let gold = try JSONParser().parse(#"[{"points":[[0,0],[2,0],[2,1],[1,1],[1,2],[0,2]],"label":"crack"}]"#)
        let answer = try JSONParser().parse(#"[{"points":[[0,0],[2,0],[2,2],[0,2]],"label":"crack"}]"#)
        let score = try #require(AnswerAccuracy.score(question: question, answer: answer, gold: gold))
        // IoU 3/4 ≥ 0.3: one match.
        #expect(score.value == 1)
        guard case .regions(let matched, .iou) = score.detail else {
            Issue.record("expected a region score")
            return
        }
        #expect(matched.matched == 1 && abs((matched.meanIoU ?? 0) - 0.75) < 1e-12)
        #expect(AnswerAccuracy.score(question: question, answer: nil, gold: gold)?.value == 0)
        #expect(AnswerAccuracy.score(question: question, answer: answer, gold: .string("x")) == nil)
        var record = GoldRecord()
        record.add(score)
        record.add(try #require(AnswerAccuracy.score(question: question, answer: .array([]), gold: gold)))
        #expect(record.regionScores?.matched == 1 && record.regionScores?.goldCount == 2)
        #expect(record.accuracy == 0.5)
    }
}
