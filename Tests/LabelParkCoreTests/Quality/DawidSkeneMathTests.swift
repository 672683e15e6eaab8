import Testing

@testable import LabelParkCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The C library's natural logarithm, the reference the module's own is checked against.
func referenceLog(_ x: Double) -> Double { log(x) }

/// The distance between two doubles in units in the last place of the expected one.
private func ulps(_ value: Double, from expected: Double) -> Double {
    if value == expected { return 0 }
    return abs(value - expected) / expected.ulp
}

@Suite("Dawid-Skene math")
struct DawidSkeneMathTests {
    @Test("exp is within 2 ulp of the C library's from −745 to 709")
    func exponential() {
        var worst = 0.0
        var generator = SplitMix64(seed: 11)
        var samples: [Double] = [0, -0.0, 1, -1, 0.5, 1e-300, -1e-300, 700, -700, 709.7, -708.3, -740, -745.1]
        for step in -7_450...7_090 { samples.append(Double(step) / 10) }
        for _ in 0..<100_000 { samples.append(Double.random(in: -745...709.7, using: &generator)) }
        for _ in 0..<20_000 { samples.append(Double.random(in: -1...1, using: &generator)) }
        for x in samples { worst = max(worst, ulps(DawidSkeneMath.exp(x), from: exp(x))) }
        #expect(worst <= 2)
    }

    @Test("log is within 2 ulp of the C library's, subnormals included")
    func logarithm() {
        var worst = 0.0
        var generator = SplitMix64(seed: 12)
        var samples: [Double] = [
            1, 2, 0.5, 1.0.nextUp, 1.0.nextDown, .leastNonzeroMagnitude, .leastNormalMagnitude,
            .greatestFiniteMagnitude, 1.414_213_562_373_095, 1.414_213_562_373_096, 0.707_106_781_186_547_6, 3,
            1e-310,
        ]
        for _ in 0..<100_000 {
            let exponent = Int.random(in: -1074...1023, using: &generator)
            let mantissa = Double.random(in: 1..<2, using: &generator)
            let value = Double(sign: .plus, exponent: exponent, significand: mantissa)
            if value > 0 && value.isFinite { samples.append(value) }
        }
        for _ in 0..<20_000 { samples.append(Double.random(in: 0.5...2, using: &generator)) }
        for x in samples { worst = max(worst, ulps(DawidSkeneMath.log(x), from: log(x))) }
        #expect(worst <= 2)
    }

    @Test("special values")
    func specialValues() {
        #expect(DawidSkeneMath.exp(0) == 1)
        #expect(DawidSkeneMath.exp(-.infinity) == 0)
        #expect(DawidSkeneMath.exp(-800) == 0)
        #expect(DawidSkeneMath.exp(.infinity) == .infinity)
        #expect(DawidSkeneMath.exp(710) == .infinity)
        #expect(DawidSkeneMath.exp(.nan).isNaN)
        #expect(DawidSkeneMath.log(1) == 0)
        #expect(DawidSkeneMath.log(0) == -.infinity)
        #expect(DawidSkeneMath.log(.infinity) == .infinity)
        #expect(DawidSkeneMath.log(-1).isNaN)
        #expect(DawidSkeneMath.log(.nan).isNaN)
    }
}
