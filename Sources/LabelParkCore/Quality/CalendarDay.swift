/// A day of the proleptic Gregorian calendar in UTC, counted from 1970-01-01; what "accuracy per day" groups by.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01, negative before it.
    public var daysSinceEpoch: Int64

    public init(daysSinceEpoch: Int64) { self.daysSinceEpoch = daysSinceEpoch }

    /// The UTC day that contains `timestamp`.
    public init(containing timestamp: Timestamp) {
        let millisecondsPerDay: Int64 = 86_400_000
        // Rounded towards minus infinity, so the last millisecond before the epoch belongs to 1969-12-31.
        let (quotient, remainder) = timestamp.rawValue.quotientAndRemainder(dividingBy: millisecondsPerDay)
        self.init(daysSinceEpoch: remainder < 0 ? quotient - 1 : quotient)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// The day as `YYYY-MM-DD`, e.g. `2026-11-26`.
    public var iso8601: String {
        // Timestamp already converts days to a civil date; its first ten characters are the date of midnight.
        String(Timestamp(millisecondsSinceEpoch: daysSinceEpoch * 86_400_000).iso8601.prefix(10))
    }

    public var description: String { iso8601 }
}
