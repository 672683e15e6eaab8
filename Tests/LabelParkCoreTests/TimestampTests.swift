import LabelParkCore
import Testing

/// An instant and its expected RFC 3339 form.
struct KnownInstant: Sendable, CustomTestStringConvertible {
    var milliseconds: Int64
    var text: String
    var testDescription: String { "\(milliseconds) → \(text)" }

    init(_ milliseconds: Int64, _ text: String) {
        self.milliseconds = milliseconds
        self.text = text
    }
}

@Suite("Timestamp")
struct TimestampTests {
    @Test(
        "formats known instants as RFC 3339 UTC with milliseconds",
        arguments: [
            KnownInstant(0, "1970-01-01T00:00:00.000Z"),
            KnownInstant(1, "1970-01-01T00:00:00.001Z"),
            KnownInstant(1_795_705_926_123, "2026-11-26T15:12:06.123Z"),
            KnownInstant(1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
            KnownInstant(1_709_251_200_000, "2024-03-01T00:00:00.000Z"),
            KnownInstant(951_782_400_000, "2000-02-29T00:00:00.000Z"),
            KnownInstant(4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            KnownInstant(4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
            KnownInstant(-1, "1969-12-31T23:59:59.999Z"),
            KnownInstant(-999, "1969-12-31T23:59:59.001Z"),
            KnownInstant(-1_000, "1969-12-31T23:59:59.000Z"),
            KnownInstant(-1_001, "1969-12-31T23:59:58.999Z"),
            KnownInstant(-86_400_000, "1969-12-31T00:00:00.000Z"),
            KnownInstant(-86_400_001, "1969-12-30T23:59:59.999Z"),
            KnownInstant(-14_182_940_000, "1969-07-20T20:17:40.000Z"),
            KnownInstant(-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),
            KnownInstant(-11_670_974_999_500, "1600-02-29T06:30:00.500Z"),
            KnownInstant(-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
            KnownInstant(253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ])
    func knownInstants(_ instant: KnownInstant) {
        let timestamp = Timestamp(millisecondsSinceEpoch: instant.milliseconds)
        #expect(timestamp.iso8601 == instant.text)
        #expect(timestamp.description == instant.text)
    }

    @Test("agrees with a naive day-counting calendar for 5,000 random instants from 1600 to 2400")
    func agreesWithNaiveCalendar() {
        var generator = SplitMix64(seed: 1970)
        let range: ClosedRange<Int64> = -11_676_096_000_000...13_569_465_600_000
        for _ in 0..<5_000 {
            let milliseconds = Int64.random(in: range, using: &generator)
            #expect(Timestamp(millisecondsSinceEpoch: milliseconds).iso8601 == naiveISO8601(milliseconds))
        }
    }

    @Test("arithmetic and ordering")
    func arithmetic() {
        let start = Timestamp(millisecondsSinceEpoch: 1_000)
        #expect(start.adding(seconds: 90).rawValue == 91_000)
        #expect(start.adding(seconds: -2).rawValue == -1_000)
        #expect(start.adding(milliseconds: 5).rawValue == 1_005)
        #expect(start < start.adding(milliseconds: 1))
        #expect(!(start < start))
        #expect(Timestamp(rawValue: 7) == Timestamp(millisecondsSinceEpoch: 7))
    }

    /// The expected text, computed by counting whole years and months from the epoch.
    func naiveISO8601(_ milliseconds: Int64) -> String {
        func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }
        func daysIn(year: Int64) -> Int64 { isLeap(year) ? 366 : 365 }
        var millis = milliseconds % 86_400_000
        var days = milliseconds / 86_400_000
        if millis < 0 {
            millis += 86_400_000
            days -= 1
        }
        var year: Int64 = 1970
        while days < 0 {
            year -= 1
            days += daysIn(year: year)
        }
        while days >= daysIn(year: year) {
            days -= daysIn(year: year)
            year += 1
        }
        let monthLengths: [Int64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var month = 0
        while days >= monthLengths[month] {
            days -= monthLengths[month]
            month += 1
        }
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let seconds = millis / 1000
        return "\(pad(year, 4))-\(pad(Int64(month + 1), 2))-\(pad(days + 1, 2))T\(pad(seconds / 3600, 2)):"
            + "\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(millis % 1000, 3))Z"
    }
}
