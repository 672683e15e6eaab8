extension MajorityVote {
    /// The most voted of one task's labels, with its share of the votes; among equally voted labels the
    /// lowest code wins, as in `aggregate(_:)`. No labels give label 0 with confidence 0 and
    /// `annotationCount` 0.
    public static func vote(
        of labels: some Collection<Int>, classCount: Int
    ) throws(TruthInferenceError) -> TaskPosterior {
        guard classCount >= 1 else { throw .classCountOutOfRange(classCount) }
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: classCount) {
            counts throws(TruthInferenceError) -> TaskPosterior in
            counts.initialize(repeating: 0)
            for label in labels {
                guard label >= 0, label < classCount else {
                    throw .labelOutOfRange(label: label, classCount: classCount)
                }
                counts[label] += 1
            }
            var winner = 0
            for label in 1..<classCount where counts[label] > counts[winner] { winner = label }
            let total = labels.count
            return TaskPosterior(
                label: winner, confidence: total == 0 ? 0 : Double(counts[winner]) / Double(total),
                annotationCount: total)
        }
    }
}
