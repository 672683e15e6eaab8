// swift-tools-version:6.1
import PackageDescription

/// Settings every LabelPark target shares: Swift 6 language mode plus the upcoming features that keep
/// module boundaries honest.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "labelpark",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "labelpark", targets: ["labelpark"]),
        .executable(name: "labelpark-bench", targets: ["LabelParkBench"]),
        .library(name: "LabelParkCore", targets: ["LabelParkCore"]),
        .library(name: "LabelParkStore", targets: ["LabelParkStore"]),
        .library(name: "LabelParkFormats", targets: ["LabelParkFormats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/CoreOffice/XMLCoder.git", from: "0.18.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // Pure domain: no I/O, no dependencies.
        .target(name: "LabelParkCore", swiftSettings: swiftSettings),
        // The storage port: protocols, models and errors every engine shares.
        .target(
            name: "LabelParkStore",
            dependencies: ["LabelParkCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LabelParkSQLite",
            dependencies: [
                "LabelParkCore",
                "LabelParkStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LabelParkPostgres",
            dependencies: [
                "LabelParkCore",
                "LabelParkStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Media bytes: the AssetStore port with its engines (local files, S3-compatible object storage).
        .target(
            name: "LabelParkAssets",
            dependencies: [
                "LabelParkCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "XMLCoder", package: "XMLCoder"),
            ],
            swiftSettings: swiftSettings
        ),
        // Streaming import/export codecs: bytes in, values out (and back). No I/O policy.
        .target(
            name: "LabelParkFormats",
            dependencies: [
                "LabelParkCore", "LabelParkStore",
                .product(name: "XMLCoder", package: "XMLCoder"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LabelParkHTTP",
            dependencies: [
                "LabelParkCore",
                "LabelParkStore",
                "LabelParkFormats",
                "LabelParkAssets",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web UI: Mustache page templates and the static files (CSS, ES modules, translations).
            resources: [.copy("Templates"), .copy("Public")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "labelpark",
            dependencies: [
                "LabelParkCore",
                "LabelParkStore",
                "LabelParkSQLite",
                "LabelParkPostgres",
                "LabelParkHTTP",
                "LabelParkAssets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The load generator: starts a server and measures import, annotate and export over HTTP.
        .executableTarget(
            name: "LabelParkBench",
            dependencies: [
                "LabelParkCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Builders, a deterministic clock and the store contract suite shared by every engine's tests.
        .target(
            name: "LabelParkTestSupport",
            dependencies: ["LabelParkCore", "LabelParkStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LabelParkCoreTests",
            dependencies: ["LabelParkCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LabelParkFormatsTests",
            dependencies: [
                "LabelParkCore", "LabelParkStore", "LabelParkFormats",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LabelParkStoreTests",
            dependencies: ["LabelParkCore", "LabelParkStore", "LabelParkSQLite", "LabelParkTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LabelParkPostgresTests",
            dependencies: [
                "LabelParkCore",
                "LabelParkStore",
                "LabelParkSQLite",
                "LabelParkPostgres",
                "LabelParkTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LabelParkAssetsTests",
            dependencies: [
                "LabelParkCore", "LabelParkAssets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // botocore's SigV4 vectors, read by path (Tests/reference/s3_signature_vectors.py writes them).
            exclude: ["Resources"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LabelParkHTTPTests",
            dependencies: [
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                "LabelParkCore",
                "LabelParkStore",
                "LabelParkSQLite",
                "LabelParkHTTP",
                "LabelParkAssets",
                "LabelParkTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
