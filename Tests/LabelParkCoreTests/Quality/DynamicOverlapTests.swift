import LabelParkCore
import Testing

@Suite("Dynamic overlap")
struct DynamicOverlapTests {
    /// Three annotations at least, five at most, stop at 0.9.
    static let policy = try! OverlapPolicy(baseOverlap: 3, maxOverlap: 5, confidenceTarget: 0.9)

    func decide(slots: Int, submitted: Int, confidence: Double, policy: OverlapPolicy = policy) -> OverlapDecision {
        DynamicOverlap.decide(
            TaskOverlapState(slotCount: slots, submittedCount: submitted, confidence: confidence), under: policy)
    }

    @Test("rule 1: base reached and confident → enough, even with slots outstanding")
    func confidentEnough() {
        #expect(decide(slots: 3, submitted: 3, confidence: 0.9) == .enough)  // exactly at the target
        #expect(decide(slots: 4, submitted: 3, confidence: 0.95) == .enough)  // the fourth slot may close
        #expect(decide(slots: 5, submitted: 4, confidence: 1) == .enough)
    }

    @Test("confidence before the base overlap is reached does not stop a task")
    func confidentTooEarly() {
        #expect(decide(slots: 3, submitted: 2, confidence: 1) == .wait)
        #expect(decide(slots: 3, submitted: 0, confidence: 1) == .wait)
    }

    @Test("rule 2: the maximum reached → enough, confident or not")
    func capReached() {
        #expect(decide(slots: 5, submitted: 5, confidence: 0.4) == .enough)
        // More submissions than the cap (late ones) change nothing.
        #expect(decide(slots: 5, submitted: 6, confidence: 0.4) == .enough)
    }

    @Test("rule 3: fewer slots than the base → add one")
    func belowBase() {
        #expect(decide(slots: 2, submitted: 0, confidence: 0) == .addSlot)
        #expect(decide(slots: 2, submitted: 2, confidence: 1) == .addSlot)
    }

    @Test("rule 4: not confident with slots outstanding → wait")
    func outstanding() {
        #expect(decide(slots: 3, submitted: 1, confidence: 0.5) == .wait)
        #expect(decide(slots: 4, submitted: 3, confidence: 0.6) == .wait)
        #expect(decide(slots: 5, submitted: 4, confidence: 0.89) == .wait)
    }

    @Test("rule 5: not confident, every slot used, below the maximum → add one")
    func growOne() {
        #expect(decide(slots: 3, submitted: 3, confidence: 0.6) == .addSlot)
        #expect(decide(slots: 4, submitted: 4, confidence: 0.899) == .addSlot)
        // A late annotation counted beyond the slots still grows by one only while below the maximum.
        #expect(decide(slots: 3, submitted: 4, confidence: 0.5) == .addSlot)
    }

    @Test("a task's life: 3 slots, grow to 5 while unsure")
    func lifecycle() {
        var slots = 3
        let confidences = [0.0, 0.5, 0.5, 0.6, 0.7, 0.8]  // after 0, 1, … 5 submissions
        var decisions: [OverlapDecision] = []
        for submitted in 0...5 {
            let decision = decide(slots: slots, submitted: submitted, confidence: confidences[submitted])
            decisions.append(decision)
            if decision == .addSlot { slots += 1 }
        }
        #expect(decisions == [.wait, .wait, .wait, .addSlot, .addSlot, .enough])
        #expect(slots == 5)
    }

    @Test("a fixed policy never grows beyond its overlap")
    func fixedPolicy() throws {
        let fixed = try OverlapPolicy.fixed(2)
        #expect(decide(slots: 2, submitted: 1, confidence: 0.5, policy: fixed) == .wait)
        #expect(decide(slots: 2, submitted: 2, confidence: 0.5, policy: fixed) == .enough)
        #expect(decide(slots: 2, submitted: 2, confidence: 1, policy: fixed) == .enough)
    }

    @Test("a policy out of range is refused, naming the field")
    func invalidPolicies() {
        func field(_ base: Int, _ maximum: Int, _ target: Double) -> String? {
            do {
                _ = try OverlapPolicy(baseOverlap: base, maxOverlap: maximum, confidenceTarget: target)
                return nil
            } catch { return error.field }
        }
        #expect(field(0, 3, 0.9) == "overlap")
        #expect(field(101, 101, 0.9) == "overlap")
        #expect(field(3, 2, 0.9) == "max_overlap")
        #expect(field(3, 101, 0.9) == "max_overlap")
        #expect(field(3, 5, 0) == "confidence_target")
        #expect(field(3, 5, 1.01) == "confidence_target")
        #expect(field(3, 5, .nan) == "confidence_target")
        #expect(field(1, 1, 1) == nil)
        #expect(field(3, 3, 0.5) == nil)
    }
}
