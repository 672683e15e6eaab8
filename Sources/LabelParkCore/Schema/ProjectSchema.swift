/// What a project shows (fields) and what it asks (questions): schema v1 of the public contract.
public struct ProjectSchema: Sendable, Hashable {
    public var fields: [Field]
    public var questions: [Question]

    public init(fields: [Field], questions: [Question]) {
        self.fields = fields
        self.questions = questions
    }

    public func field(named name: String) -> Field? { fields.first { $0.name == name } }
    public func question(named name: String) -> Question? { questions.first { $0.name == name } }
}

/// One piece of task data shown to the annotator, read from `task.data[name]`.
public struct Field: Sendable, Hashable {
    public var name: String
    public var kind: FieldKind
    /// The heading shown above the field; defaults to the name.
    public var label: String?

    public init(name: String, kind: FieldKind, label: String? = nil) {
        self.name = name
        self.kind = kind
        self.label = label
    }
}

/// The data types a field can show. Schema v1 has text; images, audio and the rest come later.
public enum FieldKind: String, Sendable, Hashable, CaseIterable {
    case text
}

/// How spans of one question may overlap each other.
public enum SpanOverlap: String, Sendable, Hashable, CaseIterable {
    /// No two spans share a character.
    case none
    /// Spans may nest (one inside another) but never cross.
    case nested
    /// Any overlap is allowed.
    case any
}

/// One thing asked about a task.
public struct Question: Sendable, Hashable {
    public var name: String
    public var kind: QuestionKind
    public var required: Bool
    /// The prompt shown to the annotator; defaults to the name.
    public var label: String?

    public init(name: String, kind: QuestionKind, required: Bool = false, label: String? = nil) {
        self.name = name
        self.kind = kind
        self.required = required
        self.label = label
    }
}

/// The answer types of schema v1.
public enum QuestionKind: Sendable, Hashable {
    /// Exactly one of `options`.
    case choice(options: [String])
    /// A subset of `options`, with an optional minimum and maximum count.
    case multiChoice(options: [String], minCount: Int?, maxCount: Int?)
    /// An integer from `min` to `max` inclusive.
    case rating(min: Int, max: Int)
    /// Free text up to `maxLength` characters.
    case text(maxLength: Int)
    /// Labelled character ranges (Unicode scalar offsets, end exclusive) of the text field `field`.
    case spans(field: String, labels: [String], overlap: SpanOverlap)

    /// The contract's name for the type, as written in a schema's `type`.
    public var typeName: String {
        switch self {
        case .choice: "choice"
        case .multiChoice: "multi_choice"
        case .rating: "rating"
        case .text: "text"
        case .spans: "spans"
        }
    }
}
