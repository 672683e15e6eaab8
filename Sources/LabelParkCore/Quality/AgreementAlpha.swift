/// Krippendorff's alpha: α = 1 − Dₒ ÷ Dₑ from the coincidence matrix of pairable values.
///
/// Only units with at least two ratings are pairable; the others are dropped. Within a unit of m ratings every
/// ordered pair of ratings by different raters adds 1 ÷ (m − 1) to the coincidence of their two values, so each
/// pairable rating contributes 1 and n, the number of pairable ratings, is the matrix total. Dₒ is the
/// coincidence-weighted mean of δ² over the matrix, Dₑ the mean of δ² over all pairs of the n pairable values.
/// This is what the Python `krippendorff` package computes for `reliability_data` (raters × units, NaN for a
/// missing rating). It raises or returns NaN where alpha is undefined (no pairable unit, or every pairable value
/// the same); these functions return `nil` there.
extension RatingTable {
    /// Alpha for nominal categories: δ is 0 for equal categories and 1 otherwise.
    public func krippendorffAlphaNominal() -> Double? { coded.krippendorffAlphaNominal() }

    /// Alpha for interval values: δ² is the squared difference of the categories' numeric `value`s.
    public func krippendorffAlphaInterval(value: (Category) -> Double) -> Double? {
        coded.krippendorffAlphaInterval(values: categories.map(value))
    }
}

extension RatingTable where Category: BinaryInteger {
    /// Alpha for interval values, the categories being the values.
    public func krippendorffAlphaInterval() -> Double? { krippendorffAlphaInterval { Double($0) } }
}

extension RatingTable where Category: BinaryFloatingPoint {
    /// Alpha for interval values, the categories being the values.
    public func krippendorffAlphaInterval() -> Double? { krippendorffAlphaInterval { Double($0) } }
}

extension CodedRatings {
    /// 1 − (n − 1)·(n − Σ_c o_cc) ÷ (n² − Σ_c n_c²), where o_cc is the matrix diagonal and n_c its row totals.
    func krippendorffAlphaNominal() -> Double? {
        var diagonal = 0.0
        let (categoryTotals, pairable) = forEachPairableUnit { size, agreeingPairs in
            diagonal += Double(agreeingPairs) / Double(size - 1)
        }
        let sumOfSquares = categoryTotals.reduce(0) { $0 + $1 * $1 }
        let expectedDisagreement = pairable * pairable - sumOfSquares
        guard pairable > 0, expectedDisagreement > 0 else { return nil }
        return 1 - Double(pairable - 1) * (Double(pairable) - diagonal) / Double(expectedDisagreement)
    }

    /// With squared differences Σ over ordered pairs of a set of m values is 2m times their sum of squared deviations
    /// from the mean (SS), so α = 1 − (n − 1)·Σ_u m_u·SS_u ÷ (m_u − 1) ÷ (n·SS), SS over all pairable values.
    func krippendorffAlphaInterval(values: [Double]) -> Double? {
        var categoryTotals = [Int](repeating: 0, count: categoryCount)
        var pairable = 0
        var withinUnits = 0.0
        for unit in 0..<unitCount {
            let range = unitStarts[unit]..<unitStarts[unit + 1]
            let size = range.count
            guard size >= 2 else { continue }
            var sum = 0.0
            for index in range {
                sum += values[Int(categories[index])]
                categoryTotals[Int(categories[index])] += 1
            }
            let mean = sum / Double(size)
            var squaredDeviations = 0.0
            for index in range {
                let deviation = values[Int(categories[index])] - mean
                squaredDeviations += deviation * deviation
            }
            withinUnits += Double(size) * squaredDeviations / Double(size - 1)
            pairable += size
        }
        // Alpha is undefined when every pairable value is the same; testing that directly avoids mistaking rounding
        // noise in SS for variation.
        let present = categoryTotals.indices.filter { categoryTotals[$0] > 0 }.map { values[$0] }
        guard pairable > 0, let lowest = present.min(), let highest = present.max(), lowest < highest else {
            return nil
        }
        var total = 0.0
        for category in 0..<categoryCount { total += Double(categoryTotals[category]) * values[category] }
        let mean = total / Double(pairable)
        var squaredDeviations = 0.0
        for category in 0..<categoryCount where categoryTotals[category] > 0 {
            let deviation = values[category] - mean
            squaredDeviations += Double(categoryTotals[category]) * deviation * deviation
        }
        return 1 - Double(pairable - 1) * withinUnits / (Double(pairable) * squaredDeviations)
    }
}
