/// Cohen's kappa of two raters over the units both rated, with nominal categories.
///
/// κ = (pₒ − pₑ) ÷ (1 − pₑ), where pₒ is the share of shared units they put in the same category and pₑ the chance
/// agreement Σ_c (share of the first's ratings in c)·(share of the second's in c). When pₑ = 1 both raters used one
/// and the same category throughout, so pₒ = 1 too and κ is 0 ÷ 0; it is defined as 1 here (scikit-learn returns
/// NaN unless given `replace_undefined_by=1.0`).
public struct CohensKappa<Rater: Hashable>: Hashable {
    public var first: Rater
    public var second: Rater
    /// Units both raters rated.
    public var sharedUnits: Int
    /// Shared units on which they chose the same category.
    public var agreements: Int
    /// Σ_c (first's ratings in c)·(second's ratings in c) over the shared units: sharedUnits² · pₑ.
    public var marginalProductSum: Int

    public init(first: Rater, second: Rater, sharedUnits: Int, agreements: Int, marginalProductSum: Int) {
        self.first = first
        self.second = second
        self.sharedUnits = sharedUnits
        self.agreements = agreements
        self.marginalProductSum = marginalProductSum
    }

    /// pₒ: the share of shared units with the same category.
    public var observedAgreement: Double { Double(agreements) / Double(sharedUnits) }

    /// pₑ: the agreement expected by chance from each rater's category shares.
    public var expectedAgreement: Double { Double(marginalProductSum) / Double(sharedUnits * sharedUnits) }

    /// κ, 1 when chance agreement is already perfect.
    public var kappa: Double {
        RaterPairCounts(shared: sharedUnits, agreements: agreements, marginalProductSum: marginalProductSum).kappa
    }
}

extension CohensKappa: Sendable where Rater: Sendable {}

extension RatingTable {
    /// Cohen's kappa of two raters over the units both rated; `nil` when they share no unit, a rater is unknown,
    /// or both are the same rater.
    public func cohensKappa(between first: Rater, and second: Rater) -> CohensKappa<Rater>? {
        guard let firstCode = raterCodes[first], let secondCode = raterCodes[second], firstCode != secondCode
        else { return nil }
        let counts = coded.pairCounts(firstCode, secondCode)
        guard counts.shared > 0 else { return nil }
        return CohensKappa(
            first: first, second: second, sharedUnits: counts.shared, agreements: counts.agreements,
            marginalProductSum: counts.marginalProductSum)
    }

    /// Cohen's kappa of every pair of raters that share at least one unit, the earlier-appearing rater first,
    /// ordered by first then second rater's appearance.
    public func pairwiseCohensKappa() -> [CohensKappa<Rater>] {
        var pairs: [CohensKappa<Rater>] = []
        coded.forEachRaterPair { first, second, counts in
            pairs.append(
                CohensKappa(
                    first: raters[Int(first)], second: raters[Int(second)], sharedUnits: counts.shared,
                    agreements: counts.agreements, marginalProductSum: counts.marginalProductSum))
        }
        return pairs
    }

    /// The unweighted mean of Cohen's kappa over every pair of raters that share a unit; `nil` when no pair does.
    public func meanPairwiseCohensKappa() -> Double? {
        var sum = 0.0
        var count = 0
        coded.forEachRaterPair { _, _, counts in
            sum += counts.kappa
            count += 1
        }
        return count == 0 ? nil : sum / Double(count)
    }

    /// Fleiss' kappa over the units with at least two ratings; `nil` when there is no such unit.
    ///
    /// Fleiss assumed every unit has the same number n of ratings. Units here may differ, so each unit's agreement
    /// uses its own count: Pᵢ = Σ_j nᵢⱼ(nᵢⱼ − 1) ÷ (nᵢ(nᵢ − 1)), P̄ is the plain mean of Pᵢ, pⱼ is the share of
    /// category j among all ratings of those units, P̄ₑ = Σ_j pⱼ², and κ = (P̄ − P̄ₑ) ÷ (1 − P̄ₑ). Units with a single
    /// rating are left out of both. With a constant n this is exactly Fleiss' kappa, and statsmodels'
    /// `fleiss_kappa` (which rejects differing counts with an assertion). When every rating falls in one category
    /// P̄ₑ = P̄ = 1 and κ, 0 ÷ 0 (NaN in statsmodels), is defined as 1.
    public func fleissKappa() -> Double? { coded.fleissKappa() }
}

/// What Cohen's kappa needs about one pair of raters.
struct RaterPairCounts {
    var shared = 0
    var agreements = 0
    var marginalProductSum = 0

    var kappa: Double {
        // Multiplied through by N² the ratio has integer terms, so the degenerate case is detected exactly.
        let squared = shared * shared
        guard marginalProductSum != squared else { return 1 }
        return Double(shared * agreements - marginalProductSum) / Double(squared - marginalProductSum)
    }
}

extension CodedRatings {
    /// The counts for raters `first` and `second` over the units both rated.
    func pairCounts(_ first: Int32, _ second: Int32) -> RaterPairCounts {
        var firstCounts = [Int](repeating: 0, count: categoryCount)
        var secondCounts = [Int](repeating: 0, count: categoryCount)
        var counts = RaterPairCounts()
        for unit in 0..<unitCount {
            var firstCategory: Int32 = -1
            var secondCategory: Int32 = -1
            for index in unitStarts[unit]..<unitStarts[unit + 1] {
                if raters[index] == first { firstCategory = categories[index] }
                if raters[index] == second { secondCategory = categories[index] }
            }
            guard firstCategory >= 0, secondCategory >= 0 else { continue }
            counts.shared += 1
            if firstCategory == secondCategory { counts.agreements += 1 }
            firstCounts[Int(firstCategory)] += 1
            secondCounts[Int(secondCategory)] += 1
        }
        for category in 0..<categoryCount {
            counts.marginalProductSum += firstCounts[category] * secondCounts[category]
        }
        return counts
    }

    /// Calls `body` once for every pair of raters (lower code first) sharing a unit, in order of the two codes.
    ///
    /// Every unit contributes one record per pair of its ratings; two stable counting sorts (by second rater, then by
    /// first) bring each pair's records together in O(records + raters), with no per-pair dictionary.
    func forEachRaterPair(_ body: (Int32, Int32, RaterPairCounts) -> Void) {
        var recordCount = 0
        for unit in 0..<unitCount {
            let size = unitStarts[unit + 1] - unitStarts[unit]
            recordCount += size * (size - 1) / 2
        }
        guard recordCount > 0 else { return }
        // Record r pairs rating firstRating[r] with the later rating secondRating[r] of the same unit; ratings are
        // ordered by rater within a unit, so the first has the lower rater code.
        var firstRating = [Int32](repeating: 0, count: recordCount)
        var secondRating = [Int32](repeating: 0, count: recordCount)
        var record = 0
        for unit in 0..<unitCount {
            let end = unitStarts[unit + 1]
            for i in unitStarts[unit]..<end {
                for j in (i + 1)..<end {
                    firstRating[record] = Int32(i)
                    secondRating[record] = Int32(j)
                    record += 1
                }
            }
        }
        let bySecond = stableOrder(of: 0..<Int32(recordCount), byRater: { Int(raters[Int(secondRating[$0])]) })
        let byPair = stableOrder(of: bySecond, byRater: { Int(raters[Int(firstRating[$0])]) })

        var firstCounts = [Int](repeating: 0, count: categoryCount)
        var secondCounts = [Int](repeating: 0, count: categoryCount)
        var groupStart = 0
        while groupStart < byPair.count {
            let leader = Int(byPair[groupStart])
            let first = raters[Int(firstRating[leader])]
            let second = raters[Int(secondRating[leader])]
            var groupEnd = groupStart
            var counts = RaterPairCounts()
            while groupEnd < byPair.count {
                let member = Int(byPair[groupEnd])
                guard raters[Int(firstRating[member])] == first, raters[Int(secondRating[member])] == second
                else { break }
                let firstCategory = Int(categories[Int(firstRating[member])])
                let secondCategory = Int(categories[Int(secondRating[member])])
                if firstCategory == secondCategory { counts.agreements += 1 }
                firstCounts[firstCategory] += 1
                secondCounts[secondCategory] += 1
                groupEnd += 1
            }
            counts.shared = groupEnd - groupStart
            // Σ over records of secondCounts[first's category] is Σ_c firstCounts[c]·secondCounts[c], and touches only
            // the categories this pair used, so many categories cost nothing extra.
            for position in groupStart..<groupEnd {
                counts.marginalProductSum += secondCounts[Int(categories[Int(firstRating[Int(byPair[position])])])]
            }
            for position in groupStart..<groupEnd {
                let member = Int(byPair[position])
                firstCounts[Int(categories[Int(firstRating[member])])] = 0
                secondCounts[Int(categories[Int(secondRating[member])])] = 0
            }
            body(first, second, counts)
            groupStart = groupEnd
        }
    }

    /// The records of `order`, stably reordered by the rater code `key` gives each (a counting sort).
    private func stableOrder(of order: some Collection<Int32>, byRater key: (Int) -> Int) -> [Int32] {
        var starts = [Int](repeating: 0, count: raterCount + 1)
        for record in order { starts[key(Int(record)) + 1] += 1 }
        for rater in 0..<raterCount { starts[rater + 1] += starts[rater] }
        var sorted = [Int32](repeating: 0, count: order.count)
        for record in order {
            let rater = key(Int(record))
            sorted[starts[rater]] = record
            starts[rater] += 1
        }
        return sorted
    }

    func fleissKappa() -> Double? {
        var usedUnits = 0
        var agreementSum = 0.0
        let (categoryTotals, ratingTotal) = forEachPairableUnit { size, agreeingPairs in
            agreementSum += Double(agreeingPairs) / Double(size * (size - 1))
            usedUnits += 1
        }
        guard usedUnits > 0 else { return nil }
        let sumOfSquares = categoryTotals.reduce(0) { $0 + $1 * $1 }
        guard sumOfSquares != ratingTotal * ratingTotal else { return 1 }
        let meanAgreement = agreementSum / Double(usedUnits)
        let chanceAgreement = Double(sumOfSquares) / (Double(ratingTotal) * Double(ratingTotal))
        return (meanAgreement - chanceAgreement) / (1 - chanceAgreement)
    }

    /// Calls `body` for every unit with at least two ratings with its rating count and its agreeing ordered
    /// pairs, Σ_c n_uc(n_uc − 1); returns the ratings per category and in all over those units.
    func forEachPairableUnit(
        _ body: (_ size: Int, _ agreeingPairs: Int) -> Void
    ) -> (categoryTotals: [Int], ratings: Int) {
        var categoryTotals = [Int](repeating: 0, count: categoryCount)
        var unitCounts = [Int](repeating: 0, count: categoryCount)
        var ratings = 0
        for unit in 0..<unitCount {
            let range = unitStarts[unit]..<unitStarts[unit + 1]
            let size = range.count
            guard size >= 2 else { continue }
            for index in range { unitCounts[Int(categories[index])] += 1 }
            // Σ over ratings of (its category's count − 1) is Σ_c n_uc(n_uc − 1).
            var agreeingPairs = 0
            for index in range { agreeingPairs += unitCounts[Int(categories[index])] - 1 }
            for index in range {
                categoryTotals[Int(categories[index])] += 1
                unitCounts[Int(categories[index])] = 0
            }
            ratings += size
            body(size, agreeingPairs)
        }
        return (categoryTotals, ratings)
    }
}
