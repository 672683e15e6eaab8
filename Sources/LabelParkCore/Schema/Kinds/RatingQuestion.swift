/// An integer from `min` to `max` inclusive.
///
/// Scored as right within `AccuracyOptions.ratingTolerance` (the absolute error is reported too); agreement by
/// Krippendorff's alpha with squared differences.
public struct RatingQuestion: QuestionType {
    public static let typeName = "rating"
    public static let schemaKeys = ["min", "max"]

    public var min: Int
    public var max: Int

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        let bounds = -1_000_000...1_000_000
        min = try SchemaJSON.optionalInt(question["min"], path: "\(path).min", range: bounds) ?? 1
        max = try SchemaJSON.optionalInt(question["max"], path: "\(path).max", range: bounds) ?? 5
        guard min < max else { throw ValidationError(field: "\(path).max", message: "must be greater than min") }
        guard max - min <= 1_000 else {
            throw ValidationError(field: "\(path).max", message: "a rating spans at most 1000 steps")
        }
    }

    public var schemaMembers: [JSONMember] { [JSONMember("min", .integer(min)), JSONMember("max", .integer(max))] }

    public func check(fields: [Field], path: String) {}

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        guard let value = answer.intValue, answer.doubleValue == Double(value) else {
            throw ValidationError(field: path, message: "must be an integer from \(min) to \(max)")
        }
        guard value >= min && value <= max else {
            throw ValidationError(field: path, message: "must be from \(min) to \(max), not \(value)")
        }
    }

    public func isReadable(_ value: JSONValue) -> Bool { value.doubleValue != nil }

    public func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore? {
        guard let goldRating = gold.doubleValue else { return nil }
        guard let rating = answer?.doubleValue else { return .unanswered }
        let error = (rating - goldRating).magnitude
        return QuestionScore(
            value: error <= options.ratingTolerance ? 1 : 0,
            detail: .rating(absoluteError: error, tolerance: options.ratingTolerance))
    }

    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        let table = RatingTable(
            answers.answers.map { (unit: $0.taskID, rater: $0.annotatorID, category: $0.value.doubleValue ?? 0) })
        return QuestionMeasures(
            agreement: QuestionAgreement(krippendorffAlphaInterval: table.krippendorffAlphaInterval()))
    }

    public func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember] {
        [JSONMember("krippendorff_alpha_interval", .measurement(agreement.krippendorffAlphaInterval))]
    }

    public func goldMembers(_ gold: GoldRecord) -> [JSONMember] {
        [JSONMember("mean_absolute_error", .measurement(gold.meanAbsoluteError))]
    }

    public var optionAnswers: OptionAnswers? { nil }
}

extension QuestionKind {
    /// An integer from `min` to `max` inclusive.
    public static func rating(min: Int, max: Int) -> QuestionKind { QuestionKind(RatingQuestion(min: min, max: max)) }
}
