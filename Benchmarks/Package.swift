// swift-tools-version:6.1
import PackageDescription

// A package of its own so neither the main build nor CI compiles ordo-one/benchmark (once named
// package-benchmark). Run from this folder: `swift package benchmark`.
let package = Package(
    name: "labelpark-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "labelpark", path: ".."),
        // Only the malloc interposer: the trait list replaces the defaults, which on Linux with Swift 6.3
        // would also pull in a Swift runtime interposer package that the project's machines do not have.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "LabelParkBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LabelParkCore", package: "labelpark"),
                .product(name: "LabelParkStore", package: "labelpark"),
                .product(name: "LabelParkFormats", package: "labelpark"),
            ],
            path: "Benchmarks/LabelParkBenchmarks",
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
