import LabelParkCore
import Testing

/// Decodes a schema from its JSON text.
private func decodeSchema(_ text: String) throws -> ProjectSchema {
    try ProjectSchema(json: JSONParser().parse(text))
}

/// The validation error a schema text is rejected with, or `nil` when it decodes.
private func schemaError(_ text: String) throws -> ValidationError? {
    let json = try JSONParser().parse(text)
    do {
        _ = try ProjectSchema(json: json)
        return nil
    } catch {
        return error
    }
}

/// A schema whose `questions` are the given JSON texts, with one text field named `text`.
private func schemaText(questions: String...) -> String {
    #"{"fields":[{"name":"text","type":"text"}],"questions":["# + questions.joined(separator: ",") + "]}"
}

/// A schema text that must be rejected at `field`.
struct RejectedSchema: Sendable, CustomTestStringConvertible {
    var json: String
    var field: String
    var testDescription: String { field + " ← " + json }

    init(_ json: String, field: String) {
        self.json = json
        self.field = field
    }
}

private let choice = #"{"name":"sentiment","type":"choice","options":["pos","neg"]}"#

@Suite("Schema decoding")
struct SchemaDecodingTests {
    static let everyType = #"""
        {"fields":[{"name":"text","type":"text","label":"Review text"},{"name":"title","type":"text"}],
         "questions":[
           {"name":"sentiment","type":"choice","options":["pos","neg","neu"],"required":true,"label":"情感"},
           {"name":"tags","type":"multi_choice","options":["a","b","c"],"min":1,"max":2},
           {"name":"score","type":"rating","min":0,"max":10},
           {"name":"comment","type":"text","max_length":280},
           {"name":"entities","type":"spans","field":"text","labels":["PER","LOC"],"overlap":"nested"}
         ]}
        """#

    @Test("decodes every question type")
    func decodesEveryType() throws {
        let schema = try decodeSchema(Self.everyType)
        #expect(
            schema.fields == [
                Field(name: "text", kind: .text, label: "Review text"), Field(name: "title", kind: .text),
            ])
        #expect(
            schema.questions == [
                Question(
                    name: "sentiment", kind: .choice(options: ["pos", "neg", "neu"]), required: true, label: "情感"),
                Question(name: "tags", kind: .multiChoice(options: ["a", "b", "c"], minCount: 1, maxCount: 2)),
                Question(name: "score", kind: .rating(min: 0, max: 10)),
                Question(name: "comment", kind: .text(maxLength: 280)),
                Question(name: "entities", kind: .spans(field: "text", labels: ["PER", "LOC"], overlap: .nested)),
            ])
        #expect(schema.question(named: "score")?.kind.typeName == "rating")
        #expect(schema.question(named: "tags")?.kind.typeName == "multi_choice")
        #expect(schema.field(named: "title")?.label == nil)
        #expect(schema.question(named: "missing") == nil)
    }

    @Test("round-trips through json")
    func roundTrips() throws {
        let schema = try decodeSchema(Self.everyType)
        #expect(try ProjectSchema(json: schema.json) == schema)
        let reparsed = try JSONParser().parse(schema.json.jsonText)
        #expect(try ProjectSchema(json: reparsed) == schema)
    }

    @Test("round-trips optional parts left out")
    func roundTripsMinimalQuestions() throws {
        let schema = ProjectSchema(
            fields: [Field(name: "text", kind: .text)],
            questions: [
                Question(name: "m", kind: .multiChoice(options: ["x"], minCount: nil, maxCount: nil)),
                Question(name: "r", kind: .rating(min: -3, max: 3), required: true),
                Question(name: "s", kind: .spans(field: "text", labels: ["A"], overlap: .any), label: "Spans"),
            ])
        #expect(try ProjectSchema(json: schema.json) == schema)
        #expect(
            schema.json.jsonText
                == #"{"fields":[{"name":"text","type":"text"}],"questions":[{"name":"m","type":"multi_choice","options":["x"]},"#
                + #"{"name":"r","type":"rating","min":-3,"max":3,"required":true},"#
                + #"{"name":"s","type":"spans","field":"text","labels":["A"],"overlap":"any","label":"Spans"}]}"#)
    }

    @Test("fills in defaults")
    func defaults() throws {
        let schema = try decodeSchema(
            schemaText(
                questions: #"{"name":"r","type":"rating"}"#, #"{"name":"t","type":"text"}"#,
                #"{"name":"s","type":"spans","field":"text","labels":["X"]}"#))
        #expect(schema.questions[0].kind == .rating(min: 1, max: 5))
        #expect(schema.questions[1].kind == .text(maxLength: SchemaLimits.defaultTextLength))
        #expect(schema.questions[2].kind == .spans(field: "text", labels: ["X"], overlap: .none))
        #expect(schema.questions.allSatisfy { !$0.required && $0.label == nil })
    }

    @Test("allows a schema without fields when no question needs one")
    func noFields() throws {
        let schema = try decodeSchema(#"{"fields":[],"questions":[\#(choice)]}"#)
        #expect(schema.fields.isEmpty)
    }

    @Test("accepts identifier names", arguments: ["a", "_", "_private", "A1_b2", String(repeating: "n", count: 64)])
    func acceptsNames(name: String) throws {
        #expect(try schemaError(schemaText(questions: #"{"name":"\#(name)","type":"text"}"#)) == nil)
    }

    @Test(
        "names the field path of each error",
        arguments: [
            RejectedSchema("[]", field: "schema"),
            RejectedSchema(#"{"fields":[],"questions":[\#(choice)],"version":1}"#, field: "schema.version"),
            RejectedSchema(#"{"questions":[\#(choice)]}"#, field: "schema.fields"),
            RejectedSchema(#"{"fields":{},"questions":[\#(choice)]}"#, field: "schema.fields"),
            RejectedSchema(#"{"fields":[]}"#, field: "schema.questions"),
            RejectedSchema(#"{"fields":[],"questions":[]}"#, field: "schema.questions"),
            // Fields.
            RejectedSchema(#"{"fields":["text"],"questions":[\#(choice)]}"#, field: "schema.fields[0]"),
            RejectedSchema(
                #"{"fields":[{"name":"clip","type":"video"}],"questions":[\#(choice)]}"#, field: "schema.fields[0].type"
            ),
            RejectedSchema(#"{"fields":[{"name":"t"}],"questions":[\#(choice)]}"#, field: "schema.fields[0].type"),
            RejectedSchema(
                #"{"fields":[{"name":"t","type":"text"},{"name":"t","type":"text"}],"questions":[\#(choice)]}"#,
                field: "schema.fields[1].name"),
            RejectedSchema(
                #"{"fields":[{"name":"t","type":"text","colour":"red"}],"questions":[\#(choice)]}"#,
                field: "schema.fields[0].colour"),
            RejectedSchema(
                #"{"fields":[{"name":"t","type":"text","label":7}],"questions":[\#(choice)]}"#,
                field: "schema.fields[0].label"),
            RejectedSchema(
                #"{"fields":[{"name":"my field","type":"text"}],"questions":[\#(choice)]}"#,
                field: "schema.fields[0].name"),
            // Question types and names.
            RejectedSchema(
                schemaText(questions: choice, #"{"name":"q","type":"essay"}"#), field: "schema.questions[1].type"),
            RejectedSchema(schemaText(questions: choice, #"{"name":"q"}"#), field: "schema.questions[1].type"),
            RejectedSchema(
                schemaText(questions: choice, #"{"name":"q","type":["text"]}"#), field: "schema.questions[1].type"),
            RejectedSchema(schemaText(questions: choice, "42"), field: "schema.questions[1]"),
            RejectedSchema(schemaText(questions: choice, choice), field: "schema.questions[1].name"),
            RejectedSchema(schemaText(questions: #"{"type":"text"}"#), field: "schema.questions[0].name"),
            RejectedSchema(schemaText(questions: #"{"name":"","type":"text"}"#), field: "schema.questions[0].name"),
            RejectedSchema(schemaText(questions: #"{"name":"1st","type":"text"}"#), field: "schema.questions[0].name"),
            RejectedSchema(schemaText(questions: #"{"name":"a-b","type":"text"}"#), field: "schema.questions[0].name"),
            RejectedSchema(schemaText(questions: #"{"name":"a.b","type":"text"}"#), field: "schema.questions[0].name"),
            RejectedSchema(schemaText(questions: #"{"name":"情感","type":"text"}"#), field: "schema.questions[0].name"),
            RejectedSchema(schemaText(questions: #"{"name":"café","type":"text"}"#), field: "schema.questions[0].name"),
            RejectedSchema(
                schemaText(questions: #"{"name":"\#(String(repeating: "n", count: 65))","type":"text"}"#),
                field: "schema.questions[0].name"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"text","colour":"red"}"#),
                field: "schema.questions[0].colour"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"text","required":"yes"}"#),
                field: "schema.questions[0].required"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"text","label":"\#(String(repeating: "x", count: 501))"}"#),
                field: "schema.questions[0].label"),
            // Choice and multi-choice options.
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"choice"}"#), field: "schema.questions[0].options"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"choice","options":[]}"#),
                field: "schema.questions[0].options"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"choice","options":"a,b"}"#),
                field: "schema.questions[0].options"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"choice","options":["a","b","a"]}"#),
                field: "schema.questions[0].options[2]"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"choice","options":["a",""]}"#),
                field: "schema.questions[0].options[1]"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"choice","options":["a",1]}"#),
                field: "schema.questions[0].options[1]"),
            RejectedSchema(
                schemaText(
                    questions: #"{"name":"q","type":"choice","options":["\#(String(repeating: "o", count: 201))"]}"#),
                field: "schema.questions[0].options[0]"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"choice","options":["a"],"min":1}"#),
                field: "schema.questions[0].min"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"multi_choice","options":["a","b"],"min":2,"max":1}"#),
                field: "schema.questions[0].min"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"multi_choice","options":["a","b"],"min":3}"#),
                field: "schema.questions[0].min"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"multi_choice","options":["a","b"],"min":-1}"#),
                field: "schema.questions[0].min"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"multi_choice","options":["a","b"],"max":0}"#),
                field: "schema.questions[0].max"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"multi_choice","options":["a","b"],"max":3}"#),
                field: "schema.questions[0].max"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"multi_choice","options":["a","b"],"max":1.5}"#),
                field: "schema.questions[0].max"),
            // Rating bounds.
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","min":5,"max":5}"#),
                field: "schema.questions[0].max"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","min":6,"max":5}"#),
                field: "schema.questions[0].max"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","min":7}"#), field: "schema.questions[0].max"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","min":0,"max":1001}"#),
                field: "schema.questions[0].max"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","min":0.5,"max":5}"#),
                field: "schema.questions[0].min"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","min":"1","max":5}"#),
                field: "schema.questions[0].min"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","min":1,"max":2000000}"#),
                field: "schema.questions[0].max"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"rating","options":["a"]}"#),
                field: "schema.questions[0].options"),
            // Text.
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"text","max_length":0}"#),
                field: "schema.questions[0].max_length"),
            RejectedSchema(
                schemaText(questions: #"{"name":"q","type":"text","max_length":1000001}"#),
                field: "schema.questions[0].max_length"),
            // Spans.
            RejectedSchema(
                schemaText(
                    questions: choice, #"{"name":"q","type":"text"}"#,
                    #"{"name":"e","type":"spans","field":"body","labels":["PER"]}"#),
                field: "schema.questions[2].field"),
            RejectedSchema(
                schemaText(questions: #"{"name":"e","type":"spans","labels":["PER"]}"#),
                field: "schema.questions[0].field"),
            RejectedSchema(
                schemaText(questions: #"{"name":"e","type":"spans","field":"text"}"#),
                field: "schema.questions[0].labels"),
            RejectedSchema(
                schemaText(questions: #"{"name":"e","type":"spans","field":"text","labels":[]}"#),
                field: "schema.questions[0].labels"),
            RejectedSchema(
                schemaText(questions: #"{"name":"e","type":"spans","field":"text","labels":["PER","PER"]}"#),
                field: "schema.questions[0].labels[1]"),
            RejectedSchema(
                schemaText(questions: #"{"name":"e","type":"spans","field":"text","labels":["PER"],"overlap":"some"}"#),
                field: "schema.questions[0].overlap"),
            RejectedSchema(
                schemaText(questions: #"{"name":"e","type":"spans","field":"text","labels":["PER"],"max_length":3}"#),
                field: "schema.questions[0].max_length"),
        ])
    func rejects(_ input: RejectedSchema) throws {
        let error = try #require(try schemaError(input.json))
        #expect(error.field == input.field, "message was: \(error.message)")
        #expect(!error.message.isEmpty)
        #expect(error.description == "\(error.field): \(error.message)")
    }

    @Test("explains what is wrong")
    func messages() throws {
        let unknownType = try #require(try schemaError(schemaText(questions: choice, #"{"name":"q","type":"essay"}"#)))
        #expect(unknownType.message.contains(#""essay""#))
        #expect(unknownType.message.contains("choice, multi_choice, rating, text, spans"))

        let duplicateName = try #require(try schemaError(schemaText(questions: choice, choice)))
        #expect(duplicateName.message == #"duplicate question name "sentiment""#)

        let duplicateOption = try #require(
            try schemaError(schemaText(questions: #"{"name":"q","type":"choice","options":["a","b","a"]}"#)))
        #expect(duplicateOption.message == #"duplicate entry "a""#)

        let missingField = try #require(
            try schemaError(schemaText(questions: #"{"name":"e","type":"spans","field":"body","labels":["PER"]}"#)))
        #expect(missingField.message == #"no field named "body""#)

        let rating = try #require(
            try schemaError(schemaText(questions: #"{"name":"q","type":"rating","min":5,"max":5}"#)))
        #expect(rating.message == "must be greater than min")
    }

    @Test("rejects too many fields and questions")
    func limits() throws {
        let fields = (0...SchemaLimits.maxFields).map { #"{"name":"f\#($0)","type":"text"}"# }.joined(separator: ",")
        #expect(try schemaError(#"{"fields":[\#(fields)],"questions":[\#(choice)]}"#)?.field == "schema.fields")

        let questions = (0...SchemaLimits.maxQuestions).map { #"{"name":"q\#($0)","type":"text"}"# }
        #expect(try schemaError(schemaText(questions: questions.joined(separator: ",")))?.field == "schema.questions")
        let atLimit = questions.dropLast().joined(separator: ",")
        #expect(try schemaError(schemaText(questions: atLimit)) == nil)
    }

    @Test("prefixes errors with the caller's path")
    func customPath() throws {
        let json = try JSONParser().parse(schemaText(questions: #"{"name":"q","type":"essay"}"#))
        #expect(
            throws: ValidationError(
                field: "body.schema.questions[0].type",
                message: #"unknown question type "essay" (known: choice, multi_choice, rating, text, spans, boxes, polygons, keypoints, masks)"#)
        ) {
            try ProjectSchema(json: json, path: "body.schema")
        }
    }
}
