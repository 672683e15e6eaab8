import LabelParkCore
import Testing

@Suite("Project quality report for every question kind")
struct ProjectQualityReportTests {
    static let schema = ProjectSchema(
        fields: [Field(name: "text", kind: .text)],
        questions: [
            Question(name: "label", kind: .choice(options: ["a", "b"])),
            Question(name: "tags", kind: .multiChoice(options: ["x", "y", "z"], minCount: nil, maxCount: nil)),
            Question(name: "score", kind: .rating(min: 1, max: 5)),
            Question(name: "note", kind: .text(maxLength: 100)),
            Question(name: "ents", kind: .spans(field: "text", labels: ["PER", "LOC"], overlap: .none)),
        ])

    static func json(_ text: String) -> JSONValue { try! JSONParser().parse(text) }

    // 2026-11-25T12:00:00Z and 2026-11-26T23:59:59.999Z.
    static let november25 = Timestamp(rawValue: 1_795_608_000_000)
    static let november26 = Timestamp(rawValue: 1_795_737_599_999)

    /// Annotators 1 and 2. Task 10 and 11 are gold; 12 only annotator 1 answered; 13 annotator 2 answered nothing
    /// this schema asks (an empty result), so it counts nowhere.
    static let tasks = [
        QualityTaskInput(
            taskID: 10,
            gold: json(
                #"{"label":"a","tags":["x","y"],"score":4,"note":"the cat sat","ents":[{"start":0,"end":3,"label":"PER"},{"start":4,"end":7,"label":"LOC"}]}"#
            ),
            answers: [
                (
                    1,
                    json(
                        #"{"label":"a","tags":["x"],"score":4,"note":"the cat sat","ents":[{"start":0,"end":3,"label":"PER"},{"start":4,"end":7,"label":"LOC"}]}"#
                    )
                ),
                (
                    2,
                    json(
                        #"{"label":"b","tags":["x","y","z"],"score":2,"note":"the bat sat down","ents":[{"start":0,"end":3,"label":"PER"},{"start":4,"end":8,"label":"LOC"},{"start":9,"end":10,"label":"PER"}]}"#
                    )
                ),
            ], answeredAt: [1: november25, 2: november26]),
        QualityTaskInput(
            taskID: 11, gold: json(#"{"label":"b","tags":[],"score":1,"note":"ab","ents":[]}"#),
            answers: [
                (1, json(#"{"label":"b","tags":[],"score":2,"note":"abc","ents":[]}"#)),
                (2, json(#"{"label":"b","tags":["z"],"score":1,"note":"xb","ents":[]}"#)),
            ], answeredAt: [1: november26, 2: november26]),
        QualityTaskInput(
            taskID: 12, gold: nil,
            answers: [
                (
                    1,
                    json(
                        #"{"label":"a","tags":["y"],"score":3,"note":"hello","ents":[{"start":0,"end":1,"label":"PER"}]}"#
                    )
                )
            ]),
        QualityTaskInput(taskID: 13, gold: nil, answers: [(2, json("{}"))]),
    ]

    static func report() -> [String: QuestionQualityReport] {
        Dictionary(
            uniqueKeysWithValues: ProjectQuality.report(schema: schema, tasks: tasks).map { ($0.question.name, $0) })
    }

    static func annotator(_ question: QuestionQualityReport, _ userID: Int64) -> AnnotatorQualityReport? {
        question.annotators.first { $0.userID == userID }
    }

    static func close(_ value: Double?, _ expected: Double) -> Bool {
        guard let value else { return false }
        return abs(value - expected) < 1e-12
    }

    @Test("every question in schema order, counting only readable answers")
    func shape() {
        let questions = ProjectQuality.report(schema: Self.schema, tasks: Self.tasks)
        #expect(questions.map(\.question.name) == ["label", "tags", "score", "note", "ents"])
        // Annotator 1 answered 10, 11, 12; annotator 2 answered 10, 11 (13's empty result is no answer).
        for question in questions {
            #expect(question.annotations == 5 && question.tasks == 3)
            #expect(question.annotators.map(\.userID) == [1, 2])
            #expect(question.annotators.map(\.annotations) == [3, 2])
        }
    }

    @Test("choice: gold accuracy, confusion per annotator and project-wide, accuracy per day, unchanged agreement")
    func choice() throws {
        let label = try #require(Self.report()["label"])
        // Annotator 1: a for gold a, b for gold b → 2 of 2. Annotator 2: b for gold a (wrong), b for b → 1 of 2.
        let first = try #require(Self.annotator(label, 1))
        let second = try #require(Self.annotator(label, 2))
        #expect(first.gold.scored == 2 && first.gold.accuracy == 1)
        #expect(second.gold.scored == 2 && second.gold.accuracy == 0.5)
        // Rows are gold (a, b), columns the answer: 1 → [[1, 0], [0, 1]]; 2 → [[0, 1], [0, 1]]; summed [[1, 1], [0, 2]].
        #expect(first.goldConfusion?.rows == [[1, 0], [0, 1]])
        #expect(second.goldConfusion?.rows == [[0, 1], [0, 1]])
        #expect(label.goldConfusion?.rows == [[1, 1], [0, 2]] && label.goldConfusion?.total == 4)
        // Annotator 1 answered gold task 10 on the 25th (right) and 11 on the 26th (right); annotator 2 both on the
        // 26th (one right).
        #expect(
            first.goldByDay == [
                DailyGoldAccuracy(day: CalendarDay(daysSinceEpoch: 20_782), scored: 1, accuracy: 1),
                DailyGoldAccuracy(day: CalendarDay(daysSinceEpoch: 20_783), scored: 1, accuracy: 1),
            ])
        #expect(
            second.goldByDay == [DailyGoldAccuracy(day: CalendarDay(daysSinceEpoch: 20_783), scored: 2, accuracy: 0.5)])
        #expect(second.goldByDay.first?.day.iso8601 == "2026-11-26")
        // The same agreement and aggregated answers as `choiceQuestions`, whose own tests fix the numbers.
        let choice = try #require(ProjectQuality.choiceQuestions(schema: Self.schema, tasks: Self.tasks).first)
        #expect(label.agreement.fleissKappa == choice.fleissKappa)
        #expect(label.agreement.krippendorffAlphaNominal == choice.krippendorffAlphaNominal)
        #expect(label.agreement.meanPairwiseCohensKappa == choice.meanPairwiseCohensKappa)
        guard case .choice(let aggregated) = label.aggregation else {
            Issue.record("a choice question aggregates as choice")
            return
        }
        #expect(aggregated == choice.aggregated)
        #expect(first.consensusAgreement == choice.annotators[0].consensusAgreement)
        #expect(first.dawidSkeneAccuracy == choice.annotators[0].dawidSkeneAccuracy)
        #expect(choice.annotators[1].goldAccuracy == second.gold.accuracy)
    }

    @Test("multi_choice: mean Jaccard against gold, pairwise Jaccard, alpha per option, aggregated selections")
    func multiChoice() throws {
        let tags = try #require(Self.report()["tags"])
        // Annotator 1: {x} vs {x, y} → 1/2; {} vs {} → 1; mean 3/4.
        #expect(Self.close(Self.annotator(tags, 1)?.gold.accuracy, 0.75))
        // Annotator 2: {x, y, z} vs {x, y} → 2/3; {z} vs {} → 0/1; mean 1/3.
        #expect(Self.close(Self.annotator(tags, 2)?.gold.accuracy, 1.0 / 3))
        #expect(Self.annotator(tags, 1)?.goldConfusion == nil && tags.goldConfusion == nil)
        // Pairs: task 10 {x} vs {x, y, z} → 1/3; task 11 {} vs {z} → 0; task 12 has one answer. Mean 1/6.
        #expect(Self.close(tags.agreement.meanPairwiseJaccard, 1.0 / 6) && tags.agreement.comparedPairs == 2)
        // Option x: (1, 1) on task 10, (0, 0) on 11 → perfect, alpha 1. Option y: (0, 1), (0, 0): n = 4, three 0s
        // and one 1, coincidence diagonal 2 → 1 − 3·(4 − 2)/(16 − 10) = 0. Option z: (0, 1), (0, 1): diagonal 0,
        // two of each → 1 − 3·4/8 = −0.5.
        #expect(tags.agreement.optionAlphaNominal.count == 3)
        #expect(Self.close(tags.agreement.optionAlphaNominal[0], 1))
        #expect(Self.close(tags.agreement.optionAlphaNominal[1], 0))
        #expect(Self.close(tags.agreement.optionAlphaNominal[2], -0.5))
        #expect(tags.agreement.fleissKappa == nil && tags.agreement.krippendorffAlphaInterval == nil)
        guard case .multiChoice(let selections) = tags.aggregation else {
            Issue.record("a multi-choice question aggregates as multi-choice")
            return
        }
        #expect(selections.map(\.taskID) == [10, 11, 12])
        // Task 10: x 2 of 2, y and z 1 of 2 (ties stay out) → {x}. Task 11: z 1 of 2 → {}. Task 12: y 1 of 1 → {y}.
        #expect(selections.map(\.aggregate.majoritySelection) == [[0], [], [1]])
        #expect(selections[0].aggregate.options.map(\.votes) == [2, 1, 1])
        #expect(selections.allSatisfy { $0.aggregate.options.count == 3 })
    }

    @Test("rating: share exactly right, mean absolute error, interval alpha")
    func rating() throws {
        let score = try #require(Self.report()["score"])
        // Annotator 1: 4 for 4 (error 0), 2 for 1 (error 1) → accuracy 1/2, MAE 1/2.
        let first = try #require(Self.annotator(score, 1))
        #expect(first.gold.accuracy == 0.5 && first.gold.meanAbsoluteError == 0.5)
        // Annotator 2: 2 for 4 (error 2), 1 for 1 → accuracy 1/2, MAE 1.
        let second = try #require(Self.annotator(score, 2))
        #expect(second.gold.accuracy == 0.5 && second.gold.meanAbsoluteError == 1)
        #expect(first.gold.characterErrorRate == nil && first.gold.spanScores == nil)
        // Pairable units: task 10 (4, 2), task 11 (2, 1); task 12 has one rating. D_o = (8 + 2)/4 = 2.5 (ordered
        // pairs' squared differences over m − 1 = 1, divided by n = 4). D_e over the values 4, 2, 2, 1: ordered
        // pairs sum 2·(4 + 4 + 9 + 0 + 1 + 1) = 38, over n(n − 1) = 12 → 19/6. Alpha = 1 − 2.5·6/19 = 4/19.
        #expect(Self.close(score.agreement.krippendorffAlphaInterval, 4.0 / 19))
        #expect(score.agreement.fleissKappa == nil && score.agreement.krippendorffAlphaNominal == nil)
        #expect(score.agreement.meanPairwiseCohensKappa == nil)
        guard case .none = score.aggregation else {
            Issue.record("ratings are not aggregated")
            return
        }
    }

    @Test("text: CER and WER pooled over the annotator's gold answers, as jiwer computes a list")
    func text() throws {
        let note = try #require(Self.report()["note"])
        // Annotator 1: "the cat sat" exact (0 of 11 characters, 0 of 3 words); "abc" for "ab" (1 of 2, 1 of 1).
        // CER 1/13, WER 1/4; values 1 and 1 − 1/2 → accuracy 3/4.
        let first = try #require(Self.annotator(note, 1))
        #expect(first.gold.characterErrorRate == 1.0 / 13 && first.gold.wordErrorRate == 0.25)
        #expect(first.gold.accuracy == 0.75)
        // Annotator 2: "the bat sat down": c→b and " down" inserted, 6 edits of 11; words bat for cat and "down"
        // inserted, 2 of 3. "xb" for "ab": 1 of 2, 1 of 1. CER 7/13, WER 3/4; values 1 − 6/11 and 1/2 → 21/44.
        let second = try #require(Self.annotator(note, 2))
        #expect(second.gold.characterErrorRate == 7.0 / 13 && second.gold.wordErrorRate == 0.75)
        #expect(Self.close(second.gold.accuracy, 21.0 / 44))
        #expect(second.gold.textErrors.characterEdits == 7 && second.gold.textErrors.referenceCharacterCount == 13)
        #expect(note.agreement == QuestionAgreement())
    }

    @Test("spans: micro-averaged exact and overlap precision, recall, F1; pairwise F1 as agreement")
    func spans() throws {
        let ents = try #require(Self.report()["ents"])
        // Annotator 1: task 10 both spans exact; task 11 empty against empty. Summed 2 matched of 2 and 2 → all 1.
        let first = try #require(Self.annotator(ents, 1)?.gold.spanScores)
        #expect(first.exact == SpanMatchScore(matched: 2, answerCount: 2, goldCount: 2))
        #expect(first.exact.f1 == 1 && Self.annotator(ents, 1)?.gold.accuracy == 1)
        // Annotator 2: task 10 answers (0,3,PER) (4,8,LOC) (9,10,PER) against (0,3,PER) (4,7,LOC). Exact: 1 match,
        // P 1/3, R 1/2, F1 2/5. Overlap: (4,8) meets (4,7) too → 2 matches, P 2/3, R 1, F1 4/5. Task 11 adds nothing.
        let second = try #require(Self.annotator(ents, 2)?.gold.spanScores)
        #expect(second.exact == SpanMatchScore(matched: 1, answerCount: 3, goldCount: 2))
        #expect(second.exact.precision == 1.0 / 3 && second.exact.recall == 0.5 && second.exact.f1 == 0.4)
        #expect(second.overlap == SpanMatchScore(matched: 2, answerCount: 3, goldCount: 2))
        #expect(second.overlap.precision == 2.0 / 3 && second.overlap.recall == 1 && second.overlap.f1 == 0.8)
        // Accuracy is the mean per-answer exact F1: 2/5 and 1 (both empty) → 0.7.
        #expect(Self.close(Self.annotator(ents, 2)?.gold.accuracy, 0.7))
        // Pairs: task 10 exact F1 2·1/(2 + 3) = 0.4, overlap 2·2/5 = 0.8; task 11 empty with empty → 1 and 1.
        #expect(Self.close(ents.agreement.meanPairwiseSpanF1Exact, 0.7))
        #expect(Self.close(ents.agreement.meanPairwiseSpanF1Overlap, 0.9))
        #expect(ents.agreement.comparedPairs == 2)
    }

    @Test("degenerate: no answers at all; answers but no gold; one annotator; one value only")
    func degenerate() throws {
        for question in ProjectQuality.report(schema: Self.schema, tasks: []) {
            #expect(question.annotations == 0 && question.tasks == 0 && question.annotators.isEmpty)
            #expect(
                question.agreement.meanPairwiseJaccard == nil && question.agreement.krippendorffAlphaInterval == nil)
            #expect(question.agreement.fleissKappa == nil && question.agreement.meanPairwiseSpanF1Exact == nil)
        }
        let noAnswers = ProjectQuality.report(schema: Self.schema, tasks: [])
        #expect(noAnswers[0].goldConfusion?.rows == [[0, 0], [0, 0]])

        // Task 12 alone: one annotator, no gold.
        let single = ProjectQuality.report(schema: Self.schema, tasks: [Self.tasks[2]])
        for question in single {
            let only = try #require(question.annotators.first)
            #expect(question.annotators.count == 1)
            #expect(only.gold.scored == 0 && only.gold.accuracy == nil && only.goldByDay.isEmpty)
            #expect(only.gold.meanAbsoluteError == nil && only.gold.characterErrorRate == nil)
            #expect(only.gold.spanScores == nil)
            #expect(question.agreement.comparedPairs == 0 && question.agreement.meanPairwiseJaccard == nil)
            #expect(question.agreement.krippendorffAlphaInterval == nil && question.agreement.fleissKappa == nil)
        }
        // No gold answered: no matrix at all (K × K cells each would add up over a crowd).
        #expect(single[0].annotators[0].goldConfusion == nil)

        // Two annotators who give every task the same rating 3: no variation, so interval alpha is undefined;
        // gold 3 on both tasks makes them exactly right, error 0. Answers without a time stay out of the days.
        let same = [20, 21].map { task in
            QualityTaskInput(
                taskID: task, gold: Self.json(#"{"score":3,"tags":["x"]}"#),
                answers: [(1, Self.json(#"{"score":3,"tags":["x"]}"#)), (2, Self.json(#"{"score":3,"tags":["x"]}"#))],
                answeredAt: [1: Self.november25])
        }
        let flat = Dictionary(
            uniqueKeysWithValues: ProjectQuality.report(schema: Self.schema, tasks: same).map { ($0.question.name, $0) }
        )
        let score = try #require(flat["score"])
        #expect(score.agreement.krippendorffAlphaInterval == nil)
        #expect(score.annotators.allSatisfy { $0.gold.accuracy == 1 && $0.gold.meanAbsoluteError == 0 })
        #expect(score.annotators[0].goldByDay.map(\.scored) == [2] && score.annotators[1].goldByDay.isEmpty)
        // Everyone ticks only x: x, y and z never vary, so no option has an alpha; Jaccard is 1 on both pairs.
        let tags = try #require(flat["tags"])
        #expect(tags.agreement.optionAlphaNominal == [nil, nil, nil])
        #expect(tags.agreement.meanPairwiseJaccard == 1 && tags.agreement.comparedPairs == 2)
    }

    @Test("answers of the wrong type are left out; gold of the wrong type scores nothing")
    func unreadable() throws {
        let tasks = [
            QualityTaskInput(
                taskID: 30, gold: Self.json(#"{"label":"c","score":"high","note":5}"#),
                answers: [
                    (1, Self.json(#"{"label":"c","tags":["w"],"score":"4","note":null,"ents":[{"start":0}]}"#)),
                    (2, Self.json(#"{"label":"a","tags":["x"],"score":4,"note":"n","ents":[]}"#)),
                ])
        ]
        for question in ProjectQuality.report(schema: Self.schema, tasks: tasks) {
            // Only annotator 2's answers are readable; gold "c" is no option, "high" no number, 5 no string.
            #expect(question.annotators.map(\.userID) == [2] && question.annotations == 1)
            #expect(question.annotators[0].gold.scored == 0)
        }
    }
}
