/// The natural exponential and logarithm that truth inference needs, in plain Swift.
///
/// The standard library has neither, and LabelParkCore imports nothing, not even the C library. Both
/// functions are within about one unit in the last place of the correctly rounded result for every finite
/// input (the tests compare them with the C library's over a wide sweep).
enum DawidSkeneMath {
    /// ln 2 split in two: the high part has its low 21 bits zero, so `n * ln2High` is exact for |n| < 2^21.
    private static let ln2High = Double(bitPattern: 0x3FE6_2E42_FEE0_0000)
    private static let ln2Low = 1.908_214_929_270_587_8e-10
    private static let log2e = 1.442_695_040_888_963_4
    private static let squareRootOfTwo = 1.414_213_562_373_095_1
    /// Adding then subtracting 1.5 × 2^52 rounds a double of magnitude below 2^51 to the nearest integer.
    private static let roundingShift = 6_755_399_441_055_744.0

    /// e^x.
    @inline(__always)
    static func exp(_ x: Double) -> Double {
        // NaN fails both comparisons and comes back unchanged.
        guard x > -745.2 else { return x.isNaN ? x : 0 }
        guard x < 709.8 else { return x.isNaN ? x : .infinity }
        // x = n·ln 2 + r with |r| ≤ ln 2 / 2, so e^x = 2^n · e^r.
        let n = (x * log2e + roundingShift) - roundingShift
        let r = (x - n * ln2High) - n * ln2Low
        // Taylor series of e^r to r^13: the first term left out is below 5e-18 for |r| ≤ 0.347. Estrin's
        // scheme (pairs, then pairs of pairs) keeps the chain of dependent operations short.
        let r2 = r * r
        let r4 = r2 * r2
        let r8 = r4 * r4
        let terms01 = 1 + r
        let terms23 = 1.0 / 2 + r * (1.0 / 6)
        let terms45 = 1.0 / 24 + r * (1.0 / 120)
        let terms67 = 1.0 / 720 + r * (1.0 / 5_040)
        let terms89 = 1.0 / 40_320 + r * (1.0 / 362_880)
        let terms1011 = 1.0 / 3_628_800 + r * (1.0 / 39_916_800)
        let terms1213 = 1.0 / 479_001_600 + r * (1.0 / 6_227_020_800)
        let terms0to3 = terms01 + r2 * terms23
        let terms4to7 = terms45 + r2 * terms67
        let terms8to11 = terms89 + r2 * terms1011
        let terms0to7 = terms0to3 + r4 * terms4to7
        let terms8to13 = terms8to11 + r4 * terms1213
        let sum = terms0to7 + r8 * terms8to13
        return scaled(sum, byPowerOfTwo: Int(n))
    }

    /// ln x; −∞ at 0, NaN below 0.
    static func log(_ x: Double) -> Double {
        guard x > 0, x < .infinity else {
            if x == 0 { return -.infinity }
            return x == .infinity ? x : .nan
        }
        var exponent = Int(x.exponent)
        var mantissa = x.significand
        // Centre the mantissa on 1 so the series below converges fast: m ∈ (√2/2, √2].
        if mantissa > squareRootOfTwo {
            mantissa *= 0.5
            exponent += 1
        }
        let f = mantissa - 1
        // ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …) with s = (m − 1)/(m + 1), |s| ≤ 0.172.
        let s = f / (2 + f)
        let z = s * s
        var series = 1.0 / 23
        series = series * z + 1.0 / 21
        series = series * z + 1.0 / 19
        series = series * z + 1.0 / 17
        series = series * z + 1.0 / 15
        series = series * z + 1.0 / 13
        series = series * z + 1.0 / 11
        series = series * z + 1.0 / 9
        series = series * z + 1.0 / 7
        series = series * z + 1.0 / 5
        series = series * z + 1.0 / 3
        let twiceS = s + s
        let logMantissa = twiceS + twiceS * z * series
        let n = Double(exponent)
        return n * ln2High + (logMantissa + n * ln2Low)
    }

    /// value · 2^power, building the power of two from its bits.
    @inline(__always)
    private static func scaled(_ value: Double, byPowerOfTwo power: Int) -> Double {
        if power > 1023 {
            return value * 2 * Double(bitPattern: UInt64(1023 + power - 1) << 52)
        }
        if power < -1022 {
            // Two steps, because 2^power alone is not a normal double.
            return value * Double(bitPattern: UInt64(1023 + power + 64) << 52) * 0x1p-64
        }
        return value * Double(bitPattern: UInt64(1023 + power) << 52)
    }
}
