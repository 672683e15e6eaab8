/// Settings that decide how strictly answers are compared with gold answers.
public struct AccuracyOptions: Sendable, Hashable {
    /// How far a rating may be from gold and still count as correct; 0 demands the same number.
    public var ratingTolerance: Double
    /// Which span matching rule gives a span question its accuracy `value`; both are reported either way.
    public var spanRule: SpanMatchRule

    public init(ratingTolerance: Double = 0, spanRule: SpanMatchRule = .exact) {
        self.ratingTolerance = ratingTolerance
        self.spanRule = spanRule
    }
}

/// How one answer compares with the gold answer to its question.
public struct QuestionScore: Sendable, Hashable {
    /// Accuracy from 0 (wrong or unanswered) to 1 (right), comparable across question kinds.
    public var value: Double
    /// The numbers the value was derived from.
    public var detail: Detail

    public init(value: Double, detail: Detail) {
        self.value = value
        self.detail = detail
    }

    /// The measurements behind a score, by question kind.
    public enum Detail: Sendable, Hashable {
        /// No answer, `null`, or a value that is not of the question's type; the value is 0.
        case unanswered
        /// Value 1 when the option equals gold's, else 0.
        case choice(correct: Bool)
        /// Value is the Jaccard index `shared ÷ union` of the two option sets; 1 when both are empty.
        case multiChoice(shared: Int, union: Int)
        /// Value 1 when `absoluteError <= tolerance`, else 0.
        case rating(absoluteError: Double, tolerance: Double)
        /// Value is `1 - min(CER, 1)`.
        case text(TextErrorRates)
        /// Value is the F1 under the options' span rule.
        case spans(SpanAccuracy, rule: SpanMatchRule)
        /// Value is the F1 of regions matched at the question's IoU or OKS threshold.
        case regions(RegionMatchScore, similarity: RegionSimilarity)
    }
}

/// Scores answers against gold answers, with the metric that fits each question kind.
///
/// - choice: exact match.
/// - multi_choice: Jaccard index of the option sets.
/// - rating: within a tolerance; the absolute error is reported too.
/// - text: CER and WER as jiwer computes them (see ``TextErrorRates``).
/// - spans: precision, recall and F1 under exact and overlap matching (see ``SpanMatching``).
/// - boxes, polygons: precision, recall, F1 and mean IoU of regions matched at an IoU threshold (see
///   ``RegionMatching``).
///
/// Gold that is missing, `null` or not of the question's type makes a question unscorable (`nil`). An answer that is
/// missing, `null` or not of the question's type scores 0 against usable gold; so does a missing span answer even
/// when gold has no spans: "nothing found" is `[]`.
public enum AnswerAccuracy {
    /// Scores `answer` against `gold` for `question`; `nil` when there is no usable gold answer.
    public static func score(
        question: Question, answer: JSONValue?, gold: JSONValue?, options: AccuracyOptions = AccuracyOptions()
    ) -> QuestionScore? {
        guard let gold, !gold.isNull else { return nil }
        return question.kind.type.score(answer: answer, gold: gold, options: options)
    }

    /// Scores every question of `schema` that `gold` answers; `result` and `gold` are objects keyed by question name.
    public static func score(
        result: JSONValue?, gold: JSONValue, schema: ProjectSchema, options: AccuracyOptions = AccuracyOptions()
    ) -> ResultScore {
        var scores: [ResultScore.Entry] = []
        for question in schema.questions {
            guard
                let score = score(
                    question: question, answer: result?[question.name], gold: gold[question.name], options: options)
            else { continue }
            scores.append(ResultScore.Entry(question: question.name, score: score))
        }
        return ResultScore(questions: scores)
    }
}

extension QuestionScore {
    /// The score of an answer that is missing or unreadable.
    public static let unanswered = QuestionScore(value: 0, detail: .unanswered)

    /// The score as a JSON object: `value`, `answered`, and the kind's measurements in snake_case.
    public var json: JSONValue {
        var members = [JSONMember("value", .double(value))]
        switch detail {
        case .unanswered:
            members.append(JSONMember("answered", .bool(false)))
        case .choice(let correct):
            members.append(JSONMember("answered", .bool(true)))
            members.append(JSONMember("correct", .bool(correct)))
        case .multiChoice(let shared, let union):
            members.append(JSONMember("answered", .bool(true)))
            members.append(JSONMember("shared", .integer(shared)))
            members.append(JSONMember("union", .integer(union)))
        case .rating(let absoluteError, let tolerance):
            members.append(JSONMember("answered", .bool(true)))
            members.append(JSONMember("absolute_error", .double(absoluteError)))
            members.append(JSONMember("tolerance", .double(tolerance)))
        case .text(let rates):
            members.append(JSONMember("answered", .bool(true)))
            members.append(JSONMember("cer", .double(rates.characterErrorRate)))
            members.append(JSONMember("wer", .double(rates.wordErrorRate)))
            members.append(JSONMember("character_edits", .integer(rates.characterEdits)))
            members.append(JSONMember("reference_characters", .integer(rates.referenceCharacterCount)))
            members.append(JSONMember("word_edits", .integer(rates.wordEdits)))
            members.append(JSONMember("reference_words", .integer(rates.referenceWordCount)))
        case .spans(let accuracy, let rule):
            members.append(JSONMember("answered", .bool(true)))
            members.append(JSONMember("rule", .string(rule.rawValue)))
            members.append(JSONMember("exact", accuracy.exact.json))
            members.append(JSONMember("overlap", accuracy.overlap.json))
        case .regions(let matched, let similarity):
            members.append(JSONMember("answered", .bool(true)))
            members.append(JSONMember("regions", matched.measurementJSON(similarity)))
        }
        return .object(members)
    }
}

extension SpanMatchScore {
    /// The counts and ratios as a quality report shows them (``JSONValue/measurement(_:)``).
    var measurementJSON: JSONValue {
        .object([
            JSONMember("precision", .measurement(precision)), JSONMember("recall", .measurement(recall)),
            JSONMember("f1", .measurement(f1)), JSONMember("matched", .integer(matched)),
            JSONMember("answer_count", .integer(answerCount)), JSONMember("gold_count", .integer(goldCount)),
        ])
    }

    /// The counts and ratios as a JSON object.
    public var json: JSONValue {
        .object([
            "precision": .double(precision), "recall": .double(recall), "f1": .double(f1),
            "matched": .integer(matched), "answer_count": .integer(answerCount), "gold_count": .integer(goldCount),
        ])
    }
}

/// The scores of one result against a gold result, question by question in schema order.
public struct ResultScore: Sendable, Hashable {
    /// One scored question.
    public struct Entry: Sendable, Hashable {
        public var question: String
        public var score: QuestionScore

        public init(question: String, score: QuestionScore) {
            self.question = question
            self.score = score
        }
    }

    /// The questions gold answers, in schema order; unscorable questions are left out.
    public var questions: [Entry]

    public init(questions: [Entry]) { self.questions = questions }

    /// The score of the question named `name`, if it was scorable.
    public subscript(name: String) -> QuestionScore? { questions.first { $0.question == name }?.score }

    /// The mean of the question values; `nil` when no question was scorable.
    public var value: Double? {
        guard !questions.isEmpty else { return nil }
        return questions.reduce(0) { $0 + $1.score.value } / Double(questions.count)
    }

    /// `{"value": mean or null, "questions": {name: score, …}}`.
    public var json: JSONValue {
        .object([
            "value": value.map(JSONValue.double) ?? .null,
            "questions": .object(questions.map { JSONMember($0.question, $0.score.json) }),
        ])
    }
}
