/// A labelled character range of a text field; offsets are Unicode scalar offsets, end exclusive.
public struct Span: Sendable, Hashable {
    public var start: Int
    public var end: Int
    public var label: String

    public init(start: Int, end: Int, label: String) {
        self.start = start
        self.end = end
        self.label = label
    }
}

/// Limits on one submitted result.
public enum ResultLimits {
    public static let maxSpans = 10_000
    /// Regions (boxes, polygons) in one answer: a crowded street scene has a few hundred.
    public static let maxRegions = 5_000
    /// Points of one polygon, and of all the polygons of one answer: a polygon is checked for crossings
    /// edge against edge, and its exact IoU cuts it into triangles, both quadratic in its points.
    public static let maxPolygonPoints = 1_000
    public static let maxPolygonPointsPerAnswer = 20_000
}

extension ProjectSchema {
    /// Checks an annotator's result against this schema and the task it answers.
    ///
    /// - Parameters:
    ///   - result: the submitted `result` object, keyed by question name.
    ///   - data: the task's data, which span questions are checked against.
    ///   - requireAnswers: whether required questions must be answered (gold answers may be partial).
    ///   - path: the prefix for error paths, `result` for a submission.
    public func validate(
        result: JSONValue, against data: JSONValue, requireAnswers: Bool = true, path: String = "result"
    ) throws(ValidationError) {
        try validate(result: result, in: AnswerContext(data: data), requireAnswers: requireAnswers, path: path)
    }

    /// Checks a result against this schema, the task's data and what is known of the task's media.
    public func validate(
        result: JSONValue, in context: AnswerContext, requireAnswers: Bool = true, path: String = "result"
    ) throws(ValidationError) {
        guard let members = result.objectValue else {
            throw ValidationError(field: path, message: "must be an object keyed by question name")
        }
        for member in members where question(named: member.key) == nil {
            throw ValidationError(field: "\(path).\(member.key)", message: "unknown question")
        }
        for question in questions {
            let answerPath = "\(path).\(question.name)"
            guard let answer = result[question.name], !answer.isNull else {
                if requireAnswers && question.required {
                    throw ValidationError(field: answerPath, message: "an answer is required")
                }
                continue
            }
            try question.validate(answer: answer, in: context, path: answerPath)
        }
    }

    /// Checks that a task's data carries every field this schema shows, with the right type.
    public func validate(taskData data: JSONValue, path: String = "data") throws(ValidationError) {
        guard data.objectValue != nil else { throw ValidationError(field: path, message: "must be a JSON object") }
        for field in fields {
            let fieldPath = "\(path).\(field.name)"
            guard let value = data[field.name] else {
                throw ValidationError(field: fieldPath, message: "missing (the schema shows this field)")
            }
            try field.kind.validate(value: value, path: fieldPath)
        }
    }
}

extension Question {
    func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        try kind.type.validate(answer: answer, in: context, path: path)
    }
}
