/// The secret handle of one claim of one slot; a new one is minted on every claim (the fencing token).
public struct LeaseToken: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// A token from 128 random bits, as 32 lowercase hex digits.
    public init(random generator: inout some RandomNumberGenerator) {
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        self.rawValue = hex(high) + hex(low)
    }

    /// Accepts only the shape tokens are minted in, so junk never reaches a query.
    public init?(parsing text: String) {
        // Concrete String (not `some StringProtocol`): the check specialises to a plain byte loop.
        guard text.utf8.count == 32, text.utf8.allSatisfy(Self.isLowercaseHexDigit) else { return nil }
        self.rawValue = text
    }

    public init?(parsing text: Substring) {
        self.init(parsing: String(text))
    }

    private static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102)
    }

    public var description: String { rawValue }
}

/// What is known about a lease when its holder acts on it.
public struct LeaseRecord: Sendable, Hashable {
    public var token: LeaseToken
    public var taskID: TaskID
    public var slotIndex: Int
    public var annotatorID: UserID
    /// Whether the slot still carries this token, i.e. it was neither released, reaped nor re-claimed.
    public var isCurrent: Bool
    /// When the lease ends unless renewed; only meaningful while current.
    public var expiresAt: Timestamp

    public init(
        token: LeaseToken, taskID: TaskID, slotIndex: Int, annotatorID: UserID, isCurrent: Bool, expiresAt: Timestamp
    ) {
        self.token = token
        self.taskID = taskID
        self.slotIndex = slotIndex
        self.annotatorID = annotatorID
        self.isCurrent = isCurrent
        self.expiresAt = expiresAt
    }

    /// Whether the holder still has the slot at `now`.
    public func isLive(at now: Timestamp) -> Bool { isCurrent && now < expiresAt }

    /// The slot index a gold task's lease records: gold tasks have no slots, each annotator gets their own.
    public static let goldSlotIndex = -1

    /// Whether the lease is for a gold task.
    public var isGold: Bool { slotIndex == Self.goldSlotIndex }
}

/// Why a submission could not take its slot.
public enum LateReason: String, Sendable, Hashable {
    /// The lease ran out before the submission arrived.
    case expired
    /// The slot was released or handed to someone else since.
    case superseded
}

/// The pure rules of the work queue: what a claim, renewal, release or submission does to a lease.
///
/// Adapters look up the lease and the clock, ask these rules, and perform the answer in one transaction.
public enum LeaseRules {
    /// What a submission presenting `lease` for `task` by `annotator` does.
    public enum SubmissionDecision: Sendable, Hashable {
        /// The lease is live: the annotation fills the slot.
        case fillSlot
        /// The lease lapsed: the annotation is stored and marked late, and the slot is left alone.
        case storeLate(LateReason)
        /// The token was never issued to this annotator for this task.
        case rejectUnknownLease
    }

    public static func submission(
        presenting lease: LeaseRecord?, for task: TaskID, by annotator: UserID, at now: Timestamp
    ) -> SubmissionDecision {
        guard let lease, lease.annotatorID == annotator, lease.taskID == task else { return .rejectUnknownLease }
        if lease.isLive(at: now) { return .fillSlot }
        return .storeLate(lease.isCurrent ? .expired : .superseded)
    }

    /// What renewing or releasing `lease` by `annotator` does.
    public enum HolderDecision: Sendable, Hashable {
        case proceed
        /// The lease is no longer the annotator's to act on.
        case rejectLapsed(LateReason)
        case rejectUnknownLease
    }

    public static func renewal(of lease: LeaseRecord?, by annotator: UserID, at now: Timestamp) -> HolderDecision {
        guard let lease, lease.annotatorID == annotator else { return .rejectUnknownLease }
        if lease.isLive(at: now) { return .proceed }
        return .rejectLapsed(lease.isCurrent ? .expired : .superseded)
    }

    /// A release is accepted while the slot still carries the token, even just after expiry: giving the
    /// slot back early is always safe, and it saves the next claimer waiting for the reaper.
    public static func release(of lease: LeaseRecord?, by annotator: UserID) -> HolderDecision {
        guard let lease, lease.annotatorID == annotator else { return .rejectUnknownLease }
        return lease.isCurrent ? .proceed : .rejectLapsed(.superseded)
    }

    /// The lease length a project may set, in seconds.
    public static let leaseSecondsRange = 1...86_400
    /// The overlap a project may set.
    public static let overlapRange = 1...100
}
