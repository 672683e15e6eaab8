/// Who rated which unit how: the table every inter-annotator agreement statistic is computed from.
///
/// A unit is what was rated (a task), a rater is who rated it (an annotator), and a category is the answer (a choice
/// label, or a rating for interval statistics). Any rater may skip any unit. The table is built once from
/// observations and then answers every statistic from flat arrays of integer codes, so computing several statistics
/// over a million ratings costs a few linear passes.
///
/// A rater rates a unit at most once: when the observations repeat a (unit, rater) pair, the later one wins, as a
/// revised answer replaces the earlier.
public struct RatingTable<Unit: Hashable, Rater: Hashable, Category: Hashable> {
    /// The units, in order of first appearance.
    public let units: [Unit]
    /// The raters, in order of first appearance.
    public let raters: [Rater]
    /// The distinct categories, in order of first appearance.
    public let categories: [Category]
    let raterCodes: [Rater: Int32]
    let coded: CodedRatings

    /// Builds the table from observations in any order.
    public init(_ observations: some Sequence<(unit: Unit, rater: Rater, category: Category)>) {
        var unitCodes: [Unit: Int32] = [:]
        var raterCodes: [Rater: Int32] = [:]
        var categoryCodes: [Category: Int32] = [:]
        var units: [Unit] = []
        var raters: [Rater] = []
        var categories: [Category] = []
        var unitOfRating: [Int32] = []
        var raterOfRating: [Int32] = []
        var categoryOfRating: [Int32] = []
        let expected = observations.underestimatedCount
        unitOfRating.reserveCapacity(expected)
        raterOfRating.reserveCapacity(expected)
        categoryOfRating.reserveCapacity(expected)
        for observation in observations {
            unitOfRating.append(Self.code(of: observation.unit, codes: &unitCodes, values: &units))
            raterOfRating.append(Self.code(of: observation.rater, codes: &raterCodes, values: &raters))
            categoryOfRating.append(Self.code(of: observation.category, codes: &categoryCodes, values: &categories))
        }
        self.units = units
        self.raters = raters
        self.categories = categories
        self.raterCodes = raterCodes
        self.coded = CodedRatings(
            unitCount: units.count, raterCount: raters.count, categoryCount: categories.count,
            unitOfRating: unitOfRating, raterOfRating: raterOfRating, categoryOfRating: categoryOfRating)
    }

    private static func code<Value: Hashable>(
        of value: Value, codes: inout [Value: Int32], values: inout [Value]
    ) -> Int32 {
        if let code = codes[value] { return code }
        let code = Int32(values.count)
        codes[value] = code
        values.append(value)
        return code
    }

    /// The number of ratings kept, after repeated (unit, rater) pairs were collapsed.
    public var ratingCount: Int { coded.raters.count }
}

extension RatingTable: Sendable where Unit: Sendable, Rater: Sendable, Category: Sendable {}

/// Ratings as dense integer codes grouped by unit, the shape every agreement statistic scans.
struct CodedRatings: Sendable {
    let unitCount: Int
    let raterCount: Int
    let categoryCount: Int
    /// The ratings of unit `u` are at `unitStarts[u]..<unitStarts[u + 1]`, ordered by rater code.
    let unitStarts: [Int]
    let raters: [Int32]
    let categories: [Int32]

    /// Groups ratings given in any order by unit (a counting sort), orders each unit by rater and keeps the last
    /// of any repeated (unit, rater) pair.
    init(
        unitCount: Int, raterCount: Int, categoryCount: Int,
        unitOfRating: [Int32], raterOfRating: [Int32], categoryOfRating: [Int32]
    ) {
        self.unitCount = unitCount
        self.raterCount = raterCount
        self.categoryCount = categoryCount
        var starts = [Int](repeating: 0, count: unitCount + 1)
        for unit in unitOfRating { starts[Int(unit) + 1] += 1 }
        for unit in 0..<unitCount { starts[unit + 1] += starts[unit] }
        // Filled in input order, so within a unit a later observation sits after an earlier one.
        var next = starts
        var grouped = [(rater: Int32, category: Int32)](repeating: (0, 0), count: unitOfRating.count)
        for index in unitOfRating.indices {
            let unit = Int(unitOfRating[index])
            grouped[next[unit]] = (raterOfRating[index], categoryOfRating[index])
            next[unit] += 1
        }
        var unitStarts = [Int](repeating: 0, count: unitCount + 1)
        var raters: [Int32] = []
        var categories: [Int32] = []
        raters.reserveCapacity(grouped.count)
        categories.reserveCapacity(grouped.count)
        for unit in 0..<unitCount {
            let range = starts[unit]..<starts[unit + 1]
            Self.sortByRater(&grouped, in: range)
            for index in range {
                // Sorting is stable, so the last of a run of equal raters is the latest observation.
                if index + 1 < range.upperBound, grouped[index + 1].rater == grouped[index].rater { continue }
                raters.append(grouped[index].rater)
                categories.append(grouped[index].category)
            }
            unitStarts[unit + 1] = raters.count
        }
        self.unitStarts = unitStarts
        self.raters = raters
        self.categories = categories
    }

    /// A stable sort by rater of one unit's ratings: insertion sort for the handful a unit usually has.
    private static func sortByRater(_ ratings: inout [(rater: Int32, category: Int32)], in range: Range<Int>) {
        if range.count > 32 {
            let sorted = ratings[range].enumerated()
                .sorted { ($0.element.rater, $0.offset) < ($1.element.rater, $1.offset) }
            ratings.replaceSubrange(range, with: sorted.map(\.element))
            return
        }
        for index in range.dropFirst() {
            let rating = ratings[index]
            var position = index
            while position > range.lowerBound, ratings[position - 1].rater > rating.rater {
                ratings[position] = ratings[position - 1]
                position -= 1
            }
            ratings[position] = rating
        }
    }
}
