/// Free text up to `maxLength` characters (Unicode scalars).
///
/// Scored by character and word error rates as jiwer computes them; no agreement statistic or crowd answer.
public struct TextQuestion: QuestionType {
    public static let typeName = "text"
    public static let schemaKeys = ["max_length"]

    public var maxLength: Int

    public init(maxLength: Int) { self.maxLength = maxLength }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        maxLength =
            try SchemaJSON.optionalInt(
                question["max_length"], path: "\(path).max_length", range: 1...SchemaLimits.maxTextLength)
            ?? SchemaLimits.defaultTextLength
    }

    public var schemaMembers: [JSONMember] { [JSONMember("max_length", .integer(maxLength))] }

    public func check(fields: [Field], path: String) {}

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        guard let value = answer.stringValue else { throw ValidationError(field: path, message: "must be a string") }
        guard value.unicodeScalars.count <= maxLength else {
            throw ValidationError(field: path, message: "at most \(maxLength) characters")
        }
    }

    public func isReadable(_ value: JSONValue) -> Bool { value.stringValue != nil }

    public func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore? {
        guard let reference = gold.stringValue else { return nil }
        guard let hypothesis = answer?.stringValue else { return .unanswered }
        let rates = TextErrorRates(reference: reference, hypothesis: hypothesis)
        return QuestionScore(value: 1 - Swift.min(rates.characterErrorRate, 1), detail: .text(rates))
    }

    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        QuestionMeasures()
    }

    public func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember] { [] }

    public func goldMembers(_ gold: GoldRecord) -> [JSONMember] {
        [
            JSONMember("cer", .measurement(gold.characterErrorRate)),
            JSONMember("wer", .measurement(gold.wordErrorRate)),
            JSONMember("character_edits", .integer(gold.textErrors.characterEdits)),
            JSONMember("reference_characters", .integer(gold.textErrors.referenceCharacterCount)),
            JSONMember("word_edits", .integer(gold.textErrors.wordEdits)),
            JSONMember("reference_words", .integer(gold.textErrors.referenceWordCount)),
        ]
    }

    public var optionAnswers: OptionAnswers? { nil }
}

extension QuestionKind {
    /// Free text up to `maxLength` characters.
    public static func text(maxLength: Int) -> QuestionKind { QuestionKind(TextQuestion(maxLength: maxLength)) }
}
