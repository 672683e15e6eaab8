/// How many of an answer's spans match gold spans, with the precision, recall and F1 that follow.
///
/// Each gold span and each answer span takes part in at most one match. A side with no spans makes its ratio 0 ÷ 0,
/// which is defined as 1: an answer with no spans claims nothing false (precision 1), and gold with no spans leaves
/// nothing to miss (recall 1). F1 is 2·matched ÷ (answer spans + gold spans): the harmonic mean of that precision
/// and recall, so it is 1 when both sides are empty and 0 when exactly one is. seqeval differs only in the
/// undefined cases: it reports 0 for any 0 ÷ 0, including F1 when both sides are empty.
public struct SpanMatchScore: Sendable, Hashable {
    /// Matched pairs: the true positives.
    public var matched: Int
    /// Spans in the answer: true plus false positives.
    public var answerCount: Int
    /// Spans in the gold answer: true positives plus false negatives.
    public var goldCount: Int

    public init(matched: Int, answerCount: Int, goldCount: Int) {
        self.matched = matched
        self.answerCount = answerCount
        self.goldCount = goldCount
    }

    /// Matched ÷ answer spans; 1 for an answer without spans.
    public var precision: Double { answerCount == 0 ? 1 : Double(matched) / Double(answerCount) }

    /// Matched ÷ gold spans; 1 for gold without spans.
    public var recall: Double { goldCount == 0 ? 1 : Double(matched) / Double(goldCount) }

    /// 2·matched ÷ (answer spans + gold spans); 1 when both are empty.
    public var f1: Double {
        let total = answerCount + goldCount
        return total == 0 ? 1 : Double(2 * matched) / Double(total)
    }
}

/// The two rules by which an answer span can match a gold span.
public enum SpanMatchRule: String, Sendable, Hashable, CaseIterable {
    /// Same start, end and label.
    case exact
    /// Same label and at least one shared character.
    case overlap
}

/// Span precision, recall and F1 under both matching rules.
public struct SpanAccuracy: Sendable, Hashable {
    public var exact: SpanMatchScore
    public var overlap: SpanMatchScore

    public init(exact: SpanMatchScore, overlap: SpanMatchScore) {
        self.exact = exact
        self.overlap = overlap
    }

    /// Scores `answer` against `gold` under both rules.
    public init(answer: [Span], gold: [Span]) {
        self.init(
            exact: SpanMatching.match(answer, against: gold, rule: .exact),
            overlap: SpanMatching.match(answer, against: gold, rule: .overlap))
    }

    /// The score under `rule`.
    public subscript(rule: SpanMatchRule) -> SpanMatchScore {
        switch rule {
        case .exact: exact
        case .overlap: overlap
        }
    }
}

/// Pairs answer spans with gold spans, one to one.
public enum SpanMatching {
    /// Counts the largest set of one-to-one matches between `answer` and `gold` under `rule`.
    ///
    /// Exact: spans are compared as (start, end, label), so a span given twice in the answer matches at most as many
    /// copies as gold has. Overlap: spans of the same label match when their ranges share a character
    /// (`a.start < b.end && b.start < a.end`). Answer spans are taken by increasing end, and each takes the unmatched
    /// intersecting gold span with the smallest end. For intervals this greedy choice gives a maximum matching: an
    /// exchange argument shows any optimum can be rearranged to agree with it, so the count depends on neither the
    /// order of the spans nor how ties are broken.
    public static func match(_ answer: [Span], against gold: [Span], rule: SpanMatchRule) -> SpanMatchScore {
        let matched =
            switch rule {
            case .exact: exactMatches(answer, gold)
            case .overlap: overlapMatches(answer, gold)
            }
        return SpanMatchScore(matched: matched, answerCount: answer.count, goldCount: gold.count)
    }

    static func exactMatches(_ answer: [Span], _ gold: [Span]) -> Int {
        var unmatchedGold: [Span: Int] = [:]
        for span in gold { unmatchedGold[span, default: 0] += 1 }
        var matched = 0
        for span in answer {
            guard let remaining = unmatchedGold[span], remaining > 0 else { continue }
            unmatchedGold[span] = remaining - 1
            matched += 1
        }
        return matched
    }

    static func overlapMatches(_ answer: [Span], _ gold: [Span]) -> Int {
        var goldByLabel: [String: [Span]] = [:]
        for span in gold { goldByLabel[span.label, default: []].append(span) }
        var answerByLabel: [String: [Span]] = [:]
        for span in answer where goldByLabel[span.label] != nil { answerByLabel[span.label, default: []].append(span) }
        var matched = 0
        for (label, answerSpans) in answerByLabel {
            matched += maximumOverlapMatches(
                answerSpans.sorted { ($0.end, $0.start) < ($1.end, $1.start) },
                goldByLabel[label, default: []].sorted { ($0.end, $0.start) < ($1.end, $1.start) })
        }
        return matched
    }

    /// The greedy maximum matching for spans of one label, both sorted by end.
    private static func maximumOverlapMatches(_ answer: [Span], _ gold: [Span]) -> Int {
        // nextUnmatched[j] leads, through a chain that is shortened as it is walked, to the first unmatched gold span
        // at or after j (gold.count when none is left), so matched gold spans are skipped in near-constant time.
        var nextUnmatched = Array(0...gold.count)
        func firstUnmatched(from index: Int) -> Int {
            var root = index
            while nextUnmatched[root] != root { root = nextUnmatched[root] }
            var walker = index
            while nextUnmatched[walker] != root {
                let next = nextUnmatched[walker]
                nextUnmatched[walker] = root
                walker = next
            }
            return root
        }
        // The smallest start from each position on: once it reaches a span's end, no later gold span can intersect
        // it, so a span matching nothing stops at once instead of scanning the rest.
        var laterStart = gold.map(\.start)
        for index in laterStart.indices.reversed().dropFirst() {
            laterStart[index] = min(laterStart[index], laterStart[index + 1])
        }
        var matched = 0
        for span in answer {
            // Gold spans ending at or before this span's start cannot intersect it; they come first in end order.
            var low = 0
            var high = gold.count
            while low < high {
                let middle = (low + high) / 2
                if gold[middle].end <= span.start { low = middle + 1 } else { high = middle }
            }
            var candidate = firstUnmatched(from: low)
            while candidate < gold.count, laterStart[candidate] < span.end {
                if gold[candidate].start < span.end {
                    nextUnmatched[candidate] = candidate + 1
                    matched += 1
                    break
                }
                candidate = firstUnmatched(from: candidate + 1)
            }
        }
        return matched
    }
}
