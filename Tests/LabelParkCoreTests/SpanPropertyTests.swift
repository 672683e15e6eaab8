import LabelParkCore
import Testing

/// A generated span together with the text it covers.
struct GeneratedSpan {
    var start: Int
    var end: Int
    var label: String

    func json(coveredText: String?) -> JSONValue {
        var members = [
            JSONMember("start", .integer(start)), JSONMember("end", .integer(end)), JSONMember("label", .string(label)),
        ]
        if let coveredText { members.append(JSONMember("text", .string(coveredText))) }
        return .object(members)
    }
}

/// Seeded random texts and span sets.
struct SpanCases {
    var generator: SplitMix64
    static let labels = ["PER", "LOC", "ORG"]

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// A text of `count` scalars mixing ASCII, Chinese, emoji (two UTF-16 units each) and combining marks.
    mutating func text(scalarCount count: Int) -> [Unicode.Scalar] {
        (0..<count).map { _ in
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator))
            case 1: Unicode.Scalar(UInt32.random(in: 0x4E00...0x9FFF, using: &generator))!
            case 2: Unicode.Scalar(UInt32.random(in: 0x1F600...0x1F64F, using: &generator))!
            default: ["\u{301}", "\u{1F3FD}", "\u{200D}", "\n", "é"].randomElement(using: &generator)!
            }
        }
    }

    mutating func label() -> String { Self.labels.randomElement(using: &generator)! }

    mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }

    mutating func text(scalarCountIn range: ClosedRange<Int>) -> [Unicode.Scalar] {
        let count = int(in: range)
        return text(scalarCount: count)
    }

    /// One span anywhere in a text of `length` scalars.
    mutating func span(in length: Int) -> GeneratedSpan {
        let start = int(in: 0...(length - 1))
        return GeneratedSpan(start: start, end: int(in: (start + 1)...length), label: label())
    }

    /// Spans that share no character, in shuffled order.
    mutating func disjointSpans(in length: Int) -> [GeneratedSpan] {
        var cuts = Set<Int>()
        for _ in 0..<Int.random(in: 0...min(length, 12), using: &generator) {
            cuts.insert(Int.random(in: 0...length, using: &generator))
        }
        let points = cuts.sorted()
        var spans: [GeneratedSpan] = []
        for (start, end) in zip(points, points.dropFirst()) where Bool.random(using: &generator) || spans.isEmpty {
            spans.append(GeneratedSpan(start: start, end: end, label: label()))
        }
        return spans.shuffled(using: &generator)
    }

    /// Spans forming a tree: every two are disjoint or one contains the other.
    mutating func nestedSpans(in range: Range<Int>, depth: Int = 0) -> [GeneratedSpan] {
        guard range.count >= 1, depth < 5 else { return [] }
        var spans: [GeneratedSpan] = []
        var position = range.lowerBound
        while position < range.upperBound, spans.count < 6 {
            let start = Int.random(in: position..<range.upperBound, using: &generator)
            let end = Int.random(in: (start + 1)...range.upperBound, using: &generator)
            spans.append(GeneratedSpan(start: start, end: end, label: label()))
            if Bool.random(using: &generator) { spans += nestedSpans(in: start..<end, depth: depth + 1) }
            position = end
        }
        return spans
    }
}

@Suite("Span properties")
struct SpanPropertyTests {
    static let caseCount = 2_000

    func schema(_ overlap: SpanOverlap) -> ProjectSchema {
        ProjectSchema(
            fields: [Field(name: "text", kind: .text)],
            questions: [
                Question(name: "entities", kind: .spans(field: "text", labels: SpanCases.labels, overlap: overlap))
            ])
    }

    func data(_ scalars: [Unicode.Scalar]) -> JSONValue {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return .object(["text": .string(String(text))])
    }

    func covered(_ scalars: [Unicode.Scalar], _ span: GeneratedSpan) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[span.start..<span.end])
        return String(text)
    }

    func result(_ spans: [GeneratedSpan], quoting scalars: [Unicode.Scalar]? = nil) -> JSONValue {
        .object(["entities": .array(spans.map { span in span.json(coveredText: scalars.map { covered($0, span) }) })])
    }

    func validationError(_ result: JSONValue, data: JSONValue, overlap: SpanOverlap) -> ValidationError? {
        do {
            try schema(overlap).validate(result: result, against: data)
            return nil
        } catch {
            return error
        }
    }

    @Test("disjoint valid spans always validate, under every overlap rule")
    func disjointSpansValidate() {
        var cases = SpanCases(seed: 1)
        for _ in 0..<Self.caseCount {
            let scalars = cases.text(scalarCountIn: 0...40)
            let spans = cases.disjointSpans(in: scalars.count)
            let quote = Bool.random(using: &cases.generator)
            let answer = result(spans, quoting: quote ? scalars : nil)
            for rule in SpanOverlap.allCases {
                let error = validationError(answer, data: data(scalars), overlap: rule)
                #expect(error == nil, "\(rule): \(answer.jsonText) on \(data(scalars).jsonText)")
            }
        }
    }

    @Test("nested spans validate under nested and any, and fail under none when any two nest")
    func nestedSpansValidate() {
        var cases = SpanCases(seed: 2)
        for _ in 0..<Self.caseCount {
            let scalars = cases.text(scalarCountIn: 1...40)
            var spans = cases.nestedSpans(in: 0..<scalars.count)
            spans.shuffle(using: &cases.generator)
            let answer = result(spans, quoting: scalars)
            #expect(validationError(answer, data: data(scalars), overlap: .nested) == nil, "\(answer.jsonText)")
            #expect(validationError(answer, data: data(scalars), overlap: .any) == nil)
            let anyShared = spans.indices.contains { i in
                spans.indices.contains { j in i != j && spans[i].start < spans[j].end && spans[j].start < spans[i].end }
            }
            #expect((validationError(answer, data: data(scalars), overlap: .none) != nil) == anyShared)
        }
    }

    @Test("a partially overlapping pair is always rejected under nested and none, never under any")
    func crossingPairsRejected() throws {
        var cases = SpanCases(seed: 3)
        for _ in 0..<Self.caseCount {
            let scalars = cases.text(scalarCountIn: 3...40)
            // first.start < second.start < first.end < second.end
            let firstStart = cases.int(in: 0...(scalars.count - 3))
            let secondStart = cases.int(in: (firstStart + 1)...(scalars.count - 2))
            let firstEnd = cases.int(in: (secondStart + 1)...(scalars.count - 1))
            let secondEnd = cases.int(in: (firstEnd + 1)...scalars.count)
            let pair = [
                GeneratedSpan(start: firstStart, end: firstEnd, label: cases.label()),
                GeneratedSpan(start: secondStart, end: secondEnd, label: cases.label()),
            ]
            // Disjoint spans before the pair do not hide the crossing.
            var spans = cases.disjointSpans(in: firstStart) + pair.shuffled(using: &cases.generator)
            spans.shuffle(using: &cases.generator)
            let pairIndices = spans.indices.filter { index in
                pair.contains { $0.start == spans[index].start && $0.end == spans[index].end }
            }
            let answer = result(spans, quoting: scalars)
            for rule in [SpanOverlap.nested, .none] {
                let error = try #require(
                    validationError(answer, data: data(scalars), overlap: rule), "\(rule): \(answer.jsonText)")
                #expect(pairIndices.map { "result.entities[\($0)]" }.contains(error.field), "\(error)")
                #expect(error.message.hasPrefix("crosses span"))
            }
            #expect(validationError(answer, data: data(scalars), overlap: .any) == nil)
        }
    }

    @Test("shifting a valid span past the end of the text is always rejected at its end")
    func shiftedSpansRejected() throws {
        var cases = SpanCases(seed: 4)
        for _ in 0..<Self.caseCount {
            let scalars = cases.text(scalarCountIn: 1...40)
            var spans = cases.disjointSpans(in: scalars.count)
            if spans.isEmpty { spans = [cases.span(in: scalars.count)] }
            let index = cases.int(in: 0...(spans.count - 1))
            let span = spans[index]
            #expect(validationError(result(spans), data: data(scalars), overlap: .any) == nil)
            // Any shift that moves the end beyond the last scalar.
            let shift = scalars.count - span.end + cases.int(in: 1...50)
            spans[index] = GeneratedSpan(start: span.start + shift, end: span.end + shift, label: span.label)
            for rule in SpanOverlap.allCases {
                let error = try #require(validationError(result(spans), data: data(scalars), overlap: rule))
                #expect(error.field == "result.entities[\(index)].end")
            }
        }
    }

    @Test("a quoted text counted in UTF-16 units is rejected whenever it differs from the scalar count")
    func utf16OffsetsCaught() throws {
        var cases = SpanCases(seed: 5)
        var checked = 0
        for _ in 0..<Self.caseCount {
            let scalars = cases.text(scalarCountIn: 2...40)
            let span = cases.span(in: scalars.count)
            let (start, end) = (span.start, span.end)
            let utf16Start = scalars[..<start].reduce(0) { $0 + $1.utf16.count }
            let utf16End = utf16Start + scalars[start..<end].reduce(0) { $0 + $1.utf16.count }
            guard utf16End <= scalars.count, utf16Start != start || utf16End != end else { continue }
            let quoted = covered(scalars, GeneratedSpan(start: start, end: end, label: "PER"))
            let shiftedSpan = GeneratedSpan(start: utf16Start, end: utf16End, label: "PER")
            guard covered(scalars, shiftedSpan) != quoted else { continue }
            checked += 1
            let answer: JSONValue = .object(["entities": .array([shiftedSpan.json(coveredText: quoted)])])
            #expect(validationError(answer, data: data(scalars), overlap: .none)?.field == "result.entities[0].text")
        }
        #expect(checked > 100)
    }

    @Test("task data validates exactly when its text field is a string")
    func taskDataProperty() {
        var values = RandomJSONValues(seed: 6)
        let schema = schema(.none)
        for _ in 0..<Self.caseCount {
            let text = values.value()
            var members = [JSONMember("text", text)]
            if Bool.random(using: &values.generator) { members.insert(JSONMember("other", values.value()), at: 0) }
            let data = JSONValue.object(members)
            var error: ValidationError?
            do { try schema.validate(taskData: data) } catch let thrown { error = thrown }
            if text.stringValue != nil {
                #expect(error == nil)
            } else {
                #expect(error == ValidationError(field: "data.text", message: "must be a string, not \(text.typeName)"))
            }
            var withoutText = members
            withoutText.removeAll { $0.key == "text" }
            do {
                try schema.validate(taskData: .object(withoutText))
                Issue.record("data without text accepted")
            } catch let thrown {
                #expect(thrown.field == "data.text")
            }
        }
    }
}
