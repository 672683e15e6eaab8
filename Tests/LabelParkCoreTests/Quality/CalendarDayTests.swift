import LabelParkCore
import Testing

@Suite("Calendar days in UTC")
struct CalendarDayTests {
    @Test("the epoch, and the milliseconds on either side of a midnight")
    func boundaries() {
        #expect(CalendarDay(containing: Timestamp(rawValue: 0)) == CalendarDay(daysSinceEpoch: 0))
        #expect(CalendarDay(containing: Timestamp(rawValue: 0)).iso8601 == "1970-01-01")
        // 86 400 000 ms is one day: its last millisecond is still day 0, the next one is day 1.
        #expect(CalendarDay(containing: Timestamp(rawValue: 86_399_999)).daysSinceEpoch == 0)
        #expect(CalendarDay(containing: Timestamp(rawValue: 86_400_000)).iso8601 == "1970-01-02")
        // Before the epoch days round down, not towards zero: −1 ms is the last millisecond of 1969-12-31.
        #expect(CalendarDay(containing: Timestamp(rawValue: -1)).daysSinceEpoch == -1)
        #expect(CalendarDay(containing: Timestamp(rawValue: -1)).iso8601 == "1969-12-31")
        #expect(CalendarDay(containing: Timestamp(rawValue: -86_400_000)).daysSinceEpoch == -1)
        #expect(CalendarDay(containing: Timestamp(rawValue: -86_400_001)).daysSinceEpoch == -2)
    }

    @Test("dates across leap years and centuries")
    func dates() {
        // 1970…2025 is 56 years with 14 leap days (1972…2024): 56·365 + 14 = 20 454 days to 2026-01-01; then
        // January…October 2026 has 304 days and the 26th adds 25: 20 454 + 304 + 25 = 20 783.
        #expect(CalendarDay(daysSinceEpoch: 20_783).iso8601 == "2026-11-26")
        // 2026-11-26T23:59:59.999Z is 1 795 737 599 999 ms: still that day.
        #expect(CalendarDay(containing: Timestamp(rawValue: 1_795_737_599_999)).daysSinceEpoch == 20_783)
        // 2024 is a leap year (÷4), 2000 too (÷400), 1900 is not (÷100): 19 782 and 11 016 days after the epoch,
        // and 25 508 days before it (1900-03-01 directly follows 1900-02-28).
        #expect(CalendarDay(daysSinceEpoch: 19_782).iso8601 == "2024-02-29")
        #expect(CalendarDay(daysSinceEpoch: 11_016).iso8601 == "2000-02-29")
        #expect(CalendarDay(daysSinceEpoch: -25_508).iso8601 == "1900-03-01")
        #expect(CalendarDay(daysSinceEpoch: -25_509).iso8601 == "1900-02-28")
        #expect(CalendarDay(daysSinceEpoch: 1) < CalendarDay(daysSinceEpoch: 2))
    }
}
