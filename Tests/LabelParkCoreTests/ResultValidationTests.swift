import LabelParkCore
import Testing

/// A result to validate and the error path it must be rejected at (`nil` when it must be accepted).
struct ResultCase: Sendable, CustomTestStringConvertible {
    var result: String
    var rejectedAt: String?
    var data: String
    var testDescription: String { (rejectedAt ?? "accepted") + " ← " + result }

    init(_ result: String, rejectedAt: String? = nil, data: String = ResultValidationTests.defaultData) {
        self.result = result
        self.rejectedAt = rejectedAt
        self.data = data
    }
}

@Suite("Result validation")
struct ResultValidationTests {
    /// One question of every type; only `sentiment` is required.
    static let schema = ProjectSchema(
        fields: [Field(name: "text", kind: .text)],
        questions: [
            Question(name: "sentiment", kind: .choice(options: ["pos", "neg", "neu"]), required: true),
            Question(name: "tags", kind: .multiChoice(options: ["a", "b", "c"], minCount: 1, maxCount: 2)),
            Question(name: "score", kind: .rating(min: 1, max: 5)),
            Question(name: "comment", kind: .text(maxLength: 5)),
            Question(name: "entities", kind: .spans(field: "text", labels: ["PER", "LOC", "ORG"], overlap: .none)),
        ])

    /// 19 Unicode scalars: "Alice" is 0..<5, "Paris" 14..<19.
    static let defaultData = #"{"text":"Alice went to Paris"}"#

    /// Scalars: 😀 0, space 1, "Alice" 2..<7, " met " 7..<12, "张伟" 12..<14, " in " 14..<18, "北京" 18..<20.
    /// In UTF-16 every offset after the emoji is one higher.
    static let mixedData = #"{"text":"😀 Alice met 张伟 in 北京"}"#

    func validationError(
        _ result: String, data: String = defaultData, schema: ProjectSchema = schema, requireAnswers: Bool = true,
        path: String = "result"
    ) throws -> ValidationError? {
        let result = try JSONParser().parse(result)
        let data = try JSONParser().parse(data)
        do {
            try schema.validate(result: result, against: data, requireAnswers: requireAnswers, path: path)
            return nil
        } catch {
            return error
        }
    }

    func spansSchema(_ overlap: SpanOverlap) -> ProjectSchema {
        ProjectSchema(
            fields: [Field(name: "text", kind: .text)],
            questions: [
                Question(name: "entities", kind: .spans(field: "text", labels: ["PER", "LOC"], overlap: overlap))
            ])
    }

    @Test(
        "accepts or rejects each answer at the right path",
        arguments: [
            ResultCase(#"{"sentiment":"pos"}"#),
            ResultCase(
                #"{"sentiment":"neg","tags":["c","a"],"score":5,"comment":"ok","entities":[{"start":0,"end":5,"label":"PER"},{"start":14,"end":19,"label":"LOC","text":"Paris"}]}"#
            ),
            ResultCase(#"[]"#, rejectedAt: "result"),
            ResultCase(#""pos""#, rejectedAt: "result"),
            ResultCase(#"{"sentiment":"pos","mood":"happy"}"#, rejectedAt: "result.mood"),
            // Required and optional answers.
            ResultCase(#"{}"#, rejectedAt: "result.sentiment"),
            ResultCase(#"{"sentiment":null}"#, rejectedAt: "result.sentiment"),
            ResultCase(#"{"tags":["a"]}"#, rejectedAt: "result.sentiment"),
            ResultCase(#"{"sentiment":"pos","tags":null,"score":null,"comment":null,"entities":null}"#),
            // Choice.
            ResultCase(#"{"sentiment":"positive"}"#, rejectedAt: "result.sentiment"),
            ResultCase(#"{"sentiment":"POS"}"#, rejectedAt: "result.sentiment"),
            ResultCase(#"{"sentiment":["pos"]}"#, rejectedAt: "result.sentiment"),
            ResultCase(#"{"sentiment":1}"#, rejectedAt: "result.sentiment"),
            // Multi-choice.
            ResultCase(#"{"sentiment":"pos","tags":["b"]}"#),
            ResultCase(#"{"sentiment":"pos","tags":["a","b"]}"#),
            ResultCase(#"{"sentiment":"pos","tags":"a"}"#, rejectedAt: "result.tags"),
            ResultCase(#"{"sentiment":"pos","tags":[]}"#, rejectedAt: "result.tags"),
            ResultCase(#"{"sentiment":"pos","tags":["a","b","c"]}"#, rejectedAt: "result.tags"),
            ResultCase(#"{"sentiment":"pos","tags":["a","a"]}"#, rejectedAt: "result.tags[1]"),
            ResultCase(#"{"sentiment":"pos","tags":["a","z"]}"#, rejectedAt: "result.tags[1]"),
            ResultCase(#"{"sentiment":"pos","tags":[1]}"#, rejectedAt: "result.tags[0]"),
            // Rating.
            ResultCase(#"{"sentiment":"pos","score":1}"#),
            ResultCase(#"{"sentiment":"pos","score":5}"#),
            ResultCase(#"{"sentiment":"pos","score":0}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":6}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":-1}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":3.5}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":25e-1}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":"3"}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":true}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":1e400}"#, rejectedAt: "result.score"),
            ResultCase(#"{"sentiment":"pos","score":12345678901234567890}"#, rejectedAt: "result.score"),
            // Text.
            ResultCase(#"{"sentiment":"pos","comment":""}"#),
            ResultCase(#"{"sentiment":"pos","comment":"12345"}"#),
            ResultCase(#"{"sentiment":"pos","comment":"123456"}"#, rejectedAt: "result.comment"),
            ResultCase(#"{"sentiment":"pos","comment":5}"#, rejectedAt: "result.comment"),
            // Five scalars, ten UTF-16 code units, twenty UTF-8 bytes: within the limit.
            ResultCase(#"{"sentiment":"pos","comment":"😀😀😀😀😀"}"#),
            ResultCase(#"{"sentiment":"pos","comment":"大同云冈窟"}"#),
            // Three characters but six scalars: over the limit.
            ResultCase(#"{"sentiment":"pos","comment":"👍🏽👍🏽👍🏽"}"#, rejectedAt: "result.comment"),
            ResultCase(#"{"sentiment":"pos","comment":"e\u0301e\u0301e\u0301"}"#, rejectedAt: "result.comment"),
            // Spans: shape.
            ResultCase(#"{"sentiment":"pos","entities":[]}"#),
            ResultCase(
                #"{"sentiment":"pos","entities":{"start":0,"end":5,"label":"PER"}}"#, rejectedAt: "result.entities"),
            ResultCase(#"{"sentiment":"pos","entities":[[0,5,"PER"]]}"#, rejectedAt: "result.entities[0]"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER","score":1}]}"#,
                rejectedAt: "result.entities[0].score"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"end":5,"label":"PER"}]}"#, rejectedAt: "result.entities[0].start"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":"0","end":5,"label":"PER"}]}"#,
                rejectedAt: "result.entities[0].start"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0.5,"end":5,"label":"PER"}]}"#,
                rejectedAt: "result.entities[0].start"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"label":"PER"}]}"#, rejectedAt: "result.entities[0].end"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5}]}"#, rejectedAt: "result.entities[0].label"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":1}]}"#,
                rejectedAt: "result.entities[0].label"),
            // Spans: offsets and labels.
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":-1,"end":5,"label":"PER"}]}"#,
                rejectedAt: "result.entities[0].start"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":3,"end":3,"label":"PER"}]}"#,
                rejectedAt: "result.entities[0].end"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":4,"end":3,"label":"PER"}]}"#,
                rejectedAt: "result.entities[0].end"),
            ResultCase(#"{"sentiment":"pos","entities":[{"start":18,"end":19,"label":"LOC"}]}"#),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":18,"end":20,"label":"LOC"}]}"#,
                rejectedAt: "result.entities[0].end"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER"},{"start":6,"end":10,"label":"ORG"},{"start":14,"end":20,"label":"LOC"}]}"#,
                rejectedAt: "result.entities[2].end"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"GPE"}]}"#,
                rejectedAt: "result.entities[0].label"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"per"}]}"#,
                rejectedAt: "result.entities[0].label"),
            // Spans: the optional covered text.
            ResultCase(#"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER","text":"Alice"}]}"#),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER","text":"alice"}]}"#,
                rejectedAt: "result.entities[0].text"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER","text":"Alic"}]}"#,
                rejectedAt: "result.entities[0].text"),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER","text":null}]}"#,
                rejectedAt: "result.entities[0].text"),
            // Spans: offsets are Unicode scalars, not UTF-16 code units or bytes.
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":18,"end":20,"label":"LOC","text":"北京"}]}"#, data: mixedData),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":1,"label":"LOC","text":"😀"}]}"#, data: mixedData),
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":2,"end":7,"label":"PER","text":"Alice"},{"start":12,"end":14,"label":"PER","text":"张伟"}]}"#,
                data: mixedData),
            // The UTF-16 offsets of "北京" run past the 20-scalar text.
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":19,"end":21,"label":"LOC"}]}"#,
                rejectedAt: "result.entities[0].end", data: mixedData),
            // The UTF-16 offsets of "Alice" cover "lice " in scalars.
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":3,"end":8,"label":"PER","text":"Alice"}]}"#,
                rejectedAt: "result.entities[0].text", data: mixedData),
            // The UTF-8 byte offsets of the emoji (0..<4) are not the emoji.
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":4,"label":"PER","text":"😀"}]}"#,
                rejectedAt: "result.entities[0].text", data: mixedData),
            // Spans against a task whose text field is missing: any span runs past the (empty) text.
            ResultCase(
                #"{"sentiment":"pos","entities":[{"start":0,"end":1,"label":"PER"}]}"#,
                rejectedAt: "result.entities[0].end", data: "{}"),
            ResultCase(#"{"sentiment":"pos","entities":[]}"#, data: "{}"),
        ])
    func validates(_ input: ResultCase) throws {
        let error = try validationError(input.result, data: input.data)
        #expect(error?.field == input.rejectedAt, "message: \(error?.message ?? "none")")
    }

    @Test("explains each rejection")
    func messages() throws {
        #expect(try validationError(#"{}"#)?.message == "an answer is required")
        #expect(try validationError(#"{"sentiment":"pos","mood":1}"#)?.message == "unknown question")
        #expect(try validationError(#"{"sentiment":"great"}"#)?.message == #"unknown option "great""#)
        #expect(try validationError(#"{"sentiment":"pos","tags":["a","a"]}"#)?.message == #"option "a" chosen twice"#)
        #expect(try validationError(#"{"sentiment":"pos","tags":[]}"#)?.message == "choose at least 1")
        #expect(try validationError(#"{"sentiment":"pos","tags":["a","b","c"]}"#)?.message == "choose at most 2")
        #expect(try validationError(#"{"sentiment":"pos","score":9}"#)?.message == "must be from 1 to 5, not 9")
        #expect(try validationError(#"{"sentiment":"pos","score":2.5}"#)?.message == "must be an integer from 1 to 5")
        #expect(try validationError(#"{"sentiment":"pos","comment":"toolong"}"#)?.message == "at most 5 characters")
        #expect(
            try validationError(#"{"sentiment":"pos","entities":[{"start":0,"end":99,"label":"PER"}]}"#)?.message
                == "is past the end of field text (19 characters)")
        #expect(
            try validationError(#"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"X"}]}"#)?.message
                == #"unknown label "X""#)
    }

    @Test("lets gold answers leave required questions out, still checking what they answer")
    func goldAnswers() throws {
        #expect(try validationError(#"{}"#, requireAnswers: false, path: "gold") == nil)
        #expect(try validationError(#"{"tags":["a"]}"#, requireAnswers: false, path: "gold") == nil)
        #expect(
            try validationError(#"{"sentiment":"great"}"#, requireAnswers: false, path: "gold")?.field
                == "gold.sentiment")
        #expect(try validationError(#"{"mood":"x"}"#, requireAnswers: false, path: "gold")?.field == "gold.mood")
        #expect(
            try validationError(
                #"{"entities":[{"start":0,"end":50,"label":"PER"}]}"#, requireAnswers: false, path: "gold")?.field
                == "gold.entities[0].end")
        // Without `requireAnswers: false` the same partial answer is rejected.
        #expect(try validationError(#"{"tags":["a"]}"#, path: "gold")?.field == "gold.sentiment")
    }

    @Test("multi-choice without bounds accepts an empty array and every option")
    func unboundedMultiChoice() throws {
        let schema = ProjectSchema(
            fields: [],
            questions: [
                Question(name: "tags", kind: .multiChoice(options: ["a", "b", "c"], minCount: nil, maxCount: nil))
            ])
        #expect(try validationError(#"{"tags":[]}"#, schema: schema) == nil)
        #expect(try validationError(#"{"tags":["c","b","a"]}"#, schema: schema) == nil)
        #expect(try validationError(#"{"tags":["c","c"]}"#, schema: schema)?.field == "result.tags[1]")
    }

    @Test("ratings accept every integer in range, including negative ranges")
    func ratingRange() throws {
        let schema = ProjectSchema(fields: [], questions: [Question(name: "r", kind: .rating(min: -2, max: 2))])
        for value in -2...2 { #expect(try validationError(#"{"r":\#(value)}"#, schema: schema) == nil) }
        #expect(try validationError(#"{"r":-3}"#, schema: schema)?.field == "result.r")
        #expect(try validationError(#"{"r":3}"#, schema: schema)?.field == "result.r")
    }

    @Test("span overlap rule none rejects any shared character, allows adjacent spans")
    func overlapNone() throws {
        let schema = spansSchema(.none)
        let data = #"{"text":"0123456789"}"#
        #expect(
            try validationError(
                #"{"entities":[{"start":0,"end":5,"label":"PER"},{"start":5,"end":10,"label":"LOC"}]}"#, data: data,
                schema: schema) == nil)
        let overlap = try validationError(
            #"{"entities":[{"start":0,"end":5,"label":"PER"},{"start":4,"end":6,"label":"LOC"}]}"#, data: data,
            schema: schema)
        #expect(overlap?.field == "result.entities[1]")
        #expect(overlap?.message == "crosses span 0 (0..<5)")
        let nested = try validationError(
            #"{"entities":[{"start":0,"end":5,"label":"PER"},{"start":1,"end":3,"label":"LOC"}]}"#, data: data,
            schema: schema)
        #expect(nested?.field == "result.entities[1]")
        #expect(nested?.message == "overlaps span 0 (0..<5)")
        let identical = try validationError(
            #"{"entities":[{"start":2,"end":4,"label":"PER"},{"start":2,"end":4,"label":"LOC"}]}"#, data: data,
            schema: schema)
        #expect(identical != nil)
    }

    @Test("span overlap is found whatever order the spans come in, naming the submitted index")
    func overlapOrder() throws {
        let schema = spansSchema(.none)
        let data = #"{"text":"0123456789"}"#
        let error = try validationError(
            #"{"entities":[{"start":7,"end":9,"label":"PER"},{"start":5,"end":8,"label":"LOC"},{"start":0,"end":2,"label":"LOC"}]}"#,
            data: data, schema: schema)
        #expect(error?.field == "result.entities[0]")
        #expect(error?.message == "crosses span 1 (5..<8)")
    }

    @Test("span overlap rule nested allows containment and rejects crossing")
    func overlapNested() throws {
        let schema = spansSchema(.nested)
        let data = #"{"text":"0123456789"}"#
        let accepted = [
            #"{"entities":[{"start":0,"end":10,"label":"PER"},{"start":2,"end":5,"label":"LOC"},{"start":3,"end":4,"label":"LOC"},{"start":6,"end":9,"label":"PER"}]}"#,
            #"{"entities":[{"start":3,"end":4,"label":"LOC"},{"start":0,"end":10,"label":"PER"}]}"#,
            #"{"entities":[{"start":0,"end":5,"label":"PER"},{"start":0,"end":2,"label":"LOC"},{"start":3,"end":5,"label":"LOC"}]}"#,
            #"{"entities":[{"start":2,"end":4,"label":"PER"},{"start":2,"end":4,"label":"LOC"}]}"#,
        ]
        for result in accepted { #expect(try validationError(result, data: data, schema: schema) == nil, "\(result)") }

        let crossing = try validationError(
            #"{"entities":[{"start":0,"end":10,"label":"PER"},{"start":2,"end":5,"label":"LOC"},{"start":4,"end":7,"label":"LOC"}]}"#,
            data: data, schema: schema)
        #expect(crossing?.field == "result.entities[2]")
        #expect(crossing?.message == "crosses span 1 (2..<5)")
        // Crossing an outer span after leaving an inner one.
        let crossingOuter = try validationError(
            #"{"entities":[{"start":0,"end":5,"label":"PER"},{"start":1,"end":2,"label":"LOC"},{"start":3,"end":7,"label":"LOC"}]}"#,
            data: data, schema: schema)
        #expect(crossingOuter?.field == "result.entities[2]")
        #expect(crossingOuter?.message == "crosses span 0 (0..<5)")
    }

    @Test("span overlap rule any allows crossing spans")
    func overlapAny() throws {
        let schema = spansSchema(.any)
        let data = #"{"text":"0123456789"}"#
        #expect(
            try validationError(
                #"{"entities":[{"start":0,"end":5,"label":"PER"},{"start":4,"end":8,"label":"LOC"},{"start":4,"end":8,"label":"LOC"}]}"#,
                data: data, schema: schema) == nil)
    }

    @Test("rejects more than the maximum number of spans")
    func spanCountLimit() throws {
        let span = #"{"start":0,"end":1,"label":"PER"}"#
        let result =
            #"{"entities":["# + Array(repeating: span, count: ResultLimits.maxSpans + 1).joined(separator: ",") + "]}"
        let error = try validationError(result, schema: spansSchema(.any))
        #expect(error?.field == "result.entities")
        #expect(error?.message == "at most \(ResultLimits.maxSpans) spans")
        let atLimit =
            #"{"entities":["# + Array(repeating: span, count: ResultLimits.maxSpans).joined(separator: ",") + "]}"
        #expect(try validationError(atLimit, schema: spansSchema(.any)) == nil)
    }

    @Test("checks task data carries every field the schema shows")
    func taskData() throws {
        func dataError(_ text: String, path: String = "data") throws -> ValidationError? {
            do {
                try Self.schema.validate(taskData: JSONParser().parse(text), path: path)
                return nil
            } catch let error as ValidationError {
                return error
            }
        }
        #expect(try dataError(#"{"text":"hello"}"#) == nil)
        #expect(try dataError(#"{"text":"","extra":[1,2],"id":12345678901234567890}"#) == nil)
        #expect(try dataError(#"[]"#) == ValidationError(field: "data", message: "must be a JSON object"))
        #expect(try dataError(#""text""#)?.field == "data")
        #expect(
            try dataError(#"{}"#)
                == ValidationError(field: "data.text", message: "missing (the schema shows this field)"))
        #expect(try dataError(#"{"Text":"hello"}"#)?.field == "data.text")
        #expect(
            try dataError(#"{"text":42}"#)
                == ValidationError(field: "data.text", message: "must be a string, not number"))
        #expect(try dataError(#"{"text":null}"#)?.message == "must be a string, not null")
        #expect(try dataError(#"{"text":{"zh":"中文"}}"#)?.message == "must be a string, not object")
        #expect(try dataError(#"{}"#, path: "tasks[3].data")?.field == "tasks[3].data.text")
    }
}
