import LabelParkCore
import Testing

@Suite("Krippendorff's alpha")
struct AgreementAlphaTests {
    /// Krippendorff's "Computing Krippendorff's Alpha-Reliability" example: 4 coders × 12 units, values 1–5.
    static let paperExample: [[Int?]] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
        [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
    ]

    @Test("the paper's example: nominal 0.743 and interval 0.849")
    func paperExample() throws {
        let table = AgreementGrid.table(Self.paperExample)
        // Unit 12 has one value and is dropped; the rest hold n = 3 + 8·4 + 3 + 2 = 40 pairable values.
        // Nominal: the diagonal Σ_u Σ_c n_uc(n_uc − 1)/(m_u − 1) is 3+2+4+4+4+0+4+2+4+3+2 = 32 (units 1–11).
        // Value totals 1: 9, 2: 13, 3: 10, 4: 5, 5: 3, so Σ n_c² = 384.
        // α = 1 − 39·(40 − 32)/(40² − 384) = 1 − 312/1216 = 0.743421052631579.
        let nominal = try #require(table.krippendorffAlphaNominal())
        #expect(abs(nominal - 0.743421052631579) < 1e-12)  // krippendorff 0.9.0: 0.743421052631579
        #expect(abs(nominal - (1 - 312.0 / 1216)) < 1e-15)
        // Interval: mean of the 40 values 100/40 = 2.5, SS = 9·2.25 + 13·0.25 + 10·0.25 + 5·2.25 + 3·6.25 = 56.
        // Within units, m·SS_u/(m − 1): u2 (2,2,3,2) 4·0.75/3 = 1, u6 (1,2,3,4) 4·5/3 = 20/3, u8 (1,1,2,1) 1; the
        // others are unanimous. α = 1 − 39·(26/3)/(40·56) = 1 − 338/2240 = 0.8491071428571428.
        let interval = try #require(table.krippendorffAlphaInterval())
        #expect(abs(interval - 0.8491071428571428) < 1e-12)  // krippendorff 0.9.0: 0.8491071428571428
        #expect(abs(interval - (1 - 338.0 / 2240)) < 1e-15)
    }

    @Test("equals the krippendorff package on the mixed example and on ratings with gaps")
    func packageValues() throws {
        // krippendorff 0.9.0, level_of_measurement="nominal", labels coded a=0, b=1, c=2 (the coding is irrelevant for
        // nominal data): 0.5111111111111111. By hand: n = 33, diagonal 22, totals 12/12/9 so n² − Σ n_c² = 720;
        // α = 1 − 32·(33 − 22)/720 = 1 − 352/720.
        let mixed = try #require(AgreementGrid.table(AgreementGrid.mixed).krippendorffAlphaNominal())
        #expect(abs(mixed - 0.5111111111111111) < 1e-12)
        let ratings: [[Int?]] = [[1, 2, 3, 3, 2, 1, 4, 1], [1, 2, 3, 3, 2, 2, 4, nil], [nil, 3, 3, 3, 2, 3, 4, 2]]
        let table = AgreementGrid.table(ratings)
        // krippendorff 0.9.0: interval 0.7546728971962616, nominal 0.5751445086705202.
        #expect(abs(try #require(table.krippendorffAlphaInterval()) - 0.7546728971962616) < 1e-12)
        #expect(abs(try #require(table.krippendorffAlphaNominal()) - 0.5751445086705202) < 1e-12)
        // Categories given as strings with an explicit numeric value give the same interval alpha.
        let labelled = AgreementGrid.table(ratings.map { $0.map { $0.map { "r\($0)" } } })
        let viaValues = try #require(labelled.krippendorffAlphaInterval { Double($0.dropFirst())! })
        #expect(abs(viaValues - 0.7546728971962616) < 1e-12)
        // Floating-point categories.
        let real = AgreementGrid.table(ratings.map { $0.map { $0.map(Double.init) } })
        #expect(abs(try #require(real.krippendorffAlphaInterval()) - 0.7546728971962616) < 1e-12)
    }

    @Test("perfect agreement is 1, whatever the gaps")
    func perfect() {
        let table = AgreementGrid.table([["a", "b", nil, "c"], ["a", "b", "c", nil], [nil, "b", "c", "c"]])
        #expect(table.krippendorffAlphaNominal() == 1)
        let numbers = AgreementGrid.table([[1, 5, nil], [1, 5, 3], [nil, 5, 3]])
        #expect(numbers.krippendorffAlphaInterval() == 1)
    }

    @Test("undefined alpha is nil where the krippendorff package raises or returns NaN")
    func undefined() {
        // One value in the whole table: the package raises "There has to be more than one value in the domain."
        #expect(AgreementGrid.table([[1, 1, 1], [1, 1, nil]]).krippendorffAlphaNominal() == nil)
        #expect(AgreementGrid.table([[1, 1, 1], [1, 1, nil]]).krippendorffAlphaInterval() == nil)
        // No unit rated twice: the package raises "There has to be at least one unit with values assigned by at least
        // two coders."
        #expect(AgreementGrid.table([[1, nil], [nil, 2]]).krippendorffAlphaNominal() == nil)
        // The only other value sits in an unpairable unit: the package returns NaN (0/0).
        #expect(AgreementGrid.table([[1, 1, 2], [1, nil, nil]]).krippendorffAlphaNominal() == nil)
        #expect(AgreementGrid.table([[1, 1, 2], [1, nil, nil]]).krippendorffAlphaInterval() == nil)
    }

    @Test("systematic disagreement goes below zero")
    func belowZero() throws {
        // Two coders, two units: (a, b) and (b, a). n = 4, diagonal 0, totals 2 and 2: α = 1 − 3·4/(16 − 8) = −0.5.
        let alpha = try #require(AgreementGrid.table([["a", "b"], ["b", "a"]]).krippendorffAlphaNominal())
        #expect(alpha == -0.5)  // krippendorff 0.9.0: -0.5
    }
}
