/// One kind of question, and everything the park does with a question of that kind.
///
/// A kind is one file: a type conforming to this protocol, a factory on ``QuestionKind`` for code that builds
/// schemas, and its entry in ``QuestionKind/registered``. The requirements have no defaults on purpose: the
/// compiler lists what a new kind must decide (how it reads from and writes to a schema, what a valid answer is,
/// how an answer scores against gold, how annotators' answers agree and whether a crowd answer is inferred).
public protocol QuestionType: Sendable, Hashable {
    /// The contract's name for the kind, as written in a schema's `type`.
    static var typeName: String { get }
    /// The schema keys of the kind, besides `name`, `type`, `required` and `label`.
    static var schemaKeys: [String] { get }

    /// Decodes the kind's own keys of a question object; `path` names the question (`schema.questions[2]`).
    init(schema question: JSONValue, path: String) throws(ValidationError)
    /// The kind's own keys, in the order a schema shows them; the inverse of `init(schema:path:)`.
    var schemaMembers: [JSONMember] { get }
    /// Checks what the kind needs of the schema's fields (a span question marks a text field).
    func check(fields: [Field], path: String) throws(ValidationError)

    /// Checks one submitted answer (never `null`) to a question of this kind.
    func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError)
    /// Whether a stored value is an answer of this kind; quality measurement leaves other values out.
    func isReadable(_ value: JSONValue) -> Bool
    /// Scores an answer against the gold answer; `nil` when the gold answer is not of this kind.
    func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore?

    /// Agreement between annotators, and the crowd's answer per task where the kind has one.
    func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures
    /// The kind's agreement statistics in a quality report.
    func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember]
    /// The kind's gold metrics in a quality report (beyond `scored` and `accuracy`).
    func goldMembers(_ gold: GoldRecord) -> [JSONMember]
    /// How answers draw on a fixed list of options, for truth inference and export aggregates; `nil` for kinds
    /// whose answers are free (numbers, text, spans).
    var optionAnswers: OptionAnswers? { get }
}

extension QuestionType {
    /// The settings as a hashable value: different kinds compare unequal, equal settings of a kind equal.
    fileprivate var boxed: AnyHashable { AnyHashable(self) }
}

/// How a kind's answers draw on its options.
public enum OptionAnswers: Sendable, Hashable {
    /// Exactly one option per answer (choice).
    case one(OptionCoding)
    /// Any subset of the options per answer (multi-choice).
    case anyOf(OptionCoding)

    /// The options and their codes.
    public var coding: OptionCoding {
        switch self {
        case .one(let coding), .anyOf(let coding): coding
        }
    }
}

/// What a quality report measures of one question beyond gold scores.
public struct QuestionMeasures: Sendable {
    public var agreement = QuestionAgreement()
    public var aggregation = QuestionAggregation.none
    /// Per annotator: the share of tasks where they match the strict majority of the others (choice).
    public var consensus: [Int64: Double?] = [:]
    /// Per annotator: Σ prior_k · π_kk of their Dawid-Skene confusion matrix (choice).
    public var dawidSkeneAccuracy: [Int64: Double?] = [:]

    public init(agreement: QuestionAgreement = QuestionAgreement(), aggregation: QuestionAggregation = .none) {
        self.agreement = agreement
        self.aggregation = aggregation
    }
}

/// What an answer is checked against besides the question: the task's data and what the park knows about the
/// media its fields show.
public struct AnswerContext: Sendable {
    /// The task's data, keyed by field name.
    public var data: JSONValue
    /// The media of the task's media fields, keyed by field name; fields whose media is unknown are absent.
    public var media: [String: MediaMetadata]

    public init(data: JSONValue, media: [String: MediaMetadata] = [:]) {
        self.data = data
        self.media = media
    }

    /// The text of the text field `field`, or the empty text when the task has none.
    public func text(of field: String) -> String { data[field]?.stringValue ?? "" }
}

/// What an answer about a medium may depend on: its size in pixels, later its duration.
public struct MediaMetadata: Sendable, Hashable {
    public var mediaType: String
    public var width: Int?
    public var height: Int?

    public init(mediaType: String, width: Int? = nil, height: Int? = nil) {
        self.mediaType = mediaType
        self.width = width
        self.height = height
    }
}

/// A question's kind: one value of some ``QuestionType``, compared and hashed by its kind and its settings.
public struct QuestionKind: Sendable, Hashable {
    /// The kind and its settings.
    public let type: any QuestionType

    public init(_ type: some QuestionType) { self.type = type }

    /// Every kind a schema may use, in the order error messages list them.
    static let registered: [Registration] = [
        Registration(ChoiceQuestion.self), Registration(MultiChoiceQuestion.self), Registration(RatingQuestion.self),
        Registration(TextQuestion.self), Registration(SpansQuestion.self), Registration(BoxesQuestion.self),
        Registration(PolygonsQuestion.self), Registration(KeypointsQuestion.self), Registration(MasksQuestion.self),
    ]

    /// A kind's name and decoder, captured generically (no existential metatypes to open).
    struct Registration: Sendable {
        let typeName: String
        let decode: @Sendable (_ question: JSONValue, _ path: String) throws(ValidationError) -> QuestionKind

        init<Kind: QuestionType>(_ kind: Kind.Type) {
            typeName = Kind.typeName
            decode = { question, path throws(ValidationError) in
                try SchemaJSON.rejectUnknownKeys(
                    question.objectValue ?? [], allowed: Question.commonKeys + Kind.schemaKeys, path: path)
                return QuestionKind(try Kind(schema: question, path: path))
            }
        }
    }

    /// The contract's name for the kind, as written in a schema's `type`.
    public var typeName: String { Swift.type(of: type).typeName }

    /// The settings if the kind is `kind`.
    public func `as`<Kind: QuestionType>(_ kind: Kind.Type) -> Kind? { type as? Kind }

    /// The options and their codes of a kind whose answers draw on options.
    public var optionCoding: OptionCoding? { type.optionAnswers?.coding }

    public static func == (lhs: QuestionKind, rhs: QuestionKind) -> Bool { lhs.type.boxed == rhs.type.boxed }

    public func hash(into hasher: inout Hasher) { hasher.combine(type.boxed) }

    /// Decodes the kind named by a question's `type`, with its keys; unknown names and keys are errors.
    static func decode(typeName: String, question: JSONValue, path: String) throws(ValidationError) -> QuestionKind {
        guard let kind = registered.first(where: { $0.typeName == typeName }) else {
            let known = registered.map(\.typeName).joined(separator: ", ")
            throw ValidationError(
                field: "\(path).type", message: "unknown question type \"\(typeName)\" (known: \(known))")
        }
        return try kind.decode(question, path)
    }
}
