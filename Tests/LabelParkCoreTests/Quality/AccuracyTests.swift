import LabelParkCore
import Testing

@Suite("Answer accuracy against gold")
struct AccuracyTests {
    static let schema = ProjectSchema(
        fields: [Field(name: "text", kind: .text)],
        questions: [
            Question(name: "sentiment", kind: .choice(options: ["pos", "neg", "neu"])),
            Question(name: "tags", kind: .multiChoice(options: ["a", "b", "c", "d"], minCount: nil, maxCount: nil)),
            Question(name: "score", kind: .rating(min: 1, max: 5)),
            Question(name: "transcript", kind: .text(maxLength: 1_000)),
            Question(name: "entities", kind: .spans(field: "text", labels: ["PER", "LOC"], overlap: .none)),
        ])

    func question(_ name: String) -> Question { Self.schema.question(named: name)! }

    func json(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    func score(
        _ name: String, _ answer: String?, _ gold: String?, options: AccuracyOptions = AccuracyOptions()
    ) throws
        -> QuestionScore?
    {
        AnswerAccuracy.score(
            question: question(name), answer: try answer.map(json), gold: try gold.map(json), options: options)
    }

    @Test("choice: exact match")
    func choice() throws {
        #expect(try score("sentiment", #""pos""#, #""pos""#) == QuestionScore(value: 1, detail: .choice(correct: true)))
        #expect(
            try score("sentiment", #""neg""#, #""pos""#) == QuestionScore(value: 0, detail: .choice(correct: false)))
        // Case matters: options are compared as written.
        #expect(try score("sentiment", #""POS""#, #""pos""#)?.value == 0)
    }

    @Test("multi_choice: Jaccard index of the option sets")
    func multiChoice() throws {
        // {a, b} vs {b, c}: shared {b}, union {a, b, c}: 1/3.
        let partial = try #require(try score("tags", #"["a","b"]"#, #"["b","c"]"#))
        #expect(partial.value == 1.0 / 3 && partial.detail == .multiChoice(shared: 1, union: 3))
        // Order does not matter: 2/2.
        #expect(try score("tags", #"["b","a"]"#, #"["a","b"]"#)?.value == 1)
        // Both empty: 0/0 defined as 1 (both agree nothing applies).
        #expect(try score("tags", "[]", "[]") == QuestionScore(value: 1, detail: .multiChoice(shared: 0, union: 0)))
        // Answer empty, gold not: 0/1.
        #expect(try score("tags", "[]", #"["d"]"#)?.value == 0)
        // Disjoint: 0/4.
        #expect(try score("tags", #"["a","b"]"#, #"["c","d"]"#)?.value == 0)
    }

    @Test("rating: correct within the tolerance, absolute error reported")
    func rating() throws {
        #expect(
            try score("score", "4", "4") == QuestionScore(value: 1, detail: .rating(absoluteError: 0, tolerance: 0)))
        // |3 − 5| = 2 > 0.
        #expect(
            try score("score", "3", "5") == QuestionScore(value: 0, detail: .rating(absoluteError: 2, tolerance: 0)))
        let lenient = AccuracyOptions(ratingTolerance: 1)
        // |4 − 5| = 1 ≤ 1; |3 − 5| = 2 > 1.
        #expect(try score("score", "4", "5", options: lenient)?.value == 1)
        #expect(try score("score", "3", "5", options: lenient)?.value == 0)
    }

    @Test("text: 1 − min(CER, 1), with CER and WER reported")
    func text() throws {
        // 5 edits of 22 characters (see the edit distance tests): 1 − 5/22 = 17/22.
        let close = try #require(try score("transcript", #""the cat sit on mat""#, #""the cat sat on the mat""#))
        #expect(close.value == 1 - 5.0 / 22)
        guard case .text(let rates) = close.detail else {
            Issue.record("expected text detail")
            return
        }
        #expect(rates.wordErrorRate == 2.0 / 6)
        // CER above 1 (10 insertions on 2 characters, CER 5) is capped: value 0.
        #expect(try score("transcript", #""ab0123456789xy""#, #""ab""#)?.value == 0)
        // Empty gold: 1 when the answer is empty too, else 0 (CER is the insertion count).
        #expect(try score("transcript", #""""#, #""""#)?.value == 1)
        #expect(try score("transcript", #""x""#, #""""#)?.value == 0)
    }

    @Test("spans: F1 under the chosen rule, both rules reported")
    func spans() throws {
        let gold = #"[{"start":0,"end":5,"label":"PER"},{"start":14,"end":19,"label":"LOC"}]"#
        // PER exact, LOC one character short: exact 1 of 2 each way (F1 1/2), overlap 2 of 2 (F1 1).
        let answer = #"[{"start":0,"end":5,"label":"PER","text":"Alice"},{"start":14,"end":18,"label":"LOC"}]"#
        let strict = try #require(try score("entities", answer, gold))
        #expect(strict.value == 0.5)
        let lenient = try #require(try score("entities", answer, gold, options: AccuracyOptions(spanRule: .overlap)))
        #expect(lenient.value == 1)
        guard case .spans(let accuracy, let rule) = lenient.detail else {
            Issue.record("expected span detail")
            return
        }
        #expect(rule == .overlap && accuracy.exact.matched == 1 && accuracy.overlap.matched == 2)
        // No entities in gold and none found: perfect. One found where gold has none: F1 0.
        #expect(try score("entities", "[]", "[]")?.value == 1)
        #expect(try score("entities", #"[{"start":0,"end":5,"label":"PER"}]"#, "[]")?.value == 0)
    }

    @Test("missing or unreadable answers score 0; missing or unreadable gold is not scorable")
    func missing() throws {
        for name in ["sentiment", "tags", "score", "transcript", "entities"] {
            let gold =
                switch name {
                case "sentiment": #""pos""#
                case "tags", "entities": "[]"
                case "score": "3"
                default: #""hello""#
                }
            #expect(try score(name, nil, gold) == .unanswered, "\(name)")
            #expect(try score(name, "null", gold) == .unanswered, "\(name)")
            #expect(try score(name, #"{"x":1}"#, gold) == .unanswered, "\(name)")
            #expect(try score(name, nil, nil) == nil, "\(name)")
            #expect(try score(name, gold, "null") == nil, "\(name)")
            #expect(try score(name, gold, "true") == nil, "\(name)")
        }
        // A span element without a label makes the whole answer unreadable.
        #expect(try score("entities", #"[{"start":0,"end":5}]"#, "[]") == .unanswered)
    }

    @Test("a whole result: every question gold answers, in schema order, with the mean value")
    func wholeResult() throws {
        let gold = try json(#"{"sentiment":"pos","tags":["a","b"],"score":3,"comment":"ignored"}"#)
        let result = try json(#"{"sentiment":"pos","tags":["a"],"transcript":"hi"}"#)
        let scores = AnswerAccuracy.score(result: result, gold: gold, schema: Self.schema)
        // Gold answers three questions; score is unanswered (0). Values 1, 1/2, 0: mean 1/2.
        #expect(scores.questions.map(\.question) == ["sentiment", "tags", "score"])
        #expect(scores["tags"]?.value == 0.5)
        #expect(scores["transcript"] == nil)
        #expect(scores.value == 0.5)
        #expect(
            scores.json.jsonText
                == #"{"value":0.5,"questions":{"sentiment":{"value":1,"answered":true,"correct":true},"#
                + #""tags":{"value":0.5,"answered":true,"shared":1,"union":2},"score":{"value":0,"answered":false}}}"#)
        // No result at all: every gold question scores 0.
        #expect(AnswerAccuracy.score(result: nil, gold: gold, schema: Self.schema).value == 0)
        // Gold answering nothing: no value.
        #expect(AnswerAccuracy.score(result: result, gold: try json("{}"), schema: Self.schema).value == nil)
    }

    @Test("score JSON carries every measurement under snake_case keys")
    func scoreJSON() throws {
        let text = try #require(try score("transcript", #""abd""#, #""abc""#))
        #expect(
            text.json.jsonText
                == #"{"value":0.6666666666666667,"answered":true,"cer":0.3333333333333333,"wer":1,"#
                + #""character_edits":1,"reference_characters":3,"word_edits":1,"reference_words":1}"#)
        let spans = try #require(try score("entities", "[]", "[]"))
        #expect(
            spans.json.jsonText
                == #"{"value":1,"answered":true,"rule":"exact","#
                + #""exact":{"precision":1,"recall":1,"f1":1,"matched":0,"answer_count":0,"gold_count":0},"#
                + #""overlap":{"precision":1,"recall":1,"f1":1,"matched":0,"answer_count":0,"gold_count":0}}"#)
        let rating = try #require(try score("score", "2", "5"))
        #expect(
            rating.json.jsonText == #"{"value":0,"answered":true,"absolute_error":3,"tolerance":0}"#)
    }
}
