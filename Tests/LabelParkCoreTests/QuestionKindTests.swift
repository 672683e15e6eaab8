import LabelParkCore
import Testing

@Suite("Question kinds and field kinds")
struct QuestionKindTests {
    @Test("kinds compare by kind and settings, whatever their values hold")
    func equality() {
        #expect(QuestionKind.choice(options: ["a", "b"]) == .choice(options: ["a", "b"]))
        #expect(QuestionKind.choice(options: ["a", "b"]) != .choice(options: ["b", "a"]))
        #expect(QuestionKind.choice(options: ["a"]) != .multiChoice(options: ["a"], minCount: nil, maxCount: nil))
        #expect(QuestionKind.rating(min: 1, max: 5) != .rating(min: 1, max: 4))
        let kinds: Set<QuestionKind> = [.text(maxLength: 5), .text(maxLength: 5), .rating(min: 1, max: 5)]
        #expect(kinds.count == 2)
        #expect(QuestionKind.spans(field: "t", labels: ["X"], overlap: .any).as(SpansQuestion.self)?.field == "t")
        #expect(QuestionKind.text(maxLength: 5).as(ChoiceQuestion.self) == nil)
    }

    @Test("only choice kinds draw on options; multi-choice as any subset")
    func optionAnswers() {
        #expect(
            QuestionKind.choice(options: ["a", "b"]).type.optionAnswers == .one(OptionCoding(options: ["a", "b"])))
        #expect(
            QuestionKind.multiChoice(options: ["a"], minCount: nil, maxCount: nil).type.optionAnswers
                == .anyOf(OptionCoding(options: ["a"])))
        #expect(QuestionKind.rating(min: 1, max: 5).optionCoding == nil)
        #expect(QuestionKind.spans(field: "t", labels: ["X"], overlap: .none).optionCoding == nil)
    }

    @Test("an unknown type lists every registered kind")
    func unknownTypeListsKinds() throws {
        let json = try JSONParser().parse(
            #"{"fields":[],"questions":[{"name":"q","type":"essay"}]}"#)
        #expect(
            throws: ValidationError(
                field: "schema.questions[0].type",
                message: "unknown question type \"essay\" (known: choice, multi_choice, rating, text, spans, boxes, polygons, keypoints, masks)")
        ) { try ProjectSchema(json: json) }
    }

    @Test("an image field takes an asset reference and nothing the server would have to fetch")
    func imageFieldData() throws {
        let schema = ProjectSchema(
            fields: [Field(name: "photo", kind: .image)],
            questions: [Question(name: "ok", kind: .choice(options: ["y"]))])
        try schema.validate(taskData: JSONParser().parse(#"{"photo":"asset:42"}"#))
        for bad in [
            #"{"photo":"https://example.com/a.jpg"}"#, #"{"photo":"asset:"}"#, #"{"photo":"asset:0"}"#,
            #"{"photo":"asset:-1"}"#, #"{"photo":"asset:1e3"}"#, #"{"photo":"asset:99999999999999999999"}"#,
            #"{"photo":42}"#, #"{"photo":"/etc/passwd"}"#,
        ] {
            #expect(throws: ValidationError.self, "\(bad)") { try schema.validate(taskData: JSONParser().parse(bad)) }
        }
        #expect(MediaReference("asset:42") == .asset(42))
        #expect(MediaReference("asset:42")?.text == "asset:42")
        #expect(MediaReference("asset:+4") == nil)
    }

    @Test("a span question may not mark an image field")
    func spansNeedText() throws {
        let json = try JSONParser().parse(
            #"{"fields":[{"name":"photo","type":"image"}],"questions":[{"name":"q","type":"spans","field":"photo","labels":["X"]}]}"#
        )
        #expect(throws: ValidationError(field: "schema.questions[0].field", message: "spans need a text field")) {
            try ProjectSchema(json: json)
        }
    }
}
