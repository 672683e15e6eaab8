import LabelParkCore
import Testing

/// Five annotators of mixed skill over twelve tasks with three classes, some tasks sparsely answered.
private func mixedDataset() throws -> LabelObservations {
    var triples: [(Int, Int, Int)] = []
    for task in 0..<12 {
        let truth = task % 3
        for annotator in 0..<5 where (task + annotator) % 4 != 0 {
            // Annotators 0–2 are right; 3 answers the next class on odd tasks; 4 always answers 0.
            let label = annotator < 3 ? truth : annotator == 3 ? (task % 2 == 1 ? (truth + 1) % 3 : truth) : 0
            triples.append((task, annotator, label))
        }
    }
    return try grouped(triples, classCount: 3)
}

/// Each task's (annotator, label) pairs, in the order the observations hold them.
private func labels(ofTask task: Int, in observations: LabelObservations) -> [(annotator: Int, label: Int)] {
    observations.annotationRange(ofTask: task).map { (observations.annotator(at: $0), observations.label(at: $0)) }
}

@Suite("Dawid-Skene posterior of given annotations")
struct DawidSkenePosteriorTests {
    @Test("two classes, by hand, from the majority-vote parameters")
    func handComputed() throws {
        let model = DawidSkene(maxIterations: 0, smoothing: laplace).fit(try tinyDataset())
        let parameters = model.parameters
        #expect(parameters.classCount == 2 && parameters.annotatorCount == 3)
        // DawidSkeneTests works these out: p = [13/30, 17/30]; annotator 0: π[0][0] = 13/19,
        // π[1][0] = 11/23; annotator 2: π[0][1] = 5/8, π[1][1] = 7/10.
        // Annotator 0 says 0 and annotator 2 says 1:
        // joint = [13/30 · 13/19 · 5/8, 17/30 · 11/23 · 7/10] = [845/4560, 1309/6900] ≈ [0.18531, 0.18971],
        // so class 1 wins with 1309/6900 / (845/4560 + 1309/6900) ≈ 0.50587.
        let class0 = 13.0 / 30 * 13 / 19 * 5 / 8
        let class1 = 17.0 / 30 * 11 / 23 * 7 / 10
        let posterior = try parameters.posterior(of: [(annotator: 0, label: 0), (annotator: 2, label: 1)])
        #expect(posterior.label == 1 && posterior.annotationCount == 2)
        #expect(isClose(posterior.confidence, class1 / (class0 + class1)))
        let probabilities = try parameters.probabilities(of: [(annotator: 2, label: 1), (annotator: 0, label: 0)])
        #expect(isClose(probabilities[0], class0 / (class0 + class1)))
        #expect(isClose(probabilities[1], class1 / (class0 + class1)))
        // The model's own shortcut gives the same.
        #expect(try model.posterior(of: [(annotator: 0, label: 0), (annotator: 2, label: 1)]) == posterior)
    }

    @Test("no annotations: the priors, with the most probable class and a count of 0")
    func noAnnotations() throws {
        let parameters = DawidSkene(maxIterations: 0, smoothing: laplace).fit(try tinyDataset()).parameters
        let none: [(annotator: Int, label: Int)] = []
        let probabilities = try parameters.probabilities(of: none)
        #expect(isClose(probabilities[0], 13.0 / 30) && isClose(probabilities[1], 17.0 / 30))  // p = [13/30, 17/30]
        let posterior = try parameters.posterior(of: none)
        #expect(posterior.label == 1 && posterior.annotationCount == 0)
        #expect(isClose(posterior.confidence, 17.0 / 30))
    }

    @Test("for every fitted task it is the E-step refresh(task:) takes, to the last bit")
    func matchesRefresh() throws {
        let observations = try mixedDataset()
        let model = DawidSkene().fit(observations)
        let parameters = model.parameters
        for task in 0..<observations.taskCount {
            var copy = model
            let refreshed = copy.refresh(task: task)
            let posterior = try parameters.posterior(of: labels(ofTask: task, in: observations))
            #expect(posterior == refreshed, "task \(task)")
        }
    }

    @Test("for every fitted task of a converged fit it is the model's posterior")
    func matchesConvergedFit() throws {
        let observations = try mixedDataset()
        // Tolerance 0 runs until the objective stands still: the parameters are then at their fixed point,
        // where one more E-step moves no posterior, up to the last digits the objective could still see
        // (a flat objective's change is second order in the posteriors', so they agree to about 1e-8).
        let model = DawidSkene(maxIterations: 10_000, tolerance: 0).fit(observations)
        #expect(model.converged)
        let parameters = model.parameters
        for task in 0..<observations.taskCount {
            let posterior = try parameters.posterior(of: labels(ofTask: task, in: observations))
            let fitted = model.posterior(ofTask: task)
            #expect(posterior.label == fitted.label, "task \(task)")
            #expect(posterior.annotationCount == fitted.annotationCount, "task \(task)")
            #expect(isClose(posterior.confidence, fitted.confidence, within: 1e-7), "task \(task)")
        }
    }

    @Test("an unseen annotator counts as a newcomer does in add(_:)")
    func unseenAnnotator() throws {
        let model = DawidSkene().fit(try tinyDataset())
        let parameters = model.parameters
        // A new task answered only by a new annotator: exactly what add(_:) returns for it.
        for label in 0..<2 {
            var grown = model
            let added = try grown.add(LabelObservation(task: 3, annotator: 3, label: label))
            #expect(try parameters.posterior(of: [(annotator: 3, label: label)]) == added)
            // Any code past the fitted annotators is the same newcomer.
            #expect(try parameters.posterior(of: [(annotator: 1_000, label: label)]) == added)
        }
        // And a seen annotator alone on a new task: also one add(_:).
        var grown = model
        let added = try grown.add(LabelObservation(task: 3, annotator: 2, label: 0))
        #expect(try parameters.posterior(of: [(annotator: 2, label: 0)]) == added)
    }

    @Test("an unseen annotator by hand: smoothing only, 2/3 on the diagonal for two classes")
    func unseenAnnotatorByHand() throws {
        let parameters = DawidSkene(maxIterations: 0, smoothing: laplace).fit(try tinyDataset()).parameters
        // Under Laplace smoothing (γ = 0) a newcomer's π is 1/2 everywhere: no information, so alone they
        // leave the priors [13/30, 17/30] and next to annotator 0 and 2 they change nothing.
        let alone = try parameters.probabilities(of: [(annotator: 7, label: 0)])
        #expect(isClose(alone[0], 13.0 / 30) && isClose(alone[1], 17.0 / 30))
        let withOthers = try parameters.posterior(
            of: [(annotator: 0, label: 0), (annotator: 9, label: 0), (annotator: 2, label: 1)])
        let withoutNewcomer = try parameters.posterior(of: [(annotator: 0, label: 0), (annotator: 2, label: 1)])
        #expect(withOthers.label == withoutNewcomer.label && withOthers.annotationCount == 3)
        #expect(isClose(withOthers.confidence, withoutNewcomer.confidence))

        // With the default smoothing (α = 1, γ = 1, β = 1) and nothing fitted: p = [1/2, 1/2] and a
        // newcomer's π = (1 + γ·[k = l]) / (2 + 1): 2/3 right, 1/3 wrong. Two newcomers say 1:
        // joint = [1/2 · 1/3 · 1/3, 1/2 · 2/3 · 2/3] = [1/18, 4/18] → posterior of 1 = 4/5.
        let empty = try DawidSkeneModel(classCount: 2).parameters
        #expect(empty.annotatorCount == 0)
        let two = try empty.posterior(of: [(annotator: 0, label: 1), (annotator: 1, label: 1)])
        #expect(two.label == 1 && two.annotationCount == 2)
        #expect(isClose(two.confidence, 4.0 / 5))
    }

    @Test("equal posteriors go to the lowest class")
    func ties() throws {
        // Nothing fitted, two newcomers disagree: joint = [1/2 · 2/3 · 1/3, 1/2 · 1/3 · 2/3], equal.
        let empty = try DawidSkeneModel(classCount: 2).parameters
        let tie = try empty.posterior(of: [(annotator: 0, label: 1), (annotator: 1, label: 0)])
        #expect(tie.label == 0)
        #expect(isClose(tie.confidence, 0.5))
    }

    @Test("negative annotator codes and labels outside the classes are refused")
    func refusals() throws {
        let parameters = DawidSkene().fit(try tinyDataset()).parameters
        #expect(throws: TruthInferenceError.annotatorOutOfRange(annotator: -1, annotatorCount: 3)) {
            try parameters.posterior(of: [(annotator: -1, label: 0)])
        }
        #expect(throws: TruthInferenceError.labelOutOfRange(label: 2, classCount: 2)) {
            try parameters.posterior(of: [(annotator: 0, label: 2)])
        }
        #expect(throws: TruthInferenceError.labelOutOfRange(label: -1, classCount: 2)) {
            try parameters.probabilities(of: [(annotator: 0, label: -1)])
        }
    }
}

@Suite("Majority vote of given labels")
struct MajorityVoteOfLabelsTests {
    @Test("a plain majority, a tie, one vote and none")
    func cases() throws {
        #expect(
            try MajorityVote.vote(of: [1, 0, 1], classCount: 2)
                == TaskPosterior(label: 1, confidence: 2.0 / 3, annotationCount: 3))  // 2 of 3
        // 2 and 0 tie at 1 of 2: the lowest code, 0, whatever the order.
        #expect(
            try MajorityVote.vote(of: [2, 0], classCount: 3)
                == TaskPosterior(label: 0, confidence: 0.5, annotationCount: 2))
        #expect(
            try MajorityVote.vote(of: [0, 2], classCount: 3)
                == TaskPosterior(label: 0, confidence: 0.5, annotationCount: 2))
        // One vote: 1 of 1.
        #expect(
            try MajorityVote.vote(of: [2], classCount: 3) == TaskPosterior(label: 2, confidence: 1, annotationCount: 1))
        #expect(
            try MajorityVote.vote(of: [], classCount: 3) == TaskPosterior(label: 0, confidence: 0, annotationCount: 0))
    }

    @Test("agrees with aggregate(_:) on every task")
    func matchesAggregate() throws {
        let observations = try mixedDataset()
        let aggregated = MajorityVote.aggregate(observations)
        for task in 0..<observations.taskCount {
            let votes = labels(ofTask: task, in: observations).map(\.label)
            #expect(try MajorityVote.vote(of: votes, classCount: 3) == aggregated[task], "task \(task)")
        }
    }

    @Test("labels outside the classes and an empty class list are refused")
    func refusals() {
        #expect(throws: TruthInferenceError.labelOutOfRange(label: 3, classCount: 3)) {
            try MajorityVote.vote(of: [0, 3], classCount: 3)
        }
        #expect(throws: TruthInferenceError.classCountOutOfRange(0)) {
            try MajorityVote.vote(of: [Int](), classCount: 0)
        }
    }
}

@Suite("Building observations task by task")
struct LabelObservationsBuilderTests {
    @Test("gives the grouping LabelObservations makes, empty tasks included, and the same fit")
    func matchesGroupedInit() throws {
        let expected = try mixedDataset()
        var builder = try LabelObservationsBuilder(classCount: 3)
        for task in 0..<expected.taskCount {
            for (annotator, label) in labels(ofTask: task, in: expected) {
                try builder.append(annotator: annotator, label: label)
            }
            builder.finishTask()
        }
        builder.finishTask()  // a 13th task without annotations
        #expect(builder.taskCount == expected.taskCount + 1 && builder.count == expected.count)
        let built = try builder.build()
        #expect(built.taskCount == 13 && built.annotatorCount == 5 && built.count == expected.count)
        for task in 0..<expected.taskCount {
            #expect(labels(ofTask: task, in: built).elementsEqual(labels(ofTask: task, in: expected), by: ==))
        }
        #expect(built.annotationRange(ofTask: 12).isEmpty)
        let fromBuilder = DawidSkene().fit(built)
        let fromInit = DawidSkene().fit(expected)
        for task in 0..<expected.taskCount {
            #expect(fromBuilder.posterior(ofTask: task) == fromInit.posterior(ofTask: task))
        }
    }

    @Test("an open task with annotations is closed by build; annotator counts are checked")
    func openTaskAndCounts() throws {
        var builder = try LabelObservationsBuilder(classCount: 2)
        try builder.append(annotator: 4, label: 1)
        #expect(builder.taskCount == 0 && builder.count == 1)
        let built = try builder.build()
        #expect(built.taskCount == 1 && built.annotatorCount == 5)  // one past the highest code, 4
        #expect(labels(ofTask: 0, in: built).map(\.annotator) == [4])
        #expect(try builder.build(annotatorCount: 9).annotatorCount == 9)
        #expect(throws: TruthInferenceError.annotatorOutOfRange(annotator: 4, annotatorCount: 3)) {
            try builder.build(annotatorCount: 3)
        }
        #expect(throws: TruthInferenceError.labelOutOfRange(label: 2, classCount: 2)) {
            try builder.append(annotator: 0, label: 2)
        }
        #expect(throws: TruthInferenceError.classCountOutOfRange(0)) {
            try LabelObservationsBuilder(classCount: 0)
        }
        let empty = try LabelObservationsBuilder(classCount: 2).build()
        #expect(empty.taskCount == 0 && empty.annotatorCount == 0 && empty.count == 0)
    }
}
