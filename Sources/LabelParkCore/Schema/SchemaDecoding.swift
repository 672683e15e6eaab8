/// Limits that keep one schema small enough to render and validate quickly.
public enum SchemaLimits {
    public static let maxFields = 64
    public static let maxQuestions = 128
    public static let maxOptions = 1_000
    public static let maxOptionLength = 200
    public static let maxNameLength = 64
    public static let defaultTextLength = 10_000
    public static let maxTextLength = 1_000_000
}

extension ProjectSchema {
    /// Decodes and validates a schema from its JSON form, reporting the first problem with its path.
    ///
    /// Validation covers everything a later submission depends on: known types, unique names, options
    /// that are non-empty and unique, sane rating bounds, and span questions that point at a text field.
    public init(json: JSONValue, path: String = "schema") throws(ValidationError) {
        guard let members = json.objectValue else {
            throw ValidationError(field: path, message: "must be an object with \"fields\" and \"questions\"")
        }
        try SchemaJSON.rejectUnknownKeys(members, allowed: ["fields", "questions"], path: path)
        guard let fieldsJSON = json["fields"]?.arrayValue else {
            throw ValidationError(field: "\(path).fields", message: "must be an array")
        }
        guard let questionsJSON = json["questions"]?.arrayValue else {
            throw ValidationError(field: "\(path).questions", message: "must be an array")
        }
        guard fieldsJSON.count <= SchemaLimits.maxFields else {
            throw ValidationError(field: "\(path).fields", message: "at most \(SchemaLimits.maxFields) fields")
        }
        guard !questionsJSON.isEmpty else {
            throw ValidationError(field: "\(path).questions", message: "must ask at least one question")
        }
        guard questionsJSON.count <= SchemaLimits.maxQuestions else {
            throw ValidationError(field: "\(path).questions", message: "at most \(SchemaLimits.maxQuestions) questions")
        }

        var fields: [Field] = []
        for (index, fieldJSON) in fieldsJSON.enumerated() {
            let fieldPath = "\(path).fields[\(index)]"
            let field = try Field(json: fieldJSON, path: fieldPath)
            guard !fields.contains(where: { $0.name == field.name }) else {
                throw ValidationError(field: "\(fieldPath).name", message: "duplicate field name \"\(field.name)\"")
            }
            fields.append(field)
        }

        var questions: [Question] = []
        for (index, questionJSON) in questionsJSON.enumerated() {
            let questionPath = "\(path).questions[\(index)]"
            let question = try Question(json: questionJSON, path: questionPath)
            guard !questions.contains(where: { $0.name == question.name }) else {
                throw ValidationError(
                    field: "\(questionPath).name", message: "duplicate question name \"\(question.name)\"")
            }
            try question.kind.type.check(fields: fields, path: questionPath)
            questions.append(question)
        }
        self.init(fields: fields, questions: questions)
    }

    /// The schema's JSON form, as accepted by `init(json:)`.
    public var json: JSONValue {
        .object([
            JSONMember("fields", .array(fields.map(\.json))),
            JSONMember("questions", .array(questions.map(\.json))),
        ])
    }
}

extension Field {
    init(json: JSONValue, path: String) throws(ValidationError) {
        guard let members = json.objectValue else { throw ValidationError(field: path, message: "must be an object") }
        try SchemaJSON.rejectUnknownKeys(members, allowed: ["name", "type", "label"], path: path)
        let name = try decodeName(json["name"], path: "\(path).name")
        guard let typeName = json["type"]?.stringValue else {
            throw ValidationError(field: "\(path).type", message: "must be a string")
        }
        guard let kind = FieldKind(rawValue: typeName) else {
            let known = FieldKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError(
                field: "\(path).type", message: "unknown field type \"\(typeName)\" (known: \(known))")
        }
        self.init(name: name, kind: kind, label: try decodeLabel(json["label"], path: "\(path).label"))
    }

    var json: JSONValue {
        var members = [JSONMember("name", .string(name)), JSONMember("type", .string(kind.rawValue))]
        if let label { members.append(JSONMember("label", .string(label))) }
        return .object(members)
    }
}

extension Question {
    init(json: JSONValue, path: String) throws(ValidationError) {
        guard json.objectValue != nil else { throw ValidationError(field: path, message: "must be an object") }
        let name = try decodeName(json["name"], path: "\(path).name")
        guard let typeName = json["type"]?.stringValue else {
            throw ValidationError(field: "\(path).type", message: "must be a string")
        }
        let kind = try QuestionKind.decode(typeName: typeName, question: json, path: path)
        var required = false
        if let requiredJSON = json["required"] {
            guard let value = requiredJSON.boolValue else {
                throw ValidationError(field: "\(path).required", message: "must be true or false")
            }
            required = value
        }
        self.init(
            name: name, kind: kind, required: required, label: try decodeLabel(json["label"], path: "\(path).label"))
    }

    var json: JSONValue {
        var members = [JSONMember("name", .string(name)), JSONMember("type", .string(kind.typeName))]
        members += kind.type.schemaMembers
        if required { members.append(JSONMember("required", .bool(true))) }
        if let label { members.append(JSONMember("label", .string(label))) }
        return .object(members)
    }
}

/// Decoding helpers the question kinds share, so every kind words the same mistake the same way.
enum SchemaJSON {
    static func rejectUnknownKeys(_ members: [JSONMember], allowed: [String], path: String) throws(ValidationError) {
        for member in members where !allowed.contains(member.key) {
            throw ValidationError(field: "\(path).\(member.key)", message: "unknown key")
        }
    }

    /// A non-empty list of distinct, non-empty strings (options, labels).
    static func options(_ json: JSONValue?, path: String) throws(ValidationError) -> [String] {
        guard let array = json?.arrayValue, !array.isEmpty else {
            throw ValidationError(field: path, message: "must be a non-empty array of strings")
        }
        guard array.count <= SchemaLimits.maxOptions else {
            throw ValidationError(field: path, message: "at most \(SchemaLimits.maxOptions) entries")
        }
        var options: [String] = []
        var seen = Set<String>()
        for (index, element) in array.enumerated() {
            guard let option = element.stringValue, !option.isEmpty, option.count <= SchemaLimits.maxOptionLength
            else {
                throw ValidationError(
                    field: "\(path)[\(index)]",
                    message: "must be a non-empty string of at most \(SchemaLimits.maxOptionLength) characters")
            }
            guard seen.insert(option).inserted else {
                throw ValidationError(field: "\(path)[\(index)]", message: "duplicate entry \"\(option)\"")
            }
            options.append(option)
        }
        return options
    }

    /// An integer within `range`, or `nil` when the key is absent.
    static func optionalInt(_ json: JSONValue?, path: String, range: ClosedRange<Int>) throws(ValidationError) -> Int? {
        guard let json else { return nil }
        guard let value = json.intValue, range.contains(value) else {
            throw ValidationError(
                field: path, message: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

private func decodeName(_ json: JSONValue?, path: String) throws(ValidationError) -> String {
    guard let name = json?.stringValue else { throw ValidationError(field: path, message: "must be a string") }
    guard isIdentifier(name) else {
        throw ValidationError(
            field: path,
            message: "must start with a letter or _, then letters, digits or _ (at most \(SchemaLimits.maxNameLength))")
    }
    return name
}

/// Names are keys in results and exports, so they are plain identifiers; labels carry display text.
private func isIdentifier(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, bytes.count <= SchemaLimits.maxNameLength else { return false }
    func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
    return isLetter(first) && bytes.allSatisfy { isLetter($0) || ($0 >= 48 && $0 <= 57) }
}

private func decodeLabel(_ json: JSONValue?, path: String) throws(ValidationError) -> String? {
    guard let json else { return nil }
    guard let label = json.stringValue, label.count <= 500 else {
        throw ValidationError(field: path, message: "must be a string of at most 500 characters")
    }
    return label
}
