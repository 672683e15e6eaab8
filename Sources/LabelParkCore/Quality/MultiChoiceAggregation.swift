/// What the crowd says about one option of one multi-choice task.
public struct OptionVerdict: Sendable, Hashable {
    /// Annotators of the task who ticked the option.
    public var votes: Int
    /// `votes` ÷ the task's annotations; 0 for a task without annotations.
    public var voteShare: Double
    /// Majority vote on "ticked or not": true only when strictly more than half ticked it (a tie means absent).
    public var majorityPresent: Bool
    /// Dawid-Skene's posterior probability that the option applies.
    public var dawidSkeneProbability: Double

    public init(votes: Int, voteShare: Double, majorityPresent: Bool, dawidSkeneProbability: Double) {
        self.votes = votes
        self.voteShare = voteShare
        self.majorityPresent = majorityPresent
        self.dawidSkeneProbability = dawidSkeneProbability
    }

    /// Whether Dawid-Skene includes the option: a posterior of at least one half.
    public var dawidSkenePresent: Bool { dawidSkeneProbability >= 0.5 }

    /// The posterior of Dawid-Skene's own decision, present or absent: max(p, 1 − p).
    public var dawidSkeneConfidence: Double { max(dawidSkeneProbability, 1 - dawidSkeneProbability) }
}

/// The aggregated answer of one multi-choice task: a verdict per option, in the question's option order.
public struct MultiChoiceAggregate: Sendable, Hashable {
    /// The task's code.
    public var task: Int
    /// How many annotations the verdicts rest on.
    public var annotationCount: Int
    /// One verdict per option code.
    public var options: [OptionVerdict]

    public init(task: Int, annotationCount: Int, options: [OptionVerdict]) {
        self.task = task
        self.annotationCount = annotationCount
        self.options = options
    }

    /// The codes of the options majority vote includes, ascending.
    public var majoritySelection: [Int] { options.indices.filter { options[$0].majorityPresent } }

    /// The codes of the options Dawid-Skene includes, ascending.
    public var dawidSkeneSelection: [Int] { options.indices.filter { options[$0].dawidSkenePresent } }

    /// The probability of exactly Dawid-Skene's selection when the options are independent: the product of each
    /// option's confidence; 1 for a question without options.
    public var dawidSkeneConfidence: Double { options.reduce(1) { $0 * $1.dawidSkeneConfidence } }
}

/// Truth inference for a multi-choice question: every option becomes a yes/no question, aggregated on its own by
/// majority vote and by a two-class Dawid-Skene model (binary relevance).
public enum MultiChoiceAggregation {
    /// One aggregate per task code, 0..<taskCount; a task without answers gets zero votes and the priors.
    public static func aggregate(
        optionCount: Int, taskCount: Int, annotatorCount: Int, answers: [MultiChoiceObservation],
        dawidSkene: DawidSkene = DawidSkene()
    ) throws(TruthInferenceError) -> [MultiChoiceAggregate] {
        let perOption = try LabelObservations.perOption(
            optionCount: optionCount, taskCount: taskCount, annotatorCount: annotatorCount, answers: answers)
        let votes = perOption.map(MajorityVote.aggregate)
        let models = perOption.map(dawidSkene.fit)
        var annotationCounts = [Int](repeating: 0, count: taskCount)
        for answer in answers {
            // perOption checks codes only through the options' observations, so a question without options would not.
            guard answer.task >= 0, answer.task < taskCount else {
                throw .taskOutOfRange(task: answer.task, taskCount: taskCount)
            }
            annotationCounts[answer.task] += 1
        }
        return (0..<taskCount).map { task in
            let annotationCount = annotationCounts[task]
            let verdicts = (0..<optionCount).map { option in
                let range = perOption[option].annotationRange(ofTask: task)
                let ticked = range.reduce(0) { $0 + perOption[option].label(at: $1) }
                return OptionVerdict(
                    votes: ticked, voteShare: range.isEmpty ? 0 : Double(ticked) / Double(range.count),
                    // Lowest-code tie-breaking makes a tie "absent" (code 0): an option needs a strict majority.
                    majorityPresent: !range.isEmpty && votes[option][task].label == 1,
                    dawidSkeneProbability: models[option].probabilities(ofTask: task)[1])
            }
            return MultiChoiceAggregate(task: task, annotationCount: annotationCount, options: verdicts)
        }
    }
}
