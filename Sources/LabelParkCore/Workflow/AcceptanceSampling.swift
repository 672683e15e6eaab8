/// A client's acceptance inspection of one batch: a sample of its annotations is checked, and the batch
/// is accepted when the sample's accuracy reaches the acceptable quality level (AQL).
public struct InspectionVerdict: Sendable, Hashable {
    public var sampled: Int
    /// Sampled annotations the inspector rejected or had to fix.
    public var defects: Int
    public var acceptableQuality: Double

    public init(sampled: Int, defects: Int, acceptableQuality: Double) {
        self.sampled = sampled
        self.defects = defects
        self.acceptableQuality = acceptableQuality
    }

    /// `(sampled − defects) ÷ sampled`; 1 for an empty sample, which has no defect to find.
    public var accuracy: Double {
        sampled == 0 ? 1 : Double(sampled - defects) / Double(sampled)
    }

    /// Whether the batch is accepted. Compared in whole counts, so 98 right of 100 meets an AQL of 0.98
    /// exactly, whatever the rounding of 0.98 in binary.
    public var passes: Bool {
        Double(sampled - defects) >= (acceptableQuality * Double(sampled) - 1e-9)
    }
}

extension InspectionVerdict {
    /// The rejection comment every annotation of a returned batch carries.
    public func returnComment(batch: Int64, inspection: Int64) -> String {
        "batch \(batch) failed acceptance inspection \(inspection): \(Self.percent(accuracy)) correct in the sample, "
            + "below the acceptable \(Self.percent(acceptableQuality))"
    }

    /// A share as a percentage with one decimal, e.g. "97.5%".
    static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
