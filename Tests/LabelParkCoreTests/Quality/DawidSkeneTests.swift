import LabelParkCore
import Testing

@Suite("Dawid-Skene")
struct DawidSkeneTests {
    @Test("zero iterations: majority-vote posteriors and the M-step they give")
    func majorityVoteStart() throws {
        let model = DawidSkene(maxIterations: 0, smoothing: laplace).fit(try tinyDataset())
        #expect(model.iterations == 0)
        #expect(!model.converged)
        #expect(model.objective == nil)
        // Vote shares: task 0 [2/3, 1/3], task 1 [0, 1], task 2 [1/2, 1/2].
        #expect(isClose(model.probabilities(ofTask: 0)[0], 2.0 / 3))
        #expect(model.probabilities(ofTask: 1) == [0, 1])
        #expect(model.probabilities(ofTask: 2) == [0.5, 0.5])
        // Class counts m = [2/3 + 0 + 1/2, 1/3 + 1 + 1/2] = [7/6, 11/6]; p_k = (m_k + 1) / (3 + 2):
        // [13/30, 17/30].
        #expect(isClose(model.priors[0], 13.0 / 30))
        #expect(isClose(model.priors[1], 17.0 / 30))
        // Annotator 0 answered 0 on task 0 ([2/3, 1/3]), 1 on task 1 ([0, 1]), 0 on task 2 ([1/2, 1/2]):
        // n[0][0] = 2/3 + 1/2 = 7/6, n[0][1] = 0, n[1][0] = 1/3 + 1/2 = 5/6, n[1][1] = 1.
        // π[k][l] = (n[k][l] + 1) / (Σ_l n[k][l] + 2): row 0 = [13/6, 1] / (19/6) = [13/19, 6/19],
        // row 1 = [11/6, 2] / (23/6) = [11/23, 12/23].
        let first = model.confusion(ofAnnotator: 0)
        #expect(isClose(first[truth: 0, answer: 0], 13.0 / 19))
        #expect(isClose(first[truth: 0, answer: 1], 6.0 / 19))
        #expect(isClose(first[truth: 1, answer: 0], 11.0 / 23))
        #expect(isClose(first[truth: 1, answer: 1], 12.0 / 23))
        // Annotator 2 answered 1 on tasks 0 and 1: n[0][1] = 2/3, n[1][1] = 1/3 + 1 = 4/3, the rest 0.
        // Row 0 = [1, 5/3] / (8/3) = [3/8, 5/8]; row 1 = [1, 7/3] / (10/3) = [3/10, 7/10].
        let third = model.confusion(ofAnnotator: 2)
        #expect(isClose(third[truth: 0, answer: 0], 3.0 / 8))
        #expect(isClose(third[truth: 1, answer: 1], 7.0 / 10))
        // Accuracy = p_0 π[0][0] + p_1 π[1][1] = 13/30 · 3/8 + 17/30 · 7/10 = 39/240 + 119/300 = 0.5591666…
        #expect(isClose(model.accuracy(ofAnnotator: 2), 13.0 / 30 * 3 / 8 + 17.0 / 30 * 7 / 10))
    }

    @Test("one iteration: the E-step from the majority-vote parameters, by hand")
    func oneIteration() throws {
        let model = DawidSkene(maxIterations: 1, smoothing: laplace).fit(try tinyDataset())
        #expect(model.iterations == 1)
        // With the parameters of the test above (p = [13/30, 17/30], π_a0, π_a1 = [[10/19, 9/19],
        // [8/23, 15/23]], π_a2):
        // task 0, answers 0, 0, 1: joint class 0 = 13/30 · 13/19 · 10/19 · 5/8 = 845/8664,
        //   class 1 = 17/30 · 11/23 · 8/23 · 7/10 = 2618/39675; posterior 0 = 845/8664 / (845/8664 +
        //   2618/39675) = 11175125/18735909 = 0.596454914463985 → label 0.
        // task 1, answers 1, 1, 1: class 0 = 13/30 · 6/19 · 9/19 · 5/8 = 117/2888, class 1 = 17/30 · 12/23 ·
        //   15/23 · 7/10 = 357/2645; posterior 1 = 343672/446827 = 0.769138838968997.
        // task 2, answers 0, 1 (a tie for majority vote): class 0 = 13/30 · 13/19 · 9/19 = 507/3610,
        //   class 1 = 17/30 · 11/23 · 15/23 = 187/1058; posterior 1 = 337535/605738 = 0.557229363190026:
        //   annotator 1 answers 1 more reliably than annotator 0 answers 0.
        #expect(isClose(model.probabilities(ofTask: 0)[0], 11_175_125.0 / 18_735_909))
        #expect(isClose(model.probabilities(ofTask: 1)[1], 343_672.0 / 446_827))
        #expect(isClose(model.probabilities(ofTask: 2)[1], 337_535.0 / 605_738))
        #expect(model.posterior(ofTask: 0).label == 0)
        #expect(model.posterior(ofTask: 1).label == 1)
        let third = model.posterior(ofTask: 2)
        #expect(third.label == 1 && third.annotationCount == 2)
        #expect(isClose(third.confidence, 337_535.0 / 605_738))
        // The M-step after it: m_0 = 0.596454914463985 + 0.230861161031003 + 0.442770636809974 =
        // 1.270086712304962; p_0 = (m_0 + 1) / 5 = 0.454017342460992.
        let posteriorsOfClass0: [Double] = [11_175_125.0 / 18_735_909, 103_155.0 / 446_827, 268_203.0 / 605_738]
        #expect(isClose(model.priors[0], (posteriorsOfClass0.reduce(0, +) + 1) / 5))
        // The objective at that E-step is the log-likelihood Σ_t ln(Σ_k joint) plus the prior's term
        // Σ_k 1 · ln p_k + Σ_a Σ_k Σ_l 1 · ln π_a[k][l], divided by the 8 annotations (ln from the C
        // library, see DawidSkeneMathTests.swift).
        let likelihoods: [Double] = [
            845.0 / 8664 + 2618.0 / 39675, 117.0 / 2888 + 357.0 / 2645, 507.0 / 3610 + 187.0 / 1058,
        ]
        let logLikelihood = likelihoods.map(referenceLog).reduce(0, +)
        let probabilities: [Double] = [
            13.0 / 30, 17.0 / 30,  // p
            13.0 / 19, 6.0 / 19, 11.0 / 23, 12.0 / 23,  // π_a0
            10.0 / 19, 9.0 / 19, 8.0 / 23, 15.0 / 23,  // π_a1
            3.0 / 8, 5.0 / 8, 3.0 / 10, 7.0 / 10,  // π_a2
        ]
        let logPriorDensity = probabilities.map(referenceLog).reduce(0, +)
        #expect(isClose(model.objective!, (logLikelihood + logPriorDensity) / 8))
    }

    @Test("a full fit converges, and posteriors and confusion rows are distributions")
    func convergence() throws {
        let model = DawidSkene(smoothing: laplace).fit(try tinyDataset())
        #expect(model.converged)
        #expect(model.iterations > 1 && model.iterations < 100)
        for task in 0..<3 { #expect(isClose(model.probabilities(ofTask: task).reduce(0, +), 1)) }
        for annotator in 0..<3 {
            let confusion = model.confusion(ofAnnotator: annotator)
            for truth in 0..<2 {
                #expect(isClose(confusion[truth: truth, answer: 0] + confusion[truth: truth, answer: 1], 1))
            }
        }
        #expect(isClose(model.priors.reduce(0, +), 1))
    }

    @Test("a task with one annotation and the default smoothing, one iteration by hand")
    func singleAnnotation() throws {
        let model = DawidSkene(maxIterations: 1).fit(try grouped([(0, 0, 1)], classCount: 3))
        // Start: q = [0, 1, 0]; p = (q + 1) / (1 + 3) = [1/4, 1/2, 1/4].
        // π (α = 1, γ = 1, K = 3): row 1 has n[1][1] = 1, so π[1][1] = (1 + 1 + 1) / (1 + 3 + 1) = 3/5 and
        // π[1][0] = π[1][2] = 1/5; rows 0 and 2 are empty: diagonal 2/4, off-diagonal 1/4.
        // E-step for answer 1: joint = [1/4 · 1/4, 1/2 · 3/5, 1/4 · 1/4] = [1/16, 3/10, 1/16], sum 17/40;
        // posterior = [5/34, 12/17, 5/34].
        let posterior = model.posterior(ofTask: 0)
        #expect(posterior.label == 1)
        #expect(isClose(posterior.confidence, 12.0 / 17))
        #expect(isClose(model.probabilities(ofTask: 0)[0], 5.0 / 34))
        #expect(posterior.annotationCount == 1)
    }

    @Test("an annotator with one annotation gets a finite, smoothed confusion")
    func sparseAnnotator() throws {
        // Annotators 0–2 agree on four tasks; annotator 3 answers task 0 only, against them.
        var triples: [(Int, Int, Int)] = []
        for task in 0..<4 { for annotator in 0..<3 { triples.append((task, annotator, task % 2)) } }
        triples.append((0, 3, 1))
        let model = DawidSkene().fit(try grouped(triples, classCount: 2))
        #expect((0..<4).map { model.posterior(ofTask: $0).label } == [0, 1, 0, 1])
        let sparse = model.confusion(ofAnnotator: 3)
        #expect(sparse.probabilities.allSatisfy { $0 > 0 && $0 < 1 })
        // One wrong answer pulls its accuracy below that of the reliable annotators, but smoothing keeps
        // it far from 0: n[0][1] ≈ 1 gives π[0][0] ≈ (0 + 1 + 1) / (1 + 2 + 1) = 1/2.
        #expect(model.accuracy(ofAnnotator: 3) < model.accuracy(ofAnnotator: 0))
        #expect(model.accuracy(ofAnnotator: 3) > 0.4)
    }

    @Test("every annotation the same label")
    func oneLabelOnly() throws {
        let triples = (0..<5).flatMap { task in (0..<3).map { (task, $0, 2) } }
        let model = DawidSkene().fit(try grouped(triples, classCount: 3))
        #expect(model.converged)
        // At the fixed point each task is almost surely class 2, so m ≈ [0, 0, 5]: p ≈ [1/8, 1/8, 6/8]
        // ((m + 1) / (5 + 3)), π[2][2] ≈ (5 + 1 + 1) / (5 + 3 + 1) = 7/9 and π[k][2] ≈ 1/4 for the empty
        // rows. Posterior of class 2 ≈ 6/8 · (7/9)³ / (6/8 · (7/9)³ + 2 · 1/8 · (1/4)³) = 0.98907.
        for task in 0..<5 {
            #expect(model.posterior(ofTask: task).label == 2)
            #expect(isClose(model.posterior(ofTask: task).confidence, 0.98907, within: 0.002))
        }
        // The priors are the M-step of those posteriors: p_0 = (Σ_t q_t[0] + 1) / (5 + 3), a little above 1/8.
        let mass = (0..<5).map { model.probabilities(ofTask: $0)[0] }.reduce(0, +)
        #expect(isClose(model.priors[0], (mass + 1) / 8))
        #expect(model.priors[0] > 0.125 && model.priors[0] < 0.13)
    }

    @Test("one class: every task is class 0 with certainty")
    func singleClass() throws {
        let model = DawidSkene().fit(try grouped([(0, 0, 0), (0, 1, 0), (1, 1, 0)], classCount: 1))
        #expect(model.posterior(ofTask: 1) == TaskPosterior(label: 0, confidence: 1, annotationCount: 1))
        #expect(model.priors == [1])
        #expect(model.confusion(ofAnnotator: 0).probabilities == [1])
        #expect(model.accuracy(ofAnnotator: 1) == 1)
        // Every log-probability is 0, so the objective is 0 at once; the second E-step sees no gain.
        #expect(model.objective == 0)
        #expect(model.converged && model.iterations == 2)
    }

    @Test("no observations: nothing to fit, tasks get the uniform priors")
    func noObservations() throws {
        let model = DawidSkene().fit(try grouped([], classCount: 4, taskCount: 2))
        #expect(model.converged && model.iterations == 0 && model.objective == nil)
        #expect(model.priors == [0.25, 0.25, 0.25, 0.25])
        #expect(model.posterior(ofTask: 1) == TaskPosterior(label: 0, confidence: 0.25, annotationCount: 0))
        #expect(model.observationCount == 0)
        let empty = DawidSkene().fit(try grouped([], classCount: 2))
        #expect(empty.taskCount == 0 && empty.annotatorCount == 0)
    }

    @Test("a task without annotations among annotated ones gets the priors")
    func unannotatedTask() throws {
        let model = DawidSkene().fit(try grouped([(0, 0, 1), (0, 1, 1), (2, 0, 0)], classCount: 2, taskCount: 3))
        #expect(model.probabilities(ofTask: 1) == model.priors)
        #expect(model.posterior(ofTask: 1).annotationCount == 0)
        // Beyond taskCount too.
        #expect(model.probabilities(ofTask: 7) == model.priors)
    }

    @Test("multi-choice: one yes/no model per option")
    func multiChoice() throws {
        // Five tasks; three annotators tick option 2 on every task and option 0 on task 0 only, one of
        // them alone ticks option 1 on every task.
        var answers: [MultiChoiceObservation] = []
        for task in 0..<5 {
            answers.append(MultiChoiceObservation(task: task, annotator: 0, selected: task == 0 ? [0, 2] : [2]))
            answers.append(MultiChoiceObservation(task: task, annotator: 1, selected: task == 0 ? [2, 0] : [2]))
            answers.append(MultiChoiceObservation(task: task, annotator: 2, selected: [1, 2]))
        }
        let models = try DawidSkene().fitEachOption(optionCount: 3, taskCount: 5, annotatorCount: 3, answers: answers)
        #expect(models.count == 3)
        #expect(models.allSatisfy { $0.classCount == 2 })
        let selections = (0..<5).map { task in (0..<3).filter { models[$0].posterior(ofTask: task).label == 1 } }
        #expect(selections == [[0, 2], [2], [2], [2], [2]])
    }
}
