import LabelParkCore
import Testing

@Suite("Majority vote")
struct MajorityVoteTests {
    @Test("unanimous, one vote, a plain majority and an empty task")
    func plainCases() throws {
        let observations = try grouped(
            [
                (0, 0, 2), (0, 1, 2), (0, 2, 2),  // unanimous for 2
                (1, 0, 1),  // one vote
                (2, 0, 0), (2, 1, 1), (2, 2, 1), (2, 3, 1),  // 3 of 4 for 1
            ], classCount: 3, taskCount: 4)
        let results = MajorityVote.aggregate(observations)
        #expect(results.count == 4)
        #expect(results[0] == TaskPosterior(label: 2, confidence: 1, annotationCount: 3))  // 3/3
        #expect(results[1] == TaskPosterior(label: 1, confidence: 1, annotationCount: 1))  // 1/1
        #expect(results[2] == TaskPosterior(label: 1, confidence: 0.75, annotationCount: 4))  // 3/4
        // Task 3 has no annotations: label 0, confidence 0, and the count that says so.
        #expect(results[3] == TaskPosterior(label: 0, confidence: 0, annotationCount: 0))
    }

    @Test("ties go to the lowest code, whatever order the votes came in")
    func tiesLowestCode() throws {
        let observations = try grouped(
            [
                (0, 0, 2), (0, 1, 1),  // 1 against 2 → 1
                (1, 0, 1), (1, 1, 2),  // the same, other order → 1
                (2, 0, 3), (2, 1, 0), (2, 2, 3), (2, 3, 0), (2, 4, 2),  // 0 and 3 tie at 2 of 5 → 0
            ], classCount: 4)
        let results = MajorityVote.aggregate(observations)
        #expect(results[0] == TaskPosterior(label: 1, confidence: 0.5, annotationCount: 2))
        #expect(results[1] == TaskPosterior(label: 1, confidence: 0.5, annotationCount: 2))
        #expect(results[2] == TaskPosterior(label: 0, confidence: 0.4, annotationCount: 5))  // 2/5
    }

    @Test("a seeded generator breaks ties reproducibly, among the tied labels only")
    func tiesWithGenerator() throws {
        // 200 tasks, each a 2–2 tie between labels 1 and 3 with one vote for 0.
        var triples: [(Int, Int, Int)] = []
        for task in 0..<200 {
            triples += [(task, 0, 3), (task, 1, 1), (task, 2, 0), (task, 3, 1), (task, 4, 3)]
        }
        let observations = try grouped(triples, classCount: 4)
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        let results = MajorityVote.aggregate(observations, breakingTiesWith: &first)
        #expect(results == MajorityVote.aggregate(observations, breakingTiesWith: &second))
        #expect(results.allSatisfy { ($0.label == 1 || $0.label == 3) && $0.confidence == 0.4 })  // 2/5
        let ones = results.filter { $0.label == 1 }.count
        // Uniform choice: a count this far from 100 of 200 is below one chance in a million.
        #expect(ones > 60 && ones < 140)
    }

    @Test("the generator is not drawn from for tasks without a tie")
    func generatorUntouchedWithoutTies() throws {
        let observations = try grouped([(0, 0, 1), (0, 1, 1), (1, 0, 0)], classCount: 2)
        var generator = SplitMix64(seed: 3)
        var untouched = SplitMix64(seed: 3)
        let results = MajorityVote.aggregate(observations, breakingTiesWith: &generator)
        #expect(results.map(\.label) == [1, 0])
        #expect(generator.next() == untouched.next())
    }

    @Test("no observations at all")
    func empty() throws {
        let none = try grouped([], classCount: 3)
        #expect(MajorityVote.aggregate(none).isEmpty)
        let unannotated = try grouped([], classCount: 3, taskCount: 2)
        #expect(MajorityVote.aggregate(unannotated).map(\.annotationCount) == [0, 0])
    }
}

@Suite("Truth inference inputs")
struct TruthInferenceInputTests {
    @Test("observations are grouped by task, keeping their order within a task")
    func grouping() throws {
        let observations = try grouped([(1, 0, 1), (0, 2, 0), (1, 1, 0), (0, 0, 1)], classCount: 2, taskCount: 3)
        #expect(observations.count == 4)
        #expect(observations.annotationRange(ofTask: 0) == 0..<2)
        #expect(observations.annotationRange(ofTask: 1) == 2..<4)
        #expect(observations.annotationRange(ofTask: 2) == 4..<4)
        #expect([0, 1, 2, 3].map(observations.annotator(at:)) == [2, 0, 0, 1])
        #expect([0, 1, 2, 3].map(observations.label(at:)) == [0, 1, 1, 0])
    }

    @Test("codes out of range are rejected, naming the code")
    func rejections() {
        func attempt(_ observation: LabelObservation, classCount: Int = 2) -> TruthInferenceError? {
            do {
                _ = try LabelObservations(
                    classCount: classCount, taskCount: 2, annotatorCount: 2, observations: [observation])
                return nil
            } catch { return error }
        }
        #expect(attempt(.init(task: 2, annotator: 0, label: 0)) == .taskOutOfRange(task: 2, taskCount: 2))
        #expect(attempt(.init(task: -1, annotator: 0, label: 0)) == .taskOutOfRange(task: -1, taskCount: 2))
        #expect(
            attempt(.init(task: 0, annotator: 2, label: 0)) == .annotatorOutOfRange(annotator: 2, annotatorCount: 2))
        #expect(attempt(.init(task: 0, annotator: 0, label: 2)) == .labelOutOfRange(label: 2, classCount: 2))
        #expect(attempt(.init(task: 0, annotator: 0, label: -1)) == .labelOutOfRange(label: -1, classCount: 2))
        #expect(attempt(.init(task: 0, annotator: 0, label: 0), classCount: 0) == .classCountOutOfRange(0))
        #expect(attempt(.init(task: 0, annotator: 0, label: 0)) == nil)
    }

    @Test("options are coded in the schema's order")
    func optionCoding() {
        let question = Question(name: "sentiment", kind: .choice(options: ["pos", "neg", "neu"]))
        let coding = OptionCoding(question: question)!
        #expect(coding.classCount == 3)
        #expect(coding.code(of: "neg") == 1)
        #expect(coding.code(of: "other") == nil)
        #expect(coding.option(coded: 2) == "neu")
        let multi = Question(name: "topics", kind: .multiChoice(options: ["a", "b"], minCount: nil, maxCount: nil))
        #expect(OptionCoding(question: multi)?.options == ["a", "b"])
        #expect(OptionCoding(question: Question(name: "note", kind: .text(maxLength: 10))) == nil)
    }

    @Test("a dense index codes ids in order of first appearance")
    func denseIndex() {
        var tasks = DenseIndex<Int64>([904, 17, 904, 3])
        #expect(tasks.ids == [904, 17, 3])
        #expect(tasks.code(of: 17) == 1)
        #expect(tasks.code(of: 5) == nil)
        #expect(tasks.insert(3) == 2)
        #expect(tasks.insert(5) == 3)
        #expect(tasks.count == 4)
        #expect(tasks.id(coded: 3) == 5)
        let users = DenseIndex([UserID(9), UserID(2)])
        #expect(users.code(of: UserID(2)) == 1)
    }

    @Test("a multi-choice question becomes one yes/no question per option")
    func perOption() throws {
        let answers = [
            MultiChoiceObservation(task: 0, annotator: 0, selected: [2, 0]),
            MultiChoiceObservation(task: 0, annotator: 1, selected: [2]),
            MultiChoiceObservation(task: 0, annotator: 2, selected: []),
        ]
        let options = try LabelObservations.perOption(
            optionCount: 3, taskCount: 1, annotatorCount: 3, answers: answers)
        #expect(options.count == 3)
        #expect(options.allSatisfy { $0.classCount == 2 && $0.count == 3 })
        #expect((0..<3).map(options[0].label(at:)) == [1, 0, 0])
        #expect((0..<3).map(options[1].label(at:)) == [0, 0, 0])
        #expect((0..<3).map(options[2].label(at:)) == [1, 1, 0])
        #expect(throws: TruthInferenceError.labelOutOfRange(label: 3, classCount: 3)) {
            try LabelObservations.perOption(
                optionCount: 3, taskCount: 1, annotatorCount: 1,
                answers: [MultiChoiceObservation(task: 0, annotator: 0, selected: [3])])
        }
    }
}
