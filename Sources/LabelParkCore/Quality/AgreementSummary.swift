/// The agreement statistics of one question's ratings, side by side for a report.
public struct AgreementSummary: Sendable, Hashable {
    public var unitCount: Int
    public var raterCount: Int
    public var ratingCount: Int
    /// Units with at least two ratings, the only ones any statistic here uses.
    public var pairableUnitCount: Int
    public var meanPairwiseCohensKappa: Double?
    public var fleissKappa: Double?
    public var krippendorffAlphaNominal: Double?
    /// Present only when the categories have numeric values (ratings).
    public var krippendorffAlphaInterval: Double?

    public init(
        unitCount: Int, raterCount: Int, ratingCount: Int, pairableUnitCount: Int, meanPairwiseCohensKappa: Double?,
        fleissKappa: Double?, krippendorffAlphaNominal: Double?, krippendorffAlphaInterval: Double?
    ) {
        self.unitCount = unitCount
        self.raterCount = raterCount
        self.ratingCount = ratingCount
        self.pairableUnitCount = pairableUnitCount
        self.meanPairwiseCohensKappa = meanPairwiseCohensKappa
        self.fleissKappa = fleissKappa
        self.krippendorffAlphaNominal = krippendorffAlphaNominal
        self.krippendorffAlphaInterval = krippendorffAlphaInterval
    }

    /// The summary as a JSON object with snake_case keys; undefined statistics are `null`.
    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        return .object([
            "units": .integer(unitCount), "raters": .integer(raterCount), "ratings": .integer(ratingCount),
            "pairable_units": .integer(pairableUnitCount),
            "mean_pairwise_cohens_kappa": number(meanPairwiseCohensKappa), "fleiss_kappa": number(fleissKappa),
            "krippendorff_alpha_nominal": number(krippendorffAlphaNominal),
            "krippendorff_alpha_interval": number(krippendorffAlphaInterval),
        ])
    }
}

extension RatingTable {
    /// Every table-wide statistic; interval alpha only when `intervalValue` gives the categories numeric values.
    public func agreementSummary(intervalValue: ((Category) -> Double)? = nil) -> AgreementSummary {
        var pairableUnits = 0
        for unit in 0..<coded.unitCount where coded.unitStarts[unit + 1] - coded.unitStarts[unit] >= 2 {
            pairableUnits += 1
        }
        return AgreementSummary(
            unitCount: units.count, raterCount: raters.count, ratingCount: ratingCount,
            pairableUnitCount: pairableUnits, meanPairwiseCohensKappa: meanPairwiseCohensKappa(),
            fleissKappa: fleissKappa(), krippendorffAlphaNominal: krippendorffAlphaNominal(),
            krippendorffAlphaInterval: intervalValue.map { krippendorffAlphaInterval(value: $0) } ?? nil)
    }
}
