import LabelParkCore
import LabelParkFormats
import LabelParkStore
import Testing

private func isClose(_ value: Double?, _ expected: Double, within tolerance: Double = 1e-12) -> Bool {
    guard let value else { return false }
    return abs(value - expected) <= tolerance
}

@Suite("Export aggregates")
struct ExportAggregationTests {
    static let schema = ProjectSchema(
        fields: [Field(name: "text", kind: .text)],
        questions: [
            Question(name: "sentiment", kind: .choice(options: ["pos", "neg"]), required: true),
            Question(name: "tags", kind: .multiChoice(options: ["a", "b"], minCount: nil, maxCount: nil)),
            Question(name: "topic", kind: .choice(options: ["x", "y", "z"])),
        ])

    /// The M-step of majority-vote shares and nothing more, with Laplace smoothing: small fractions by hand.
    static let handFit = DawidSkene(
        maxIterations: 0, smoothing: DawidSkeneSmoothing(confusion: 1, correctAnswer: 0, classPrior: 1))

    static func annotation(
        _ id: Int64, by annotator: Int64, _ result: String, _ status: AnnotationStatus = .submitted
    )
        -> ExportedAnnotation
    {
        ExportedAnnotation(
            id: AnnotationID(id), annotatorID: UserID(annotator), annotatorEmail: "u\(annotator)@example.com",
            resultJSON: result, version: 1, status: status, isLate: false, leadTimeMilliseconds: nil,
            createdAt: Timestamp(millisecondsSinceEpoch: 0), updatedAt: Timestamp(millisecondsSinceEpoch: 0))
    }

    /// Users 3 and 4 say pos, 5 says neg; 3 ticks a, 4 ticks a and b, 5 ticks nothing; 6's answers were
    /// rejected and must not count. Nobody answers topic.
    static let votedTask = ExportedTask(
        id: TaskID(201), dataJSON: #"{"text":"one"}"#, priority: 0,
        annotations: [
            annotation(1, by: 3, #"{"sentiment":"pos","tags":["a"]}"#, .accepted),
            annotation(2, by: 4, #"{"sentiment":"pos","tags":["b","a"]}"#),
            annotation(3, by: 5, #"{"sentiment":"neg","tags":[]}"#),
            annotation(4, by: 6, #"{"sentiment":"neg","tags":["b"]}"#, .rejected),
        ])
    static let bareTask = ExportedTask(id: TaskID(202), dataJSON: #"{"text":"two"}"#, priority: 0, annotations: [])
    /// Annotated only after the first pass: user 3 says neg, user 9 (never seen) says pos; answers that
    /// name something not an option count for nothing.
    static let lateTask = ExportedTask(
        id: TaskID(203), dataJSON: #"{"text":"three"}"#, priority: 0,
        annotations: [
            annotation(5, by: 3, #"{"sentiment":"neg","topic":"nope"}"#),
            annotation(6, by: 9, #"{"sentiment":"pos","tags":["a","zzz"]}"#),
        ])

    /// The aggregation fitted to the voted and bare tasks (the first pass).
    static func fitted() -> ExportAggregation {
        var answers = ExportAnswers(schema: schema)
        #expect(answers.isNeeded)
        answers.add(votedTask)
        answers.add(bareTask)
        return answers.fit(using: handFit)
    }

    // The first pass sees one annotated task with votes [pos, pos, neg] (users 3, 4, 5; 6 is rejected):
    // its majority-vote posterior is [2/3, 1/3], so m = [2/3, 1/3], T = 1 and p = [(2/3 + 1)/3, (1/3 + 1)/3]
    // = [5/9, 4/9]. User 3 answered pos: n[pos][pos] = 2/3, n[neg][pos] = 1/3, so π_3[pos][pos] = (2/3 + 1) /
    // (2/3 + 2) = 5/8 and π_3[neg][pos] = (1/3 + 1) / (1/3 + 2) = 4/7, hence π_3[pos][neg] = 3/8 and
    // π_3[neg][neg] = 3/7. User 4 is the same; user 5 answered neg: π_5[pos][neg] = 5/8, π_5[neg][neg] = 4/7.
    static let votedJoint = (pos: 5.0 / 9 * 5 / 8 * 5 / 8 * 5 / 8, neg: 4.0 / 9 * 4 / 7 * 4 / 7 * 4 / 7)
    /// joint = [625/4608, 256/3087] ≈ [0.1356, 0.0829] → pos with ≈ 0.6206.
    static let votedConfidence = votedJoint.pos / (votedJoint.pos + votedJoint.neg)
    // Tags, option by option as yes/no (absent = 0, present = 1): a is ticked by 3 and 4, not by 5, the
    // same 2:1 pattern as pos, so P(a present) = the same ≈ 0.6206. b is ticked by 4 only, the 1:2 pattern
    // with the roles swapped, so P(b present) = 1 − 0.6206 ≈ 0.3794. The selection {a} then has confidence
    // 0.6206 · (1 − 0.3794) = 0.6206².
    // Task 203: user 3 says neg (π_3[·][neg] = [3/8, 3/7]), user 9 is new: π = 1/2 everywhere under γ = 0.
    // joint = [5/9 · 3/8 · 1/2, 4/9 · 3/7 · 1/2] = [5/48, 2/21] ≈ [0.1042, 0.0952] → pos.
    static let lateJoint = (pos: 5.0 / 9 * 3 / 8 / 2, neg: 4.0 / 9 * 3 / 7 / 2)

    @Test("each task's aggregates come from its own counted answers under the fitted model, by hand")
    func aggregatesByHand() throws {
        let aggregation = Self.fitted()
        #expect(aggregation.questionNames == ["sentiment", "tags", "topic"])

        let voted = aggregation.aggregates(of: Self.votedTask)
        #expect(voted.count == 3)
        guard case .choice(let sentiment) = try #require(voted[0]) else {
            Issue.record("sentiment is a choice question")
            return
        }
        #expect(sentiment.question == "sentiment" && sentiment.answer == "pos")
        #expect(isClose(sentiment.confidence, Self.votedConfidence))
        #expect(sentiment.majorityVote == "pos" && isClose(sentiment.majorityConfidence, 2.0 / 3))  // 2 of 3
        #expect(sentiment.annotationCount == 3)

        guard case .multiChoice(let question, let options, let tags) = try #require(voted[1]) else {
            Issue.record("tags is a multi-choice question")
            return
        }
        #expect(question == "tags" && options == ["a", "b"] && tags.annotationCount == 3)
        #expect(tags.dawidSkeneSelection == [0] && tags.majoritySelection == [0])  // {a}; a 2 of 3, b 1 of 3
        #expect(tags.options.map(\.votes) == [2, 1])
        #expect(isClose(tags.options[0].dawidSkeneProbability, Self.votedConfidence))
        #expect(isClose(tags.options[1].dawidSkeneProbability, 1 - Self.votedConfidence))
        #expect(isClose(tags.dawidSkeneConfidence, Self.votedConfidence * Self.votedConfidence))
        #expect(voted[1]?.answerText == "a")
        #expect(voted[2] == nil)  // nobody answered topic

        #expect(aggregation.aggregates(of: Self.bareTask) == [nil, nil, nil])

        let lateAggregates = aggregation.aggregates(of: Self.lateTask)
        guard case .choice(let late) = try #require(lateAggregates[0]) else {
            Issue.record("sentiment is a choice question")
            return
        }
        #expect(late.answer == "pos")
        #expect(isClose(late.confidence, Self.lateJoint.pos / (Self.lateJoint.pos + Self.lateJoint.neg)))
        // One pos, one neg: a tie goes to the first option.
        #expect(late.majorityVote == "pos" && late.majorityConfidence == 0.5 && late.annotationCount == 2)
        #expect(lateAggregates[1] == nil && lateAggregates[2] == nil)  // "zzz" is not a tag, "nope" not a topic
    }

    @Test("JSONL: an aggregate object after the annotations, {} for a task without answers")
    func jsonl() throws {
        let encoder = ExportEncoder(format: .jsonl, schema: Self.schema, aggregation: Self.fitted())
        var buffer: [UInt8] = []
        encoder.header(into: &buffer)
        #expect(buffer.isEmpty)
        for task in [Self.votedTask, Self.bareTask] { encoder.encode(task, into: &buffer) }
        let lines = buffer.split(separator: 0x0A)
        try #require(lines.count == 2)

        let voted = try JSONParser().parse(lines[0])
        #expect(voted.objectValue?.map(\.key) == ["id", "data", "priority", "annotations", "aggregate"])
        #expect(voted["annotations"]?.arrayValue?.count == 4)  // the rejected one is still exported
        let aggregate = try #require(voted["aggregate"])
        #expect(aggregate.objectValue?.map(\.key) == ["sentiment", "tags"])
        let sentiment = try #require(aggregate["sentiment"])
        #expect(
            sentiment.objectValue?.map(\.key) == [
                "answer", "confidence", "method", "majority_vote", "majority_confidence", "annotations",
            ])
        #expect(sentiment["answer"] == .string("pos"))
        #expect(isClose(sentiment["confidence"]?.doubleValue, Self.votedConfidence))
        #expect(sentiment["method"] == .string("dawid_skene"))
        #expect(sentiment["majority_vote"] == .string("pos"))
        #expect(isClose(sentiment["majority_confidence"]?.doubleValue, 2.0 / 3))
        #expect(sentiment["annotations"] == .number("3"))

        let tags = try #require(aggregate["tags"])
        #expect(
            tags.objectValue?.map(\.key) == [
                "answer", "confidence", "method", "majority_vote", "options", "annotations",
            ])
        #expect(tags["answer"] == .array([.string("a")]))
        #expect(isClose(tags["confidence"]?.doubleValue, Self.votedConfidence * Self.votedConfidence))
        #expect(tags["method"] == .string("dawid_skene"))
        #expect(tags["majority_vote"] == .array([.string("a")]))
        #expect(tags["options"]?.objectValue?.map(\.key) == ["a", "b"])
        #expect(isClose(tags["options"]?["a"]?["probability"]?.doubleValue, Self.votedConfidence))
        #expect(tags["options"]?["a"]?["votes"] == .number("2"))
        #expect(isClose(tags["options"]?["b"]?["probability"]?.doubleValue, 1 - Self.votedConfidence))
        #expect(tags["options"]?["b"]?["votes"] == .number("1"))
        #expect(tags["annotations"] == .number("3"))

        #expect(
            String(decoding: lines[1], as: UTF8.self)
                == #"{"id":202,"data":{"text":"two"},"priority":0,"annotations":[],"aggregate":{}}"#)
    }

    @Test("CSV: <question>.aggregate and <question>.confidence after result, repeated on each of a task's rows")
    func csv() throws {
        let encoder = ExportEncoder(format: .csv, schema: Self.schema, aggregation: Self.fitted())
        var buffer: [UInt8] = []
        encoder.header(into: &buffer)
        for task in [Self.votedTask, Self.bareTask] { encoder.encode(task, into: &buffer) }
        let rows = records(of: buffer) { CSVSplitter(maxRecordBytes: 1 << 20) }.compactMap { record -> [String]? in
            guard case .csv(_, let fields) = record else { return nil }
            return fields
        }
        try #require(rows.count == 6)  // the header, four annotations, the bare task
        let header = rows[0]
        #expect(
            Array(header.suffix(7)) == [
                "result", "sentiment.aggregate", "sentiment.confidence", "tags.aggregate", "tags.confidence",
                "topic.aggregate", "topic.confidence",
            ])
        #expect(rows.allSatisfy { $0.count == header.count })
        let column = { (name: String) in header.firstIndex(of: name)! }
        for row in rows[1...4] {
            #expect(row[column("sentiment.aggregate")] == "pos")
            #expect(isClose(Double(row[column("sentiment.confidence")]), Self.votedConfidence))
            #expect(row[column("tags.aggregate")] == "a")
            #expect(isClose(Double(row[column("tags.confidence")]), Self.votedConfidence * Self.votedConfidence))
            #expect(row[column("topic.aggregate")] == "" && row[column("topic.confidence")] == "")
        }
        #expect(rows[5][0] == "202")
        #expect(rows[5][column("sentiment.aggregate")] == "" && rows[5][column("sentiment.confidence")] == "")
    }

    @Test("a schema without choice or multi-choice questions: the pass is not needed, aggregates are empty")
    func noChoiceQuestions() {
        let schema = ProjectSchema(
            fields: [Field(name: "text", kind: .text)], questions: [Question(name: "q", kind: .text(maxLength: 10))])
        var answers = ExportAnswers(schema: schema)
        #expect(!answers.isNeeded)
        answers.add(Self.votedTask)
        let aggregation = answers.fit()
        #expect(aggregation.questionNames.isEmpty)
        #expect(aggregation.aggregates(of: Self.votedTask).isEmpty)

        var jsonl: [UInt8] = []
        ExportEncoder(format: .jsonl, schema: schema, aggregation: aggregation).encode(Self.bareTask, into: &jsonl)
        #expect(
            String(decoding: jsonl, as: UTF8.self)
                == #"{"id":202,"data":{"text":"two"},"priority":0,"annotations":[],"aggregate":{}}"# + "\n")
        var csv: [UInt8] = []
        ExportEncoder(format: .csv, schema: schema, aggregation: aggregation).header(into: &csv)
        #expect(String(decoding: csv, as: UTF8.self).hasSuffix(",q,result\r\n"))
    }
}
