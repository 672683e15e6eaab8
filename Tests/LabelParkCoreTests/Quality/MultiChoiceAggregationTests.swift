import LabelParkCore
import Testing

@Suite("Multi-choice truth inference, one yes/no question per option")
struct MultiChoiceAggregationTests {
    // Options a, b, c (codes 0, 1, 2); annotators 0, 1, 2.
    // Task 0: {a, b}, {a}, {a, c}. Task 1: {b}, {} (answered, nothing ticked). Task 2: {a} by annotator 0 alone.
    static let answers = [
        MultiChoiceObservation(task: 0, annotator: 0, selected: [0, 1]),
        MultiChoiceObservation(task: 0, annotator: 1, selected: [0]),
        MultiChoiceObservation(task: 0, annotator: 2, selected: [2, 0]),
        MultiChoiceObservation(task: 1, annotator: 0, selected: [1]),
        MultiChoiceObservation(task: 1, annotator: 1, selected: []),
        MultiChoiceObservation(task: 2, annotator: 0, selected: [0]),
    ]

    @Test("majority vote per option: votes, shares, and a strict majority to include an option")
    func majority() throws {
        let result = try MultiChoiceAggregation.aggregate(
            optionCount: 3, taskCount: 3, annotatorCount: 3, answers: Self.answers)
        #expect(result.map(\.annotationCount) == [3, 2, 1])
        // Task 0: a 3 of 3, b 1 of 3, c 1 of 3 → only a has a majority.
        #expect(result[0].options.map(\.votes) == [3, 1, 1])
        #expect(result[0].options.map(\.voteShare) == [1, 1.0 / 3, 1.0 / 3])
        #expect(result[0].majoritySelection == [0])
        // Task 1: b 1 of 2 is a tie between ticked and not, so it stays out: nothing is selected.
        #expect(result[1].options.map(\.votes) == [0, 1, 0] && result[1].options[1].voteShare == 0.5)
        #expect(result[1].majoritySelection.isEmpty)
        // Task 2: one annotator, a 1 of 1.
        #expect(result[2].majoritySelection == [0])
    }

    @Test("Dawid-Skene per option is the two-class model fitted to that option's yes/no observations")
    func dawidSkene() throws {
        let result = try MultiChoiceAggregation.aggregate(
            optionCount: 3, taskCount: 3, annotatorCount: 3, answers: Self.answers)
        let perOption = try LabelObservations.perOption(
            optionCount: 3, taskCount: 3, annotatorCount: 3, answers: Self.answers)
        for option in 0..<3 {
            let model = DawidSkene().fit(perOption[option])
            for task in 0..<3 {
                #expect(result[task].options[option].dawidSkeneProbability == model.probabilities(ofTask: task)[1])
            }
        }
        // Three of three ticked a on task 0; nobody ever ticked c except once: a is in, c is out.
        #expect(result[0].options[0].dawidSkeneProbability > 0.5)
        #expect(result[1].options[2].dawidSkeneProbability < 0.5)
        #expect(result[0].dawidSkeneSelection.contains(0) && !result[1].dawidSkeneSelection.contains(2))
    }

    @Test("the selection is the options with a posterior of at least one half; confidences multiply")
    func selectionAndConfidence() {
        let aggregate = MultiChoiceAggregate(
            task: 0, annotationCount: 2,
            options: [0.9, 0.2, 0.5].map {
                OptionVerdict(votes: 1, voteShare: 0.5, majorityPresent: false, dawidSkeneProbability: $0)
            })
        // 0.9 ≥ 0.5 in, 0.2 out, exactly 0.5 in.
        #expect(aggregate.dawidSkeneSelection == [0, 2])
        // Each option's confidence is max(p, 1 − p): 0.9, 0.8, 0.5; the selection's is their product 0.36.
        #expect(aggregate.options.map(\.dawidSkeneConfidence) == [0.9, 0.8, 0.5])
        #expect(abs(aggregate.dawidSkeneConfidence - 0.36) < 1e-15)
    }

    @Test("degenerate: no options, no answers, a task nobody answered")
    func degenerate() throws {
        // No options: every task still gets its annotation count, an empty selection and confidence 1.
        let optionless = try MultiChoiceAggregation.aggregate(
            optionCount: 0, taskCount: 1, annotatorCount: 1,
            answers: [MultiChoiceObservation(task: 0, annotator: 0, selected: [])])
        #expect(optionless.count == 1 && optionless[0].annotationCount == 1 && optionless[0].options.isEmpty)
        #expect(optionless[0].dawidSkeneConfidence == 1)
        // Task 1 has no answers: zero votes and shares, not a majority, and no crash.
        let unanswered = try MultiChoiceAggregation.aggregate(
            optionCount: 2, taskCount: 2, annotatorCount: 1,
            answers: [MultiChoiceObservation(task: 0, annotator: 0, selected: [1])])
        #expect(unanswered[1].annotationCount == 0 && unanswered[1].options.map(\.votes) == [0, 0])
        #expect(unanswered[1].options.map(\.voteShare) == [0, 0] && unanswered[1].majoritySelection.isEmpty)
        #expect(
            try MultiChoiceAggregation.aggregate(optionCount: 2, taskCount: 0, annotatorCount: 0, answers: []).isEmpty)
        // An option code beyond the question's is refused.
        #expect(throws: TruthInferenceError.labelOutOfRange(label: 2, classCount: 2)) {
            try MultiChoiceAggregation.aggregate(
                optionCount: 2, taskCount: 1, annotatorCount: 1,
                answers: [MultiChoiceObservation(task: 0, annotator: 0, selected: [2])])
        }
    }
}
