import LabelParkCore
import Testing

@Suite("Cohen's and Fleiss' kappa")
struct AgreementKappaTests {
    /// Two raters' labels over the same units, in unit order.
    func pair(_ first: [String], _ second: [String]) -> RatingTable<Int, String, String> {
        RatingTable(
            first.indices.flatMap { unit in
                [(unit: unit, rater: "A", category: first[unit]), (unit: unit, rater: "B", category: second[unit])]
            })
    }

    @Test("Cohen's kappa of the textbook 50-unit example is 0.4")
    func cohensTextbook() throws {
        // Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15. pₒ = 35/50 = 0.7. A says yes 25 times, B 30 times:
        // pₑ = 0.5·0.6 + 0.5·0.4 = 0.5. κ = (0.7 − 0.5)/(1 − 0.5) = 0.4 (scikit-learn 1.9.1: 0.4).
        let first = Array(repeating: "yes", count: 25) + Array(repeating: "no", count: 25)
        let second =
            Array(repeating: "yes", count: 20) + Array(repeating: "no", count: 5) + Array(repeating: "yes", count: 10)
            + Array(repeating: "no", count: 15)
        let kappa = try #require(pair(first, second).cohensKappa(between: "A", and: "B"))
        #expect(kappa.sharedUnits == 50 && kappa.agreements == 35)
        // Σ_c: yes 25·30 + no 25·20 = 1250 = 50²·0.5.
        #expect(kappa.marginalProductSum == 1_250)
        #expect(kappa.observedAgreement == 0.7 && kappa.expectedAgreement == 0.5)
        #expect(abs(kappa.kappa - 0.4) < 1e-15)
    }

    @Test("Cohen's kappa degenerate cases")
    func cohensDegenerate() {
        // Both always "a": pₑ = 1, κ = 0/0, defined as 1 (scikit-learn: NaN unless replace_undefined_by=1.0).
        #expect(pair(["a", "a", "a"], ["a", "a", "a"]).cohensKappa(between: "A", and: "B")?.kappa == 1)
        // A always "a", B half "a": agreements 2 of 4, Σ_c = 4·2 = 8: κ = (4·2 − 8)/(16 − 8) = 0 (scikit-learn 0.0).
        #expect(pair(["a", "a", "a", "a"], ["a", "a", "b", "b"]).cohensKappa(between: "A", and: "B")?.kappa == 0)
        // Complete disagreement with balanced labels: pₒ = 0, pₑ = 0.5: κ = −1 (scikit-learn -1.0).
        #expect(pair(["a", "b"], ["b", "a"]).cohensKappa(between: "A", and: "B")?.kappa == -1)
        // One shared unit, disagreeing: N = 1, agreements 0, Σ = 0: κ = 0/1 = 0.
        #expect(pair(["a"], ["b"]).cohensKappa(between: "A", and: "B")?.kappa == 0)
        // No shared unit, an unknown rater, or a rater with themselves: no kappa.
        let disjoint = RatingTable([(unit: 1, rater: "A", category: "a"), (unit: 2, rater: "B", category: "a")])
        #expect(disjoint.cohensKappa(between: "A", and: "B") == nil)
        #expect(disjoint.pairwiseCohensKappa().isEmpty && disjoint.meanPairwiseCohensKappa() == nil)
        #expect(pair(["a"], ["a"]).cohensKappa(between: "A", and: "Z") == nil)
        #expect(pair(["a"], ["a"]).cohensKappa(between: "A", and: "A") == nil)
    }

    @Test("pairwise Cohen's kappa on the mixed example equals scikit-learn per pair")
    func pairwiseMixed() throws {
        let table = AgreementGrid.table(AgreementGrid.mixed)
        let pairs = table.pairwiseCohensKappa()
        #expect(pairs.map { [$0.first, $0.second] } == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]])
        // Raters 0 and 1 share units 0–3 and 6–8 (7); they differ only on u1: 6 agreements. Rater 0: a 3, b 2, c 2;
        // rater 1: a 2, b 3, c 2; Σ_c = 6 + 6 + 4 = 16. κ = (7·6 − 16)/(49 − 16) = 26/33.
        #expect(pairs[0].sharedUnits == 7 && pairs[0].agreements == 6 && pairs[0].marginalProductSum == 16)
        // scikit-learn 1.9.1 cohen_kappa_score over each pair's shared units.
        let expected = [
            0.7878787878787878, 0.4285714285714286, 0.5199999999999999, 0.34375, 0.33333333333333337,
            0.3571428571428571,
        ]
        for (kappa, reference) in zip(pairs, expected) { #expect(abs(kappa.kappa - reference) < 1e-12) }
        // numpy.mean of the six.
        let mean = try #require(table.meanPairwiseCohensKappa())
        #expect(abs(mean - 0.4617794011544012) < 1e-12)
    }

    @Test("every pair found by the grouped pass equals the direct two-rater count")
    func pairwiseMatchesDirect() throws {
        var generator = SplitMix64(seed: 11)
        var observations: [(unit: Int, rater: Int, category: Int)] = []
        for unit in 0..<300 {
            // 2–5 raters from a pool of 12 on each unit, 4 categories.
            var raters = Array(0..<12)
            raters.shuffle(using: &generator)
            for rater in raters.prefix(Int.random(in: 2...5, using: &generator)) {
                observations.append((unit, rater, Int.random(in: 0..<4, using: &generator)))
            }
        }
        let table = RatingTable(observations)
        let pairs = table.pairwiseCohensKappa()
        var pairCount = 0
        for first in table.raters {
            for second in table.raters where first != second {
                guard let direct = table.cohensKappa(between: first, and: second) else { continue }
                pairCount += 1
                guard first < second else { continue }
                let grouped = try #require(
                    pairs.first { Set([$0.first, $0.second]) == Set([first, second]) }, "\(first)-\(second)")
                #expect(grouped.sharedUnits == direct.sharedUnits && grouped.agreements == direct.agreements)
                #expect(grouped.marginalProductSum == direct.marginalProductSum)
            }
        }
        #expect(pairs.count * 2 == pairCount)
    }

    /// A table from Fleiss-style counts: `counts[unit][category]` raters chose that category, raters numbered on.
    func fleissTable(_ counts: [[Int]]) -> RatingTable<Int, Int, Int> {
        var observations: [(unit: Int, rater: Int, category: Int)] = []
        for (unit, row) in counts.enumerated() {
            var rater = 0
            for (category, count) in row.enumerated() {
                for _ in 0..<count {
                    observations.append((unit, rater, category))
                    rater += 1
                }
            }
        }
        return RatingTable(observations)
    }

    @Test("Fleiss' kappa of the 10 subjects × 14 raters × 5 categories example is 0.210")
    func fleissTextbook() throws {
        let counts = [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]
        // Σ_i Σ_j nᵢⱼ(nᵢⱼ − 1) by row: 182, 46, 56, 80, 60, 84, 44, 32, 52, 52 = 688; P̄ = 688/(10·14·13) = 0.378022.
        // Category totals 20, 28, 39, 21, 32 of 140: P̄ₑ = (400 + 784 + 1521 + 441 + 1024)/140² = 4170/19600
        // = 0.212755.
        // κ = (0.378022 − 0.212755)/(1 − 0.212755) = 0.209931. statsmodels 0.15.0 fleiss_kappa: 0.20993070442195522.
        let kappa = try #require(fleissTable(counts).fleissKappa())
        #expect(abs(kappa - 0.20993070442195522) < 1e-12)
        let handWorked = (688.0 / 1820 - 4170.0 / 19600) / (1 - 4170.0 / 19600)
        #expect(abs(kappa - handWorked) < 1e-15)
    }

    @Test("Fleiss' kappa with differing ratings per unit uses each unit's own count")
    func fleissVaryingCounts() throws {
        // The mixed example: units of 3 or 4 ratings. Per unit Pᵢ: u0 aaa 1, u1 abaa 6/12, u2 bbbc 6/12, u3 ccbc 6/12,
        // u4 aaa 1, u5 bbb 1, u6 bbb 1, u7 aac 2/6, u8 ccc 1, u9 abc 0: P̄ = 6.8333/10 = 0.683333.
        // Totals a 12, b 12, c 9 of 33: P̄ₑ = (144 + 144 + 81)/1089 = 0.338843.
        // κ = (0.683333 − 0.338843)/(1 − 0.338843) = 0.5210416666666667 (the same formula in plain Python).
        let kappa = try #require(AgreementGrid.table(AgreementGrid.mixed).fleissKappa())
        #expect(abs(kappa - 0.5210416666666667) < 1e-12)
        // A unit rated once is left out entirely: adding one changes nothing.
        let withSingle = AgreementGrid.table(
            AgreementGrid.mixed.map { $0 + [nil] } + [Array(repeating: nil, count: 10) + ["a"]])
        #expect(withSingle.fleissKappa() == kappa)
    }

    @Test("Fleiss' kappa degenerate cases")
    func fleissDegenerate() {
        // Every rating the same category: P̄ = P̄ₑ = 1, defined as 1.
        #expect(fleissTable([[3, 0], [3, 0]]).fleissKappa() == 1)
        // Only single-rating units: nothing to compare.
        #expect(AgreementGrid.table([["a", nil], [nil, "b"]]).fleissKappa() == nil)
        // Two raters always disagreeing on two balanced categories: P̄ = 0, P̄ₑ = 0.5, κ = −1.
        #expect(fleissTable([[1, 1], [1, 1]]).fleissKappa() == -1)
    }
}
