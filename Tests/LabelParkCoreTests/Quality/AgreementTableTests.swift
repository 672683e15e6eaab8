import LabelParkCore
import Testing

/// Builds rating tables from rater × unit grids, the layout of the Python `krippendorff` package's reliability data.
enum AgreementGrid {
    /// `grid[rater][unit]`, `nil` for a unit the rater skipped; raters and units are numbered from 0.
    static func table<Category: Hashable>(_ grid: [[Category?]]) -> RatingTable<Int, Int, Category> {
        var observations: [(unit: Int, rater: Int, category: Category)] = []
        for (rater, row) in grid.enumerated() {
            for (unit, value) in row.enumerated() {
                if let value { observations.append((unit, rater, value)) }
            }
        }
        return RatingTable(observations)
    }

    /// The mixed example: 4 raters × 10 units of labels a, b, c with gaps, used across the agreement suites.
    static let mixed: [[String?]] = [
        ["a", "a", "b", "c", "a", nil, "b", "a", "c", "a"],
        ["a", "b", "b", "c", nil, "b", "b", "a", "c", nil],
        ["a", "a", "b", "b", "a", "b", nil, "c", "c", "b"],
        [nil, "a", "c", "c", "a", "b", "b", nil, nil, "c"],
    ]
}

@Suite("Rating table and consensus agreement")
struct AgreementTableTests {
    @Test("codes units, raters and categories in order of first appearance")
    func coding() {
        let table = RatingTable([
            (unit: "t2", rater: "ann", category: "pos"), (unit: "t1", rater: "bob", category: "neg"),
            (unit: "t2", rater: "bob", category: "pos"),
        ])
        #expect(table.units == ["t2", "t1"])
        #expect(table.raters == ["ann", "bob"])
        #expect(table.categories == ["pos", "neg"])
        #expect(table.ratingCount == 3)
    }

    @Test("a repeated (unit, rater) keeps the later rating")
    func laterRatingWins() {
        // bob first says neg on t1, then revises to pos: ann and bob then agree on t1, so kappa is perfect.
        let table = RatingTable([
            (unit: 1, rater: "bob", category: "neg"), (unit: 1, rater: "ann", category: "pos"),
            (unit: 2, rater: "ann", category: "neg"), (unit: 2, rater: "bob", category: "neg"),
            (unit: 1, rater: "bob", category: "pos"),
        ])
        #expect(table.ratingCount == 4)
        let kappa = table.cohensKappa(between: "ann", and: "bob")
        #expect(kappa?.agreements == 2 && kappa?.kappa == 1)
    }

    @Test("statistics do not depend on the order of the observations")
    func orderIndependent() {
        var observations: [(unit: Int, rater: Int, category: String)] = []
        for (rater, row) in AgreementGrid.mixed.enumerated() {
            for (unit, value) in row.enumerated() { if let value { observations.append((unit, rater, value)) } }
        }
        let original = RatingTable(observations)
        var generator = SplitMix64(seed: 3)
        for _ in 0..<20 {
            observations.shuffle(using: &generator)
            let shuffled = RatingTable(observations)
            var summary = shuffled.agreementSummary()
            let expected = original.agreementSummary()
            // The pairs' kappas are summed in rater-code order, which follows the input: only the last bit may move.
            #expect(abs(summary.meanPairwiseCohensKappa! - expected.meanPairwiseCohensKappa!) < 1e-15)
            summary.meanPairwiseCohensKappa = expected.meanPairwiseCohensKappa
            #expect(summary == expected)
            let consensus = Dictionary(uniqueKeysWithValues: shuffled.consensusAgreement().map { ($0.rater, $0) })
            for agreement in original.consensusAgreement() { #expect(consensus[agreement.rater] == agreement) }
        }
    }

    @Test("consensus agreement on the mixed example, ties skipped")
    func consensusMixed() {
        let agreement = AgreementGrid.table(AgreementGrid.mixed).consensusAgreement()
        // Rater 0 rated units 0–4 and 6–9. The others' majority: u0 a, u1 a (b,a,a), u2 b (b,b,c), u3 c (c,b,c),
        // u4 a, u6 b, u8 c; u7 (a,c) and u9 (b,c) are ties, skipped. Rater 0 matches all 7.
        // Rater 1: u0 a ✓, u1 a ✗ (chose b), u2 b ✓, u3 c ✓, u5 b ✓, u6 b ✓, u8 c ✓; u7 (a,c) tie: 6 of 7.
        // Rater 2: u0 a ✓, u1 a ✓, u2 b ✓, u3 c ✗ (chose b), u4 a ✓, u5 b ✓, u7 a ✗ (chose c), u8 c ✓;
        //          u9 (a,c) tie: 6 of 8.
        // Rater 3: u1 a ✓, u2 b ✗ (chose c), u3 c ✓, u4 a ✓, u5 b ✓, u6 b ✓; u9 (a,b) tie: 5 of 6.
        // (The same counts from a plain-Python leave-one-out majority over the grid.)
        #expect(
            agreement == [
                ConsensusAgreement(rater: 0, comparedUnits: 7, matchingUnits: 7),
                ConsensusAgreement(rater: 1, comparedUnits: 7, matchingUnits: 6),
                ConsensusAgreement(rater: 2, comparedUnits: 8, matchingUnits: 6),
                ConsensusAgreement(rater: 3, comparedUnits: 6, matchingUnits: 5),
            ])
        #expect(agreement[2].share == 0.75)
    }

    @Test("consensus: a rater alone on every unit has nothing to compare with")
    func consensusDegenerate() {
        // Rater 0 rates unit 0 alone; raters 1 and 2 share unit 1 and disagree, each facing a single other rating.
        let agreement = AgreementGrid.table([["a", nil], [nil, "a"], [nil, "b"]]).consensusAgreement()
        #expect(agreement[0].comparedUnits == 0 && agreement[0].share == nil)
        #expect(agreement[1] == ConsensusAgreement(rater: 1, comparedUnits: 1, matchingUnits: 0))
        #expect(agreement[2].share == 0)
        // Two raters, the same label everywhere: each matches the other on every unit.
        let same = AgreementGrid.table([["x", "x"], ["x", "x"]]).consensusAgreement()
        #expect(same.allSatisfy { $0.comparedUnits == 2 && $0.share == 1 })
    }

    @Test("an empty table has no statistic")
    func empty() {
        let table = RatingTable([(unit: Int, rater: Int, category: String)]())
        let summary = table.agreementSummary()
        #expect(summary.ratingCount == 0 && summary.pairableUnitCount == 0)
        #expect(summary.meanPairwiseCohensKappa == nil && summary.fleissKappa == nil)
        #expect(summary.krippendorffAlphaNominal == nil && summary.krippendorffAlphaInterval == nil)
        #expect(table.consensusAgreement().isEmpty && table.pairwiseCohensKappa().isEmpty)
    }

    @Test("the summary gathers the statistics and writes them as JSON")
    func summary() {
        let table = AgreementGrid.table(AgreementGrid.mixed)
        let summary = table.agreementSummary()
        #expect(summary.unitCount == 10 && summary.raterCount == 4 && summary.ratingCount == 33)
        #expect(summary.pairableUnitCount == 10)
        #expect(summary.krippendorffAlphaNominal == table.krippendorffAlphaNominal())
        #expect(summary.krippendorffAlphaInterval == nil)
        #expect(
            summary.json.jsonText
                == #"{"units":10,"raters":4,"ratings":33,"pairable_units":10,"#
                + #""mean_pairwise_cohens_kappa":0.4617794011544012,"fleiss_kappa":0.5210416666666667,"#
                + #""krippendorff_alpha_nominal":0.5111111111111111,"krippendorff_alpha_interval":null}"#)
    }
}
