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
            try question.validate(answer: answer, data: data, path: answerPath)
        }
    }

    /// Checks that a task's data carries every field this schema shows, with the right type.
    public func validate(taskData data: JSONValue, path: String = "data") throws(ValidationError) {
        guard data.objectValue != nil else { throw ValidationError(field: path, message: "must be a JSON object") }
        for field in fields {
            switch field.kind {
            case .text:
                guard let value = data[field.name] else {
                    throw ValidationError(
                        field: "\(path).\(field.name)", message: "missing (the schema shows this field)")
                }
                guard value.stringValue != nil else {
                    throw ValidationError(
                        field: "\(path).\(field.name)", message: "must be a string, not \(value.typeName)")
                }
            }
        }
    }
}

extension Question {
    func validate(answer: JSONValue, data: JSONValue, path: String) throws(ValidationError) {
        switch kind {
        case .choice(let options):
            guard let value = answer.stringValue else {
                throw ValidationError(field: path, message: "must be one of the options, as a string")
            }
            guard options.contains(value) else {
                throw ValidationError(field: path, message: "unknown option \"\(value)\"")
            }
        case .multiChoice(let options, let minCount, let maxCount):
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
        case .rating(let low, let high):
            guard let value = answer.intValue, answer.doubleValue == Double(value) else {
                throw ValidationError(field: path, message: "must be an integer from \(low) to \(high)")
            }
            guard value >= low && value <= high else {
                throw ValidationError(field: path, message: "must be from \(low) to \(high), not \(value)")
            }
        case .text(let maxLength):
            guard let value = answer.stringValue else {
                throw ValidationError(field: path, message: "must be a string")
            }
            guard value.unicodeScalars.count <= maxLength else {
                throw ValidationError(field: path, message: "at most \(maxLength) characters")
            }
        case .spans(let field, let labels, let overlap):
            let text = data[field]?.stringValue ?? ""
            let spans = try Question.decodeSpans(answer, path: path, labels: labels, text: text)
            try Question.checkOverlap(spans, rule: overlap, path: path)
        }
    }

    private static func decodeSpans(
        _ answer: JSONValue, path: String, labels: [String], text: String
    ) throws(ValidationError) -> [(index: Int, span: Span)] {
        guard let elements = answer.arrayValue else {
            throw ValidationError(field: path, message: "must be an array of {start, end, label}")
        }
        guard elements.count <= ResultLimits.maxSpans else {
            throw ValidationError(field: path, message: "at most \(ResultLimits.maxSpans) spans")
        }
        let scalars = Array(text.unicodeScalars)
        var spans: [(index: Int, span: Span)] = []
        spans.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            // Built only when an error needs it: a long document's 2,000 spans should not cost 2,000 strings.
            var spanPath: String { "\(path)[\(index)]" }
            guard let members = element.objectValue else {
                throw ValidationError(field: spanPath, message: "must be an object {start, end, label}")
            }
            for member in members where !["start", "end", "label", "text"].contains(member.key) {
                throw ValidationError(field: "\(spanPath).\(member.key)", message: "unknown key")
            }
            guard let start = element["start"]?.intValue else {
                throw ValidationError(field: "\(spanPath).start", message: "must be an integer")
            }
            guard let end = element["end"]?.intValue else {
                throw ValidationError(field: "\(spanPath).end", message: "must be an integer")
            }
            guard let label = element["label"]?.stringValue else {
                throw ValidationError(field: "\(spanPath).label", message: "must be a string")
            }
            guard start >= 0 else { throw ValidationError(field: "\(spanPath).start", message: "must not be negative") }
            guard end > start else {
                throw ValidationError(field: "\(spanPath).end", message: "must be greater than start")
            }
            guard end <= scalars.count else {
                throw ValidationError(
                    field: "\(spanPath).end", message: "is past the end of field text (\(scalars.count) characters)")
            }
            guard labels.contains(label) else {
                throw ValidationError(field: "\(spanPath).label", message: "unknown label \"\(label)\"")
            }
            if let quoted = element["text"] {
                // A client that counted offsets in UTF-16 or bytes gets caught here instead of storing shifted spans.
                // Scalars are compared one by one: exact code points, no allocation.
                guard let quotedText = quoted.stringValue, quotedText.unicodeScalars.elementsEqual(scalars[start..<end])
                else {
                    throw ValidationError(
                        field: "\(spanPath).text",
                        message: "does not match the text at \(start)..<\(end) (offsets are Unicode code points)")
                }
            }
            spans.append((index, Span(start: start, end: end, label: label)))
        }
        return spans
    }

    private static func checkOverlap(
        _ spans: [(index: Int, span: Span)], rule: SpanOverlap, path: String
    ) throws(ValidationError) {
        guard rule != .any, spans.count > 1 else { return }
        // Sorted by start, then longest first, so a nesting span always precedes the spans it contains.
        let sorted = spans.sorted {
            $0.span.start != $1.span.start ? $0.span.start < $1.span.start : $0.span.end > $1.span.end
        }
        var open: [(index: Int, span: Span)] = []
        for current in sorted {
            while let last = open.last, last.span.end <= current.span.start { open.removeLast() }
            if let last = open.last {
                let crosses = current.span.end > last.span.end
                if rule == .none || crosses {
                    let relation = crosses ? "crosses" : "overlaps"
                    throw ValidationError(
                        field: "\(path)[\(current.index)]",
                        message: "\(relation) span \(last.index) (\(last.span.start)..<\(last.span.end))")
                }
            }
            open.append(current)
        }
    }
}
