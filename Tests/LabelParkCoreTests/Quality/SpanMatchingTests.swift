import LabelParkCore
import Testing

@Suite("Span matching")
struct SpanMatchingTests {
    func span(_ start: Int, _ end: Int, _ label: String) -> Span { Span(start: start, end: end, label: label) }

    @Test("exact and overlap matching on one hand-worked answer, as seqeval scores the exact part")
    func handWorked() {
        let gold = [span(0, 3, "PER"), span(4, 7, "LOC"), span(8, 12, "ORG")]
        // PER is exact, LOC is cut short by one character, the last span has the wrong label.
        let answer = [span(0, 3, "PER"), span(4, 6, "LOC"), span(8, 12, "PER")]
        let accuracy = SpanAccuracy(answer: answer, gold: gold)
        // Exact: 1 of 3 answer spans, 1 of 3 gold spans. seqeval 1.2.2 on the IOB2 tags of these spans gives
        // precision, recall and F1 of 0.3333333333333333 each.
        #expect(accuracy.exact == SpanMatchScore(matched: 1, answerCount: 3, goldCount: 3))
        #expect(accuracy.exact.precision == 1.0 / 3 && accuracy.exact.recall == 1.0 / 3 && accuracy.exact.f1 == 1.0 / 3)
        // Overlap: PER↔PER and LOC↔LOC; the answer's second PER (8..<12) meets no free PER gold span. 2/3 each.
        #expect(accuracy.overlap.matched == 2)
        #expect(accuracy.overlap.f1 == 2.0 / 3)
        #expect(accuracy[.overlap] == accuracy.overlap)
    }

    @Test("precision and recall differ when the sides differ in size")
    func unequalSides() {
        // 1 match, 1 answer span, 4 gold spans: P = 1/1, R = 1/4, F1 = 2·1/(1+4) = 0.4 = 2·1·0.25/1.25.
        let score = SpanMatching.match(
            [span(0, 2, "A")], against: [span(0, 2, "A"), span(3, 4, "A"), span(5, 6, "B"), span(7, 9, "A")],
            rule: .exact)
        #expect(score.precision == 1 && score.recall == 0.25 && score.f1 == 0.4)
    }

    @Test("empty sides: both empty is perfect, one empty has F1 0 and the vacuous ratio 1")
    func emptySides() {
        for rule in SpanMatchRule.allCases {
            let none = SpanMatching.match([], against: [], rule: rule)
            // 0/0 everywhere: defined as 1 (seqeval would report 0, 0, 0).
            #expect(none.precision == 1 && none.recall == 1 && none.f1 == 1)

            let spurious = SpanMatching.match([span(0, 1, "A")], against: [], rule: rule)
            // P = 0/1; R = 0/0 → 1 (nothing to miss); F1 = 0/(1+0) = 0.
            #expect(spurious.precision == 0 && spurious.recall == 1 && spurious.f1 == 0)

            let missed = SpanMatching.match([], against: [span(0, 1, "A"), span(2, 3, "A")], rule: rule)
            // P = 0/0 → 1 (nothing claimed); R = 0/2; F1 = 0.
            #expect(missed.precision == 1 && missed.recall == 0 && missed.f1 == 0)
        }
    }

    @Test("each gold span is matched at most once")
    func oneToOne() {
        // The same span twice in the answer, once in gold: 1 match. P = 1/2, R = 1/1, F1 = 2/3.
        let twice = SpanMatching.match([span(0, 3, "A"), span(0, 3, "A")], against: [span(0, 3, "A")], rule: .exact)
        #expect(twice.matched == 1 && twice.precision == 0.5 && twice.recall == 1 && twice.f1 == 2.0 / 3)
        // Two answer spans inside one gold span: only one of them can take it.
        let inside = SpanMatching.match(
            [span(0, 2, "A"), span(3, 5, "A")], against: [span(0, 10, "A")], rule: .overlap)
        #expect(inside.matched == 1)
    }

    @Test("overlap needs a shared character and the same label")
    func overlapRule() {
        // End is exclusive: 0..<3 and 3..<5 touch but share nothing.
        #expect(SpanMatching.match([span(3, 5, "A")], against: [span(0, 3, "A")], rule: .overlap).matched == 0)
        #expect(SpanMatching.match([span(2, 5, "A")], against: [span(0, 3, "A")], rule: .overlap).matched == 1)
        #expect(SpanMatching.match([span(0, 3, "B")], against: [span(0, 3, "A")], rule: .overlap).matched == 0)
    }

    @Test("overlap matching finds the maximum where a first-come choice would not")
    func maximumMatching() {
        // Gold 0..<10 and 5..<6; answer 4..<7 and 8..<9. Giving 4..<7 the first gold span by start (0..<10)
        // would strand 8..<9; the maximum pairs 4..<7 with 5..<6 and 8..<9 with 0..<10.
        let gold = [span(0, 10, "LOC"), span(5, 6, "LOC")]
        let answer = [span(4, 7, "LOC"), span(8, 9, "LOC")]
        #expect(SpanMatching.match(answer, against: gold, rule: .overlap).matched == 2)
        #expect(SpanMatching.match(answer.reversed(), against: gold.reversed(), rule: .overlap).matched == 2)
    }

    /// The size of a maximum matching by trying every assignment (augmenting paths), for small inputs.
    func bruteForceMaximum(_ answer: [Span], _ gold: [Span]) -> Int {
        var goldOwner = [Int?](repeating: nil, count: gold.count)
        func intersects(_ a: Span, _ g: Span) -> Bool { a.label == g.label && a.start < g.end && g.start < a.end }
        func augment(_ answerIndex: Int, _ visited: inout [Bool]) -> Bool {
            for goldIndex in gold.indices where !visited[goldIndex] && intersects(answer[answerIndex], gold[goldIndex])
            {
                visited[goldIndex] = true
                if goldOwner[goldIndex] == nil || augment(goldOwner[goldIndex]!, &visited) {
                    goldOwner[goldIndex] = answerIndex
                    return true
                }
            }
            return false
        }
        var matched = 0
        for answerIndex in answer.indices {
            var visited = [Bool](repeating: false, count: gold.count)
            if augment(answerIndex, &visited) { matched += 1 }
        }
        return matched
    }

    @Test("the greedy overlap count equals a brute-force maximum matching on random spans")
    func greedyIsMaximum() {
        var generator = SplitMix64(seed: 42)
        func randomSpans() -> [Span] {
            (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                let start = Int.random(in: 0..<12, using: &generator)
                return span(
                    start, Int.random(in: (start + 1)...13, using: &generator),
                    ["A", "B"].randomElement(using: &generator)!)
            }
        }
        for _ in 0..<2_000 {
            let answer = randomSpans()
            let gold = randomSpans()
            #expect(
                SpanMatching.match(answer, against: gold, rule: .overlap).matched == bruteForceMaximum(answer, gold),
                "\(answer) vs \(gold)")
        }
    }
}
