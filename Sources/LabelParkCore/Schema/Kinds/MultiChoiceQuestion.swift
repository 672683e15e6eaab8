/// A subset of `options`, with an optional minimum and maximum count.
///
/// Scored by the Jaccard index of the option sets; agreement by mean pairwise Jaccard and, per option, nominal
/// alpha of "ticked or not"; the crowd's answer per option by majority vote and Dawid-Skene.
public struct MultiChoiceQuestion: QuestionType {
    public static let typeName = "multi_choice"
    public static let schemaKeys = ["options", "min", "max"]

    public var options: [String]
    public var minCount: Int?
    public var maxCount: Int?

    public init(options: [String], minCount: Int? = nil, maxCount: Int? = nil) {
        self.options = options
        self.minCount = minCount
        self.maxCount = maxCount
    }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        options = try SchemaJSON.options(question["options"], path: "\(path).options")
        minCount = try SchemaJSON.optionalInt(question["min"], path: "\(path).min", range: 0...options.count)
        maxCount = try SchemaJSON.optionalInt(question["max"], path: "\(path).max", range: 1...options.count)
        if let minCount, let maxCount, minCount > maxCount {
            throw ValidationError(field: "\(path).min", message: "must not exceed max")
        }
    }

    public var schemaMembers: [JSONMember] {
        var members = [JSONMember("options", .array(options.map(JSONValue.string)))]
        if let minCount { members.append(JSONMember("min", .integer(minCount))) }
        if let maxCount { members.append(JSONMember("max", .integer(maxCount))) }
        return members
    }

    public func check(fields: [Field], path: String) {}

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        guard let values = answer.arrayValue else {
            throw ValidationError(field: path, message: "must be an array of options")
        }
        var seen = Set<String>()
        for (index, element) in values.enumerated() {
            guard let value = element.stringValue else {
                throw ValidationError(field: "\(path)[\(index)]", message: "must be a string")
            }
            guard options.contains(value) else {
                throw ValidationError(field: "\(path)[\(index)]", message: "unknown option \"\(value)\"")
            }
            guard seen.insert(value).inserted else {
                throw ValidationError(field: "\(path)[\(index)]", message: "option \"\(value)\" chosen twice")
            }
        }
        if let minCount, values.count < minCount {
            throw ValidationError(field: path, message: "choose at least \(minCount)")
        }
        if let maxCount, values.count > maxCount {
            throw ValidationError(field: path, message: "choose at most \(maxCount)")
        }
    }

    public func isReadable(_ value: JSONValue) -> Bool {
        guard let elements = value.arrayValue else { return false }
        return elements.allSatisfy { element in element.stringValue.map(options.contains) ?? false }
    }

    public func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore? {
        guard let goldOptions = Self.optionSet(gold) else { return nil }
        guard let answer, let chosen = Self.optionSet(answer) else { return .unanswered }
        let shared = chosen.intersection(goldOptions).count
        let union = chosen.count + goldOptions.count - shared
        return QuestionScore(
            value: union == 0 ? 1 : Double(shared) / Double(union), detail: .multiChoice(shared: shared, union: union))
    }

    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        let coding = OptionCoding(options: options)
        return QuestionMeasures(
            agreement: .multiChoice(answers, coding: coding),
            aggregation: .multiChoice(ProjectQuality.aggregateSelections(answers, coding: coding)))
    }

    public func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember] {
        [
            JSONMember("mean_pairwise_jaccard", .measurement(agreement.meanPairwiseJaccard)),
            JSONMember("compared_pairs", .integer(agreement.comparedPairs)),
            JSONMember(
                "options",
                .array(
                    zip(options, agreement.optionAlphaNominal).map { option, alpha in
                        .object([
                            JSONMember("option", .string(option)),
                            JSONMember("krippendorff_alpha_nominal", .measurement(alpha)),
                        ])
                    })),
        ]
    }

    public func goldMembers(_ gold: GoldRecord) -> [JSONMember] {
        [JSONMember("mean_jaccard", .measurement(gold.accuracy))]
    }

    public var optionAnswers: OptionAnswers? { .anyOf(OptionCoding(options: options)) }

    private static func optionSet(_ value: JSONValue) -> Set<String>? {
        guard let elements = value.arrayValue else { return nil }
        var options = Set<String>()
        for element in elements {
            guard let option = element.stringValue else { return nil }
            options.insert(option)
        }
        return options
    }
}

extension QuestionKind {
    /// A subset of `options`, with an optional minimum and maximum count.
    public static func multiChoice(options: [String], minCount: Int?, maxCount: Int?) -> QuestionKind {
        QuestionKind(MultiChoiceQuestion(options: options, minCount: minCount, maxCount: maxCount))
    }
}

extension QuestionAgreement {
    /// Mean pairwise Jaccard and per-option nominal alpha of a multi-choice question's answers.
    fileprivate static func multiChoice(_ answers: QuestionAnswers, coding: OptionCoding) -> QuestionAgreement {
        var jaccardSum = 0.0
        var pairs = 0
        for task in answers.byTask {
            let sets = task.map { Set(($0.value.arrayValue ?? []).compactMap(\.stringValue)) }
            for first in sets.indices {
                for second in sets.indices where second > first {
                    let union = sets[first].union(sets[second]).count
                    jaccardSum += union == 0 ? 1 : Double(sets[first].intersection(sets[second]).count) / Double(union)
                    pairs += 1
                }
            }
        }
        let optionAlpha: [Double?] = coding.options.map { option in
            RatingTable(
                answers.answers.map { answer in
                    let ticked = (answer.value.arrayValue ?? []).contains(.string(option))
                    return (unit: answer.taskID, rater: answer.annotatorID, category: ticked ? 1 : 0)
                }
            ).krippendorffAlphaNominal()
        }
        return QuestionAgreement(
            meanPairwiseJaccard: pairs == 0 ? nil : jaccardSum / Double(pairs), optionAlphaNominal: optionAlpha,
            comparedPairs: pairs)
    }
}
