/// How often one rater agrees with the consensus of the others.
///
/// On each unit the rater rated, the consensus is the category most of the other raters of that unit chose
/// (the rater's own rating is left out, so nobody votes for themselves). A unit counts only when that consensus
/// exists: at least one other rating and a single most-chosen category. On a tie for the most-chosen category
/// there is no consensus and the unit is skipped, so with three raters a unit counts for a rater only when the
/// other two agree.
public struct ConsensusAgreement<Rater: Hashable>: Hashable {
    public var rater: Rater
    /// Units of this rater that had a consensus among the other raters.
    public var comparedUnits: Int
    /// Of those, the units where this rater chose the consensus category.
    public var matchingUnits: Int

    public init(rater: Rater, comparedUnits: Int, matchingUnits: Int) {
        self.rater = rater
        self.comparedUnits = comparedUnits
        self.matchingUnits = matchingUnits
    }

    /// The share of compared units where the rater matched the consensus; `nil` when no unit could be compared.
    public var share: Double? { comparedUnits == 0 ? nil : Double(matchingUnits) / Double(comparedUnits) }
}

extension ConsensusAgreement: Sendable where Rater: Sendable {}

extension RatingTable {
    /// Every rater's agreement with the leave-one-out majority, in order of the raters' appearance.
    public func consensusAgreement() -> [ConsensusAgreement<Rater>] {
        let tallies = coded.consensusTallies()
        return raters.indices.map { index in
            ConsensusAgreement(
                rater: raters[index], comparedUnits: tallies.compared[index], matchingUnits: tallies.matching[index])
        }
    }
}

extension CodedRatings {
    /// Per rater code: units compared with the others' consensus, and units matching it.
    func consensusTallies() -> (compared: [Int], matching: [Int]) {
        var compared = [Int](repeating: 0, count: raterCount)
        var matching = [Int](repeating: 0, count: raterCount)
        var unitCounts = [Int](repeating: 0, count: categoryCount)
        var unitCategories: [Int] = []
        for unit in 0..<unitCount {
            let range = unitStarts[unit]..<unitStarts[unit + 1]
            guard range.count >= 2 else { continue }
            unitCategories.removeAll(keepingCapacity: true)
            for index in range {
                let category = Int(categories[index])
                if unitCounts[category] == 0 { unitCategories.append(category) }
                unitCounts[category] += 1
            }
            for index in range {
                let own = Int(categories[index])
                var best = -1
                var bestCount = 0
                var tied = false
                for category in unitCategories {
                    let count = unitCounts[category] - (category == own ? 1 : 0)
                    guard count > 0 else { continue }
                    if count > bestCount {
                        best = category
                        bestCount = count
                        tied = false
                    } else if count == bestCount {
                        tied = true
                    }
                }
                guard !tied, best >= 0 else { continue }
                let rater = Int(raters[index])
                compared[rater] += 1
                if best == own { matching[rater] += 1 }
            }
            for category in unitCategories { unitCounts[category] = 0 }
        }
        return (compared, matching)
    }
}
