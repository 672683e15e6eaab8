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

/// The data types a field can show: text, and images referenced by `asset:ID` (see ``MediaReference``).
public enum FieldKind: String, Sendable, Hashable, CaseIterable {
    case text
    case image
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

    /// The keys every question may carry, whatever its kind.
    static let commonKeys = ["name", "type", "required", "label"]

    public init(name: String, kind: QuestionKind, required: Bool = false, label: String? = nil) {
        self.name = name
        self.kind = kind
        self.required = required
        self.label = label
    }
}
