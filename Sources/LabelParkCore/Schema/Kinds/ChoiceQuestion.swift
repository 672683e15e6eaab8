/// Exactly one of `options`.
///
/// Scored by exact match; agreement by Cohen's and Fleiss' kappa and nominal alpha; the crowd's answer by majority
/// vote and Dawid-Skene.
public struct ChoiceQuestion: QuestionType {
    public static let typeName = "choice"
    public static let schemaKeys = ["options"]

    public var options: [String]

    public init(options: [String]) { self.options = options }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        options = try SchemaJSON.options(question["options"], path: "\(path).options")
    }

    public var schemaMembers: [JSONMember] { [JSONMember("options", .array(options.map(JSONValue.string)))] }

    public func check(fields: [Field], path: String) {}

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        guard let value = answer.stringValue else {
            throw ValidationError(field: path, message: "must be one of the options, as a string")
        }
        guard options.contains(value) else {
            throw ValidationError(field: path, message: "unknown option \"\(value)\"")
        }
    }

    public func isReadable(_ value: JSONValue) -> Bool { value.stringValue.map(options.contains) ?? false }

    public func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore? {
        guard let goldOption = gold.stringValue else { return nil }
        guard let option = answer?.stringValue else { return .unanswered }
        let correct = option == goldOption
        return QuestionScore(value: correct ? 1 : 0, detail: .choice(correct: correct))
    }

    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        let measured = ProjectQuality.measure(question: question, options: options, tasks: tasks)
        var measures = QuestionMeasures(
            agreement: QuestionAgreement(
                meanPairwiseCohensKappa: measured.meanPairwiseCohensKappa, fleissKappa: measured.fleissKappa,
                krippendorffAlphaNominal: measured.krippendorffAlphaNominal),
            aggregation: .choice(measured.aggregated))
        for annotator in measured.annotators {
            measures.consensus[annotator.userID] = annotator.consensusAgreement
            measures.dawidSkeneAccuracy[annotator.userID] = annotator.dawidSkeneAccuracy
        }
        return measures
    }

    public func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember] { [] }

    public func goldMembers(_ gold: GoldRecord) -> [JSONMember] { [] }

    public var optionAnswers: OptionAnswers? { .one(OptionCoding(options: options)) }
}

extension QuestionKind {
    /// Exactly one of `options`.
    public static func choice(options: [String]) -> QuestionKind { QuestionKind(ChoiceQuestion(options: options)) }
}
