/// How a project keeps its answers right: gold tasks mixed into the queues, pausing annotators who fall
/// below a gold accuracy, growing overlap until the crowd is sure, and reviewing what is submitted.
///
/// Stored with the project as JSON (``json``) and read back with ``init(json:baseOverlap:)``; every field
/// is optional in JSON and takes its default when absent.
public struct QualityPolicy: Sendable, Hashable {
    /// The share of an annotator's claims that are gold tasks, from 0 to 1.
    public var goldRate: Double
    /// Gold tasks every annotator gets before any other task (a qualification run).
    public var goldAtStart: Int
    /// When to stop handing tasks to an annotator whose gold answers are wrong too often; `nil` never does.
    public var autoPause: AutoPausePolicy?
    /// Growing overlap on low-confidence tasks; `nil` keeps every task at the project's overlap.
    public var dynamicOverlap: DynamicOverlapSettings?
    public var review: ReviewPolicy

    public init(
        goldRate: Double = 0.05, goldAtStart: Int = 0, autoPause: AutoPausePolicy? = nil,
        dynamicOverlap: DynamicOverlapSettings? = nil, review: ReviewPolicy = .none
    ) {
        self.goldRate = goldRate
        self.goldAtStart = goldAtStart
        self.autoPause = autoPause
        self.dynamicOverlap = dynamicOverlap
        self.review = review
    }
}

/// Pause an annotator when the mean score of their last `window` gold answers is below `minimumAccuracy`.
public struct AutoPausePolicy: Sendable, Hashable {
    public var window: Int
    public var minimumAccuracy: Double

    public init(window: Int, minimumAccuracy: Double) {
        self.window = window
        self.minimumAccuracy = minimumAccuracy
    }
}

/// The dynamic-overlap settings a project stores; with its base overlap they make an ``OverlapPolicy``.
public struct DynamicOverlapSettings: Sendable, Hashable {
    public var maxOverlap: Int
    public var confidenceTarget: Double

    public init(maxOverlap: Int, confidenceTarget: Double) {
        self.maxOverlap = maxOverlap
        self.confidenceTarget = confidenceTarget
    }
}

/// Which submitted annotations a reviewer checks before they count as done.
public enum ReviewPolicy: Sendable, Hashable {
    /// Nothing is reviewed; a submission is final.
    case none
    /// Every submission is reviewed.
    case all
    /// About `percent` of submissions, drawn at random, are reviewed.
    case sample(percent: Double)

    /// Whether a submission whose uniform draw in [0, 1) is `draw` goes to review.
    public func selects(draw: Double) -> Bool {
        switch self {
        case .none: false
        case .all: true
        case .sample(let percent): draw * 100 < percent
        }
    }
}

extension QualityPolicy {
    /// The policy `json` describes, checked; throws naming the offending field under `quality.`.
    ///
    /// `baseOverlap` is the project's overlap, which a dynamic-overlap maximum may not be below.
    public init(json: JSONValue, baseOverlap: Int) throws(ValidationError) {
        guard json.objectValue != nil else { throw ValidationError(field: "quality", message: "must be an object") }
        self.init()
        if let rate = json["gold_rate"], !rate.isNull {
            guard let value = rate.doubleValue, (0...1).contains(value) else {
                throw ValidationError(field: "quality.gold_rate", message: "must be a number from 0 to 1")
            }
            goldRate = value
        }
        if let count = json["gold_at_start"], !count.isNull {
            guard let value = count.intValue, (0...1000).contains(value) else {
                throw ValidationError(field: "quality.gold_at_start", message: "must be an integer from 0 to 1000")
            }
            goldAtStart = value
        }
        if let pause = json["auto_pause"], !pause.isNull {
            guard let window = pause["window"]?.intValue, (1...1000).contains(window) else {
                throw ValidationError(field: "quality.auto_pause.window", message: "must be an integer from 1 to 1000")
            }
            guard let minimum = pause["min_accuracy"]?.doubleValue, (0...1).contains(minimum) else {
                throw ValidationError(
                    field: "quality.auto_pause.min_accuracy", message: "must be a number from 0 to 1")
            }
            autoPause = AutoPausePolicy(window: window, minimumAccuracy: minimum)
        }
        if let overlap = json["dynamic_overlap"], !overlap.isNull {
            guard let maximum = overlap["max_overlap"]?.intValue else {
                throw ValidationError(field: "quality.dynamic_overlap.max_overlap", message: "must be an integer")
            }
            guard let target = overlap["confidence_target"]?.doubleValue else {
                throw ValidationError(field: "quality.dynamic_overlap.confidence_target", message: "must be a number")
            }
            do {
                _ = try OverlapPolicy(baseOverlap: baseOverlap, maxOverlap: maximum, confidenceTarget: target)
            } catch {
                throw ValidationError(field: "quality.dynamic_overlap.\(error.field)", message: error.message)
            }
            dynamicOverlap = DynamicOverlapSettings(maxOverlap: maximum, confidenceTarget: target)
        }
        if let review = json["review"], !review.isNull {
            self.review = try Self.review(from: review)
        }
    }

    private static func review(from json: JSONValue) throws(ValidationError) -> ReviewPolicy {
        switch json["mode"]?.stringValue {
        case "none": return .none
        case "all": return .all
        case "sample":
            guard let percent = json["sample_percent"]?.doubleValue, percent > 0, percent <= 100 else {
                throw ValidationError(
                    field: "quality.review.sample_percent", message: "must be a number above 0 and at most 100")
            }
            return .sample(percent: percent)
        default:
            throw ValidationError(field: "quality.review.mode", message: "must be one of none, all, sample")
        }
    }

    /// The policy as the JSON object ``init(json:baseOverlap:)`` reads.
    public var json: JSONValue {
        let review: JSONValue =
            switch self.review {
            case .none: .object(["mode": .string("none")])
            case .all: .object(["mode": .string("all")])
            case .sample(let percent): .object(["mode": .string("sample"), "sample_percent": .double(percent)])
            }
        return .object([
            "gold_rate": .double(goldRate),
            "gold_at_start": .integer(goldAtStart),
            "auto_pause": autoPause.map {
                .object(["window": .integer($0.window), "min_accuracy": .double($0.minimumAccuracy)])
            } ?? .null,
            "dynamic_overlap": dynamicOverlap.map {
                .object(["max_overlap": .integer($0.maxOverlap), "confidence_target": .double($0.confidenceTarget)])
            } ?? .null,
            "review": review,
        ])
    }

    /// The overlap policy tasks follow: dynamic when set, else fixed at `baseOverlap`.
    public func overlapPolicy(baseOverlap: Int) -> OverlapPolicy? {
        guard let dynamicOverlap else { return nil }
        return try? OverlapPolicy(
            baseOverlap: baseOverlap, maxOverlap: dynamicOverlap.maxOverlap,
            confidenceTarget: dynamicOverlap.confidenceTarget)
    }
}
