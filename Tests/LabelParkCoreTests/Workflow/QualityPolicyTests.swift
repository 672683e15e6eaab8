import LabelParkCore
import Testing

@Suite("Quality policy: JSON form, defaults and checks")
struct QualityPolicyTests {
    func parse(_ text: String, overlap: Int = 1) throws(ValidationError) -> QualityPolicy {
        // The texts here are valid JSON; only the policy's checks are under test.
        try QualityPolicy(json: try! JSONParser().parse(text), baseOverlap: overlap)
    }

    @Test("An empty object is the default policy: 5% gold, nothing else")
    func defaults() throws {
        let policy = try parse("{}")
        #expect(policy == QualityPolicy())
        #expect(policy.goldRate == 0.05 && policy.goldAtStart == 0)
        #expect(policy.autoPause == nil && policy.dynamicOverlap == nil && policy.review == .none)
    }

    @Test("Every setting round-trips through its JSON form")
    func roundTrip() throws {
        let policy = QualityPolicy(
            goldRate: 0.1, goldAtStart: 5, autoPause: AutoPausePolicy(window: 20, minimumAccuracy: 0.85),
            dynamicOverlap: DynamicOverlapSettings(maxOverlap: 5, confidenceTarget: 0.95),
            review: .sample(percent: 12.5))
        #expect(try QualityPolicy(json: policy.json, baseOverlap: 3) == policy)
        #expect(try QualityPolicy(json: QualityPolicy(review: .all).json, baseOverlap: 1).review == .all)
        #expect(
            policy.json.jsonText
                == #"{"gold_rate":0.1,"gold_at_start":5,"auto_pause":{"window":20,"min_accuracy":0.85},"dynamic_overlap":{"max_overlap":5,"confidence_target":0.95},"review":{"mode":"sample","sample_percent":12.5}}"#
        )
    }

    @Test("Bad settings name their field")
    func refusals() throws {
        let cases: [(String, String)] = [
            ("[]", "quality"),
            (#"{"gold_rate":-0.1}"#, "quality.gold_rate"),
            (#"{"gold_rate":"5%"}"#, "quality.gold_rate"),
            (#"{"gold_at_start":1.5}"#, "quality.gold_at_start"),
            (#"{"auto_pause":{"window":5}}"#, "quality.auto_pause.min_accuracy"),
            (#"{"auto_pause":{"window":5000,"min_accuracy":0.5}}"#, "quality.auto_pause.window"),
            (#"{"dynamic_overlap":{"confidence_target":0.9}}"#, "quality.dynamic_overlap.max_overlap"),
            (
                #"{"dynamic_overlap":{"max_overlap":4,"confidence_target":1.5}}"#,
                "quality.dynamic_overlap.confidence_target"
            ),
            (#"{"review":{"mode":"sample"}}"#, "quality.review.sample_percent"),
            (#"{"review":{"mode":"sample","sample_percent":0}}"#, "quality.review.sample_percent"),
            (#"{"review":"all"}"#, "quality.review.mode"),
        ]
        for (text, field) in cases {
            do {
                _ = try parse(text, overlap: 2)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.field == field, "\(text)")
            }
        }
        // The maximum may not be below the project's overlap.
        do {
            _ = try parse(#"{"dynamic_overlap":{"max_overlap":2,"confidence_target":0.9}}"#, overlap: 3)
            Issue.record("a maximum below the overlap was accepted")
        } catch {
            #expect(error.field == "quality.dynamic_overlap.max_overlap")
        }
        #expect(try parse(#"{"auto_pause":null,"dynamic_overlap":null,"review":null}"#) == QualityPolicy())
    }

    @Test("Review selection: none never, all always, a sample below its percentage")
    func reviewSelection() {
        #expect(!ReviewPolicy.none.selects(draw: 0))
        #expect(ReviewPolicy.all.selects(draw: 0.999))
        // 20%: draws in [0, 0.2) are reviewed.
        #expect(ReviewPolicy.sample(percent: 20).selects(draw: 0.1999))
        #expect(!ReviewPolicy.sample(percent: 20).selects(draw: 0.2))
    }

    @Test("Dynamic settings make an overlap policy on the project's base overlap")
    func overlapPolicy() throws {
        let policy = QualityPolicy(dynamicOverlap: DynamicOverlapSettings(maxOverlap: 4, confidenceTarget: 0.9))
        let overlap = try #require(policy.overlapPolicy(baseOverlap: 2))
        #expect(overlap.baseOverlap == 2 && overlap.maxOverlap == 4 && overlap.confidenceTarget == 0.9)
        #expect(QualityPolicy().overlapPolicy(baseOverlap: 2) == nil)
    }
}

@Suite("Gold mixing, the pause rule, gold scores and acceptance sampling")
struct GoldRulesTests {
    @Test("Gold at start first, then the rate decides by the draw")
    func mixing() {
        let policy = QualityPolicy(goldRate: 0.05, goldAtStart: 2)
        #expect(GoldMixing.servesGold(goldReceived: 0, policy: policy, draw: 0.99))
        #expect(GoldMixing.servesGold(goldReceived: 1, policy: policy, draw: 0.99))
        #expect(!GoldMixing.servesGold(goldReceived: 2, policy: policy, draw: 0.05))
        #expect(GoldMixing.servesGold(goldReceived: 2, policy: policy, draw: 0.0499))
        #expect(!GoldMixing.servesGold(goldReceived: 0, policy: QualityPolicy(goldRate: 0), draw: 0))
    }

    @Test("The pause rule reads only the newest window, and only a full one")
    func standing() {
        let policy = AutoPausePolicy(window: 3, minimumAccuracy: 0.7)
        // Two answers are not a window, however wrong.
        #expect(GoldStanding.evaluate(newestFirst: [0, 0], under: policy) == .inGoodStanding)
        // (1 + 0.5 + 0.5) / 3 = 0.6667 < 0.7.
        let low = GoldStanding.evaluate(newestFirst: [1, 0.5, 0.5, 1, 1], under: policy)
        guard case .belowMinimum(let accuracy, let window) = low else {
            Issue.record("expected a pause, got \(low)")
            return
        }
        #expect(abs(accuracy - 2.0 / 3) < 1e-12 && window == 3)
        // (1 + 1 + 0.1) / 3 = 0.7 exactly is not below.
        #expect(GoldStanding.evaluate(newestFirst: [1, 1, 0.1, 0], under: policy) == .inGoodStanding)
    }

    @Test("A gold score is the mean over the questions gold answers")
    func goldScore() {
        let schema = ProjectSchema(
            fields: [Field(name: "text", kind: .text)],
            questions: [
                Question(name: "sentiment", kind: .choice(options: ["pos", "neg"])),
                Question(name: "tags", kind: .multiChoice(options: ["a", "b", "c"], minCount: nil, maxCount: nil)),
            ])
        // sentiment right (1) and tags {a,b} vs {a}: Jaccard 1/2 → mean 0.75.
        let score = AnswerAccuracy.goldScore(
            resultJSON: #"{"sentiment":"pos","tags":["a","b"]}"#, goldJSON: #"{"sentiment":"pos","tags":["a"]}"#,
            schema: schema)
        #expect(score == 0.75)
        // Gold for sentiment only: tags do not count.
        #expect(
            AnswerAccuracy.goldScore(
                resultJSON: #"{"sentiment":"neg","tags":[]}"#, goldJSON: #"{"sentiment":"pos"}"#, schema: schema)
                == 0)
        // Gold that answers no question measures nothing.
        #expect(AnswerAccuracy.goldScore(resultJSON: #"{"sentiment":"pos"}"#, goldJSON: "{}", schema: schema) == nil)
    }

    @Test("Acceptance: accuracy against the AQL in whole counts")
    func verdict() {
        // 98 of 100 right at AQL 0.98 passes, though 0.98 is not exact in binary.
        #expect(InspectionVerdict(sampled: 100, defects: 2, acceptableQuality: 0.98).passes)
        #expect(!InspectionVerdict(sampled: 100, defects: 3, acceptableQuality: 0.98).passes)
        #expect(InspectionVerdict(sampled: 50, defects: 1, acceptableQuality: 0.98).passes)
        #expect(!InspectionVerdict(sampled: 3, defects: 1, acceptableQuality: 0.7).passes)
        #expect(InspectionVerdict(sampled: 0, defects: 0, acceptableQuality: 1).accuracy == 1)
        let failed = InspectionVerdict(sampled: 40, defects: 3, acceptableQuality: 0.95)
        // 37 / 40 = 0.925 → "92.5%".
        #expect(
            failed.returnComment(batch: 7, inspection: 2)
                == "batch 7 failed acceptance inspection 2: 92.5% correct in the sample, below the acceptable 95.0%")
    }
}
