import LabelParkCore
import Testing

@Suite("Lease rules")
struct LeaseRulesTests {
    static let token = LeaseToken(rawValue: "0123456789abcdef0123456789abcdef")
    static let task = TaskID(7)
    static let annotator = UserID(3)
    static let expiresAt = Timestamp(millisecondsSinceEpoch: 1_795_705_926_123)
    static let justBefore = expiresAt.adding(milliseconds: -1)
    static let justAfter = expiresAt.adding(milliseconds: 1)

    func lease(current: Bool = true, task: TaskID = task, annotator: UserID = annotator) -> LeaseRecord {
        LeaseRecord(
            token: Self.token, taskID: task, slotIndex: 1, annotatorID: annotator, isCurrent: current,
            expiresAt: Self.expiresAt)
    }

    @Test("a lease is live only while now < expiresAt and the slot still carries its token")
    func liveness() {
        #expect(lease().isLive(at: Self.justBefore))
        #expect(lease().isLive(at: Timestamp(millisecondsSinceEpoch: 0)))
        #expect(!lease().isLive(at: Self.expiresAt))
        #expect(!lease().isLive(at: Self.justAfter))
        #expect(!lease(current: false).isLive(at: Self.justBefore))
    }

    @Test("submission fills the slot while the lease is live")
    func submissionLive() {
        #expect(
            LeaseRules.submission(presenting: lease(), for: Self.task, by: Self.annotator, at: Self.justBefore)
                == .fillSlot)
    }

    @Test("submission at or after expiry is stored late as expired")
    func submissionExpired() {
        for now in [Self.expiresAt, Self.justAfter, Self.expiresAt.adding(seconds: 86_400)] {
            #expect(
                LeaseRules.submission(presenting: lease(), for: Self.task, by: Self.annotator, at: now)
                    == .storeLate(.expired))
        }
    }

    @Test("submission on a superseded lease is stored late as superseded, before or after expiry")
    func submissionSuperseded() {
        for now in [Self.justBefore, Self.expiresAt, Self.justAfter] {
            #expect(
                LeaseRules.submission(presenting: lease(current: false), for: Self.task, by: Self.annotator, at: now)
                    == .storeLate(.superseded))
        }
    }

    @Test("submission with an unknown token, another annotator's token or another task's token is rejected")
    func submissionUnknown() {
        #expect(
            LeaseRules.submission(presenting: nil, for: Self.task, by: Self.annotator, at: Self.justBefore)
                == .rejectUnknownLease)
        for now in [Self.justBefore, Self.justAfter] {
            #expect(
                LeaseRules.submission(presenting: lease(), for: Self.task, by: UserID(4), at: now)
                    == .rejectUnknownLease)
            #expect(
                LeaseRules.submission(presenting: lease(), for: TaskID(8), by: Self.annotator, at: now)
                    == .rejectUnknownLease)
            #expect(
                LeaseRules.submission(presenting: lease(current: false), for: Self.task, by: UserID(4), at: now)
                    == .rejectUnknownLease)
            #expect(
                LeaseRules.submission(presenting: lease(current: false), for: TaskID(8), by: Self.annotator, at: now)
                    == .rejectUnknownLease)
        }
    }

    @Test("renewal proceeds only while the lease is live")
    func renewal() {
        #expect(LeaseRules.renewal(of: lease(), by: Self.annotator, at: Self.justBefore) == .proceed)
        #expect(LeaseRules.renewal(of: lease(), by: Self.annotator, at: Self.expiresAt) == .rejectLapsed(.expired))
        #expect(LeaseRules.renewal(of: lease(), by: Self.annotator, at: Self.justAfter) == .rejectLapsed(.expired))
        #expect(
            LeaseRules.renewal(of: lease(current: false), by: Self.annotator, at: Self.justBefore)
                == .rejectLapsed(.superseded))
        #expect(
            LeaseRules.renewal(of: lease(current: false), by: Self.annotator, at: Self.justAfter)
                == .rejectLapsed(.superseded))
        #expect(LeaseRules.renewal(of: nil, by: Self.annotator, at: Self.justBefore) == .rejectUnknownLease)
        #expect(LeaseRules.renewal(of: lease(), by: UserID(4), at: Self.justBefore) == .rejectUnknownLease)
        #expect(LeaseRules.renewal(of: lease(current: false), by: UserID(4), at: Self.justAfter) == .rejectUnknownLease)
    }

    @Test("release proceeds while the slot carries the token, even after expiry")
    func release() {
        #expect(LeaseRules.release(of: lease(), by: Self.annotator) == .proceed)
        #expect(LeaseRules.release(of: lease(current: false), by: Self.annotator) == .rejectLapsed(.superseded))
        #expect(LeaseRules.release(of: nil, by: Self.annotator) == .rejectUnknownLease)
        #expect(LeaseRules.release(of: lease(), by: UserID(4)) == .rejectUnknownLease)
        #expect(LeaseRules.release(of: lease(current: false), by: UserID(4)) == .rejectUnknownLease)
    }

    @Test("project settings ranges")
    func ranges() {
        #expect(LeaseRules.leaseSecondsRange == 1...86_400)
        #expect(LeaseRules.overlapRange == 1...100)
    }
}

@Suite("Lease tokens")
struct LeaseTokenTests {
    /// A generator that always answers the same word, to pin down the token's layout.
    struct ConstantGenerator: RandomNumberGenerator {
        var word: UInt64
        mutating func next() -> UInt64 { word }
    }

    @Test(
        "parses 32 lowercase hex digits",
        arguments: [
            "0123456789abcdef0123456789abcdef", "00000000000000000000000000000000", "ffffffffffffffffffffffffffffffff",
        ])
    func parsesValid(text: String) {
        #expect(LeaseToken(parsing: text)?.rawValue == text)
        #expect(LeaseToken(parsing: text)?.description == text)
    }

    @Test(
        "rejects anything else",
        arguments: [
            "", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
            "0123456789ABCDEF0123456789abcdef", "0123456789abcdeg0123456789abcdef", " 123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcde\n", "0123456789abcdef-123456789abcdef", "０123456789abcdef0123456789abcd",
            "0123456789abcdef0123456789abcd\u{E9}", "0x23456789abcdef0123456789abcdef",
            "' OR 1=1 --'''''''''''''''''''''",
        ])
    func rejectsInvalid(text: String) {
        #expect(LeaseToken(parsing: text) == nil)
    }

    @Test("parses substrings")
    func parsesSubstring() {
        let header = "Lease 0123456789abcdef0123456789abcdef"
        let token = LeaseToken(parsing: header.dropFirst(6))
        #expect(token?.rawValue == "0123456789abcdef0123456789abcdef")
    }

    @Test("random tokens are 32 lowercase hex digits that parse back, and differ")
    func randomTokens() {
        var generator = SplitMix64(seed: 42)
        var seen = Set<LeaseToken>()
        for _ in 0..<1_000 {
            let token = LeaseToken(random: &generator)
            #expect(token.rawValue.utf8.count == 32)
            #expect(LeaseToken(parsing: token.rawValue) == token)
            seen.insert(token)
        }
        #expect(seen.count == 1_000)
    }

    @Test("random tokens zero-pad each 64-bit half")
    func padding() {
        var zero = ConstantGenerator(word: 0)
        #expect(LeaseToken(random: &zero).rawValue == String(repeating: "0", count: 32))
        var small = ConstantGenerator(word: 0xAB)
        #expect(LeaseToken(random: &small).rawValue == "00000000000000ab00000000000000ab")
        var full = ConstantGenerator(word: .max)
        #expect(LeaseToken(random: &full).rawValue == String(repeating: "f", count: 32))
        for token in [LeaseToken(random: &zero), LeaseToken(random: &small), LeaseToken(random: &full)] {
            #expect(LeaseToken(parsing: token.rawValue) == token)
        }
    }
}
