/// The chance draws quality control makes: whether a claim serves gold, whether a submission is sampled for
/// review, where a walk over gold tasks starts. Injected like the clock, so tests can script rates between 0
/// and 1 and check the outcome exactly.
public struct RandomDraws: Sendable {
    private let draw: @Sendable () -> Double

    /// Draws from `draw`, which must return values in [0, 1).
    public init(_ draw: @escaping @Sendable () -> Double) { self.draw = draw }

    /// Uniform draws from the system generator.
    public static let system = RandomDraws { Double.random(in: 0..<1) }

    /// The next draw, in [0, 1).
    public func next() -> Double {
        let value = draw()
        return value >= 0 && value < 1 ? value : 0
    }

    /// An integer in `0...upper` from the next draw; 0 when `upper` is not positive.
    public func integer(upTo upper: Int64) -> Int64 {
        guard upper > 0 else { return 0 }
        let scaled = (next() * (Double(upper) + 1)).rounded(.down)
        // Double(upper) + 1 rounds for ids near 2^63; the clamp keeps the result in range.
        return scaled >= Double(upper) ? upper : Int64(scaled)
    }
}
