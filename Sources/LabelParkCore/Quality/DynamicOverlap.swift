/// A project's dynamic-overlap policy: how many annotations a task gets at least, at most, and how sure
/// the aggregate must be to stop in between.
public struct OverlapPolicy: Sendable, Hashable {
    /// The annotations every task gets before confidence can stop it: the project's `overlap`, the slots
    /// a task is created with.
    public let baseOverlap: Int
    /// The most slots a task may grow to.
    public let maxOverlap: Int
    /// The aggregate's confidence at which a task has enough annotations, in (0, 1].
    public let confidenceTarget: Double

    /// A checked policy; throws naming `overlap`, `max_overlap` or `confidence_target`.
    public init(baseOverlap: Int, maxOverlap: Int, confidenceTarget: Double) throws(ValidationError) {
        guard LeaseRules.overlapRange.contains(baseOverlap) else {
            throw ValidationError(
                field: "overlap",
                message: "must be from \(LeaseRules.overlapRange.lowerBound) to \(LeaseRules.overlapRange.upperBound)")
        }
        guard maxOverlap >= baseOverlap, maxOverlap <= LeaseRules.overlapRange.upperBound else {
            throw ValidationError(
                field: "max_overlap",
                message: "must be from overlap (\(baseOverlap)) to \(LeaseRules.overlapRange.upperBound)")
        }
        guard confidenceTarget > 0, confidenceTarget <= 1 else {
            throw ValidationError(field: "confidence_target", message: "must be above 0 and at most 1")
        }
        self.baseOverlap = baseOverlap
        self.maxOverlap = maxOverlap
        self.confidenceTarget = confidenceTarget
    }

    /// A fixed overlap: every task gets exactly `overlap` annotations, whatever their agreement.
    public static func fixed(_ overlap: Int) throws(ValidationError) -> OverlapPolicy {
        try OverlapPolicy(baseOverlap: overlap, maxOverlap: overlap, confidenceTarget: 1)
    }
}

/// Where one task stands when its overlap is decided.
public struct TaskOverlapState: Sendable, Hashable {
    /// The task's slots, open, leased or filled (closed slots not counted).
    public var slotCount: Int
    /// Annotations submitted for the task that count towards its aggregate.
    public var submittedCount: Int
    /// The aggregate's confidence after those annotations (`TaskPosterior.confidence`), in [0, 1].
    public var confidence: Double

    public init(slotCount: Int, submittedCount: Int, confidence: Double) {
        self.slotCount = slotCount
        self.submittedCount = submittedCount
        self.confidence = confidence
    }
}

/// What to do with a task's slots.
public enum OverlapDecision: Sendable, Hashable {
    /// Open one more slot: the task needs another annotation and none is outstanding.
    case addSlot
    /// The task is done: no more annotations are needed, and slots still open and unclaimed may be closed
    /// (leased ones are left to finish; their annotations are still stored).
    case enough
    /// Slots are outstanding (open or leased): decide again when the next annotation arrives.
    case wait
}

/// Dynamic overlap: a task starts with the base overlap's slots and grows one slot at a time, up to the
/// maximum, until its aggregate is confident enough.
///
/// The rules, in order:
/// 1. `submittedCount ≥ baseOverlap` and `confidence ≥ confidenceTarget` → `.enough`.
/// 2. `submittedCount ≥ maxOverlap` → `.enough`, confident or not: the cap is reached.
/// 3. `slotCount < baseOverlap` → `.addSlot` (a task short of its base, e.g. after the project raised
///    its overlap).
/// 4. `slotCount > submittedCount` → `.wait`: annotations are outstanding.
/// 5. Otherwise → `.addSlot`. Here `slotCount ≤ submittedCount < maxOverlap`, so the new slot stays
///    within the maximum.
///
/// Outstanding slots are counted as `slotCount − submittedCount`. A late annotation, stored without
/// filling a slot that someone else then claimed, makes that count one too low, so the task may get one
/// slot more than it needed; it never gets more than `maxOverlap` slots.
///
/// A fixed policy (maximum = base) never adds a slot beyond the base. The adapter asks after each
/// accepted submission, with the aggregate recomputed (for instance by `DawidSkeneModel.add(_:)`), and
/// performs the answer in the same transaction.
public enum DynamicOverlap {
    /// The decision for a task in `state` under `policy`.
    public static func decide(_ state: TaskOverlapState, under policy: OverlapPolicy) -> OverlapDecision {
        if state.submittedCount >= policy.baseOverlap && state.confidence >= policy.confidenceTarget {
            return .enough
        }
        if state.submittedCount >= policy.maxOverlap { return .enough }
        if state.slotCount < policy.baseOverlap { return .addSlot }
        if state.slotCount > state.submittedCount { return .wait }
        return .addSlot
    }
}
