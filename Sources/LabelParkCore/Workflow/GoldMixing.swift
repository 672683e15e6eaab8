/// Decides when an annotator's next task is a gold task.
///
/// Gold tasks have no slots of their own: every annotator may get each one once, so every annotator is
/// measured. The first `goldAtStart` claims are gold; after that each claim is gold with probability
/// `goldRate`, drawn at random so that no position in the queue gives a gold task away.
public enum GoldMixing {
    /// Whether to hand out a gold task, given how many gold tasks this annotator already received in the
    /// project and a uniform draw in [0, 1).
    public static func servesGold(goldReceived: Int, policy: QualityPolicy, draw: Double) -> Bool {
        if goldReceived < policy.goldAtStart { return true }
        return draw < policy.goldRate
    }
}

/// How one annotator stands on their recent gold answers, against an auto-pause policy.
public enum GoldStanding: Sendable, Hashable {
    /// Fewer gold answers than the window, or their mean is at or above the minimum.
    case inGoodStanding
    /// The mean of the last `window` gold scores is below the minimum.
    case belowMinimum(accuracy: Double, window: Int)

    /// The standing that the newest-first `scores` (each in [0, 1]) give under `policy`; only the first
    /// `policy.window` of them count.
    public static func evaluate(newestFirst scores: [Double], under policy: AutoPausePolicy) -> GoldStanding {
        guard scores.count >= policy.window else { return .inGoodStanding }
        let recent = scores.prefix(policy.window)
        let accuracy = recent.reduce(0, +) / Double(policy.window)
        return accuracy < policy.minimumAccuracy
            ? .belowMinimum(accuracy: accuracy, window: policy.window) : .inGoodStanding
    }
}

extension AnswerAccuracy {
    /// One number for a whole gold answer: the mean score over the questions gold answers, 0 when the
    /// result is not an object; `nil` when gold answers no question (nothing to measure).
    public static func goldScore(resultJSON: String, goldJSON: String, schema: ProjectSchema) -> Double? {
        guard let gold = try? JSONParser().parse(goldJSON) else { return nil }
        let result = try? JSONParser().parse(resultJSON)
        return score(result: result, gold: gold, schema: schema).value
    }
}
