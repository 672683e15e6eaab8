/// Labelled character ranges (Unicode scalar offsets, end exclusive) of the text field `field`.
///
/// Scored by span precision, recall and F1 under exact and overlap matching (``SpanMatching``); agreement by the
/// mean pairwise span F1 under both rules.
public struct SpansQuestion: QuestionType {
    public static let typeName = "spans"
    public static let schemaKeys = ["field", "labels", "overlap"]

    public var field: String
    public var labels: [String]
    public var overlap: SpanOverlap

    public init(field: String, labels: [String], overlap: SpanOverlap) {
        self.field = field
        self.labels = labels
        self.overlap = overlap
    }

    public init(schema question: JSONValue, path: String) throws(ValidationError) {
        guard let field = question["field"]?.stringValue else {
            throw ValidationError(field: "\(path).field", message: "must name the text field the spans mark")
        }
        self.field = field
        labels = try SchemaJSON.options(question["labels"], path: "\(path).labels")
        overlap = .none
        if let overlapJSON = question["overlap"] {
            guard let text = overlapJSON.stringValue, let value = SpanOverlap(rawValue: text) else {
                throw ValidationError(field: "\(path).overlap", message: "must be \"none\", \"nested\" or \"any\"")
            }
            overlap = value
        }
    }

    public var schemaMembers: [JSONMember] {
        [
            JSONMember("field", .string(field)),
            JSONMember("labels", .array(labels.map(JSONValue.string))),
            JSONMember("overlap", .string(overlap.rawValue)),
        ]
    }

    public func check(fields: [Field], path: String) throws(ValidationError) {
        guard let target = fields.first(where: { $0.name == field }) else {
            throw ValidationError(field: "\(path).field", message: "no field named \"\(field)\"")
        }
        guard target.kind == .text else {
            throw ValidationError(field: "\(path).field", message: "spans need a text field")
        }
    }

    public func validate(answer: JSONValue, in context: AnswerContext, path: String) throws(ValidationError) {
        let spans = try decodeSpans(answer, path: path, text: context.text(of: field))
        try Self.checkOverlap(spans, rule: overlap, path: path)
    }

    public func isReadable(_ value: JSONValue) -> Bool { Self.spans(value) != nil }

    public func score(answer: JSONValue?, gold: JSONValue, options: AccuracyOptions) -> QuestionScore? {
        guard let goldSpans = Self.spans(gold) else { return nil }
        guard let answer, let answerSpans = Self.spans(answer) else { return .unanswered }
        let accuracy = SpanAccuracy(answer: answerSpans, gold: goldSpans)
        return QuestionScore(value: accuracy[options.spanRule].f1, detail: .spans(accuracy, rule: options.spanRule))
    }

    /// Mean pairwise span F1, exact and overlap: one annotator's spans against another's is a symmetric measure.
    public func measure(_ answers: QuestionAnswers, tasks: [QualityTaskInput], question: String) -> QuestionMeasures {
        var exactSum = 0.0
        var overlapSum = 0.0
        var pairs = 0
        for task in answers.byTask {
            let spans = task.map { Self.spans($0.value) ?? [] }
            for first in spans.indices {
                for second in spans.indices where second > first {
                    let accuracy = SpanAccuracy(answer: spans[first], gold: spans[second])
                    exactSum += accuracy.exact.f1
                    overlapSum += accuracy.overlap.f1
                    pairs += 1
                }
            }
        }
        return QuestionMeasures(
            agreement: QuestionAgreement(
                meanPairwiseSpanF1Exact: pairs == 0 ? nil : exactSum / Double(pairs),
                meanPairwiseSpanF1Overlap: pairs == 0 ? nil : overlapSum / Double(pairs), comparedPairs: pairs))
    }

    public func agreementMembers(_ agreement: QuestionAgreement) -> [JSONMember] {
        [
            JSONMember(
                "mean_pairwise_span_f1",
                .object([
                    JSONMember("exact", .measurement(agreement.meanPairwiseSpanF1Exact)),
                    JSONMember("overlap", .measurement(agreement.meanPairwiseSpanF1Overlap)),
                ])),
            JSONMember("compared_pairs", .integer(agreement.comparedPairs)),
        ]
    }

    public func goldMembers(_ gold: GoldRecord) -> [JSONMember] {
        let scores = gold.spanScores
        return [
            JSONMember("exact", scores.map { $0.exact.measurementJSON } ?? .null),
            JSONMember("overlap", scores.map { $0.overlap.measurementJSON } ?? .null),
        ]
    }

    public var optionAnswers: OptionAnswers? { nil }

    /// The spans of a span answer; `nil` when any element is not a `{start, end, label}` object.
    public static func spans(_ value: JSONValue) -> [Span]? {
        guard let elements = value.arrayValue else { return nil }
        var spans: [Span] = []
        spans.reserveCapacity(elements.count)
        for element in elements {
            guard let start = element["start"]?.intValue, let end = element["end"]?.intValue,
                let label = element["label"]?.stringValue
            else { return nil }
            spans.append(Span(start: start, end: end, label: label))
        }
        return spans
    }

    private func decodeSpans(
        _ answer: JSONValue, path: String, text: String
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

extension QuestionKind {
    /// Labelled character ranges of the text field `field`.
    public static func spans(field: String, labels: [String], overlap: SpanOverlap) -> QuestionKind {
        QuestionKind(SpansQuestion(field: field, labels: labels, overlap: overlap))
    }
}
