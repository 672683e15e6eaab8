/// An annotator's scores against gold on one question, kept as sums so that the metrics of any set of answers
/// (all of them, one day's) follow from them.
///
/// The kind-specific metrics are pooled over the answers, not averaged per answer: CER is all character edits
/// ÷ all reference characters, as jiwer computes it for a list of pairs, and span precision, recall and F1 are
/// micro-averages of the summed matches and span counts. A kind's metric is `nil` until an answer of that kind
/// was scored.
public struct GoldRecord: Sendable, Hashable {
    /// Answers scored against gold.
    public var scored = 0
    /// The sum of their `QuestionScore.value`s.
    public var valueSum = 0.0
    /// Rating answers scored, and the sum of their absolute errors.
    public var ratings = 0
    public var absoluteErrorSum = 0.0
    /// Text answers scored, and their edits and reference lengths summed.
    public var texts = 0
    public var textErrors = TextErrorRates(
        characterEdits: 0, referenceCharacterCount: 0, wordEdits: 0, referenceWordCount: 0)
    /// Span answers scored, and their matches and span counts summed under each rule.
    public var spanAnswers = 0
    public var spans = SpanAccuracy(
        exact: SpanMatchScore(matched: 0, answerCount: 0, goldCount: 0),
        overlap: SpanMatchScore(matched: 0, answerCount: 0, goldCount: 0))

    /// Region answers scored, and their matches summed.
    public var regionAnswers = 0
    public var regions = RegionMatchScore.none

    /// A record of no answers.
    public init() {}

    /// Adds one answer's score.
    public mutating func add(_ score: QuestionScore) {
        scored += 1
        valueSum += score.value
        switch score.detail {
        case .unanswered, .choice, .multiChoice:
            break
        case .rating(let absoluteError, _):
            ratings += 1
            absoluteErrorSum += absoluteError
        case .text(let rates):
            texts += 1
            textErrors.characterEdits += rates.characterEdits
            textErrors.referenceCharacterCount += rates.referenceCharacterCount
            textErrors.wordEdits += rates.wordEdits
            textErrors.referenceWordCount += rates.referenceWordCount
        case .spans(let accuracy, _):
            spanAnswers += 1
            spans.exact.add(accuracy.exact)
            spans.overlap.add(accuracy.overlap)
        case .regions(let matched, _):
            regionAnswers += 1
            regions.add(matched)
        }
    }

    /// The mean score value: exact-match accuracy for choice, mean Jaccard for multi-choice, the share within
    /// tolerance for rating, mean 1 − min(CER, 1) for text, mean F1 under the accuracy rule for spans.
    public var accuracy: Double? { scored == 0 ? nil : valueSum / Double(scored) }

    /// Mean absolute error of the rating answers.
    public var meanAbsoluteError: Double? { ratings == 0 ? nil : absoluteErrorSum / Double(ratings) }

    /// Pooled character error rate of the text answers.
    public var characterErrorRate: Double? { texts == 0 ? nil : textErrors.characterErrorRate }

    /// Pooled word error rate of the text answers.
    public var wordErrorRate: Double? { texts == 0 ? nil : textErrors.wordErrorRate }

    /// Micro-averaged span scores under both rules.
    public var spanScores: SpanAccuracy? { spanAnswers == 0 ? nil : spans }

    /// Micro-averaged region scores.
    public var regionScores: RegionMatchScore? { regionAnswers == 0 ? nil : regions }
}

extension SpanMatchScore {
    /// Adds another score's counts to this one's (micro-averaging).
    public mutating func add(_ other: SpanMatchScore) {
        matched += other.matched
        answerCount += other.answerCount
        goldCount += other.goldCount
    }
}

/// An annotator's gold accuracy on one UTC day.
public struct DailyGoldAccuracy: Sendable, Hashable {
    public var day: CalendarDay
    public var scored: Int
    public var accuracy: Double

    public init(day: CalendarDay, scored: Int, accuracy: Double) {
        self.day = day
        self.scored = scored
        self.accuracy = accuracy
    }
}

/// Counts of (gold option, answered option) pairs of a choice question: rows are gold, columns the answer.
public struct GoldConfusion: Sendable, Hashable {
    /// K, the number of options; the matrix is K × K.
    public let optionCount: Int
    /// Row-major counts: entry `gold * optionCount + answer`.
    public private(set) var counts: [Int]

    /// An all-zero K × K matrix.
    public init(optionCount: Int) {
        self.optionCount = optionCount
        counts = [Int](repeating: 0, count: optionCount * optionCount)
    }

    /// Counts one answer `answer` to a task whose gold option is `gold` (both option codes).
    public mutating func add(gold: Int, answer: Int) { counts[gold * optionCount + answer] += 1 }

    /// Adds every count of `other`, a matrix of the same size.
    public mutating func add(_ other: GoldConfusion) {
        precondition(other.optionCount == optionCount, "confusion matrices of different sizes")
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    /// How often gold option `gold` was answered with option `answer`.
    public subscript(gold gold: Int, answer answer: Int) -> Int { counts[gold * optionCount + answer] }

    /// The matrix as rows, one per gold option.
    public var rows: [[Int]] {
        (0..<optionCount).map { Array(counts[($0 * optionCount)..<(($0 + 1) * optionCount)]) }
    }

    /// All counted answers.
    public var total: Int { counts.reduce(0, +) }
}
