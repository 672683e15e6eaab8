import LabelParkCore

/// The queue's pure decisions turned into what every engine does with them, so both engines refuse the same
/// leases with the same errors.
extension LeaseRules {
    /// The lease a renewal may extend; a missing or foreign lease is `notFound`, a lapsed one a conflict.
    public static func leaseToRenew(
        _ lease: LeaseRecord?, by annotator: UserID, at now: Timestamp
    ) throws(StoreError) -> LeaseRecord {
        try held(lease, decision: renewal(of: lease, by: annotator, at: now))
    }

    /// The lease a release may give back; refused like a renewal.
    public static func leaseToRelease(_ lease: LeaseRecord?, by annotator: UserID) throws(StoreError) -> LeaseRecord {
        try held(lease, decision: release(of: lease, by: annotator))
    }

    /// What a submission on `lease` does; a lease that is not the annotator's is `notFound`.
    public static func submissionOutcome(
        presenting lease: LeaseRecord?, for task: TaskID, by annotator: UserID, at now: Timestamp
    ) throws(StoreError) -> (lease: LeaseRecord, decision: SubmissionDecision) {
        let decision = submission(presenting: lease, for: task, by: annotator, at: now)
        guard let lease, decision != .rejectUnknownLease else { throw .notFound(.lease) }
        return (lease, decision)
    }

    private static func held(_ lease: LeaseRecord?, decision: HolderDecision) throws(StoreError) -> LeaseRecord {
        switch decision {
        case .rejectUnknownLease: throw .notFound(.lease)
        case .rejectLapsed(let reason): throw .conflict(.leaseLapsed(reason))
        case .proceed:
            guard let lease else { throw .notFound(.lease) }
            return lease
        }
    }
}
