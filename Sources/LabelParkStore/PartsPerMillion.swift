/// Shares in [0, 1] as integer parts per million: how scores and quality levels are stored, so every
/// engine (and a copy between engines) holds exactly the same number.
public enum PartsPerMillion {
    /// The share rounded to the nearest millionth.
    public static func from(_ share: Double) -> Int64 { Int64((share * 1_000_000).rounded()) }

    public static func share(_ partsPerMillion: Int64) -> Double { Double(partsPerMillion) / 1_000_000 }
}
