// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "keysync",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "keysync", targets: ["keysync"]),
        .library(name: "Manifest", targets: ["Manifest"]),
        .library(name: "Reconciler", targets: ["Reconciler"]),
        .library(name: "AgeFormat", targets: ["AgeFormat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // libyaml, read at the event level; the C surface stays in this target and in
        // Manifest/YAML/EventReader.swift.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // zlib's crc32, for the checksum of key material.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The age v1 file format (C2SP), composed from swift-crypto primitives.
        .target(
            name: "AgeFormat",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // keys.yaml → a typed, validated model that remembers file:line:column.
        .target(
            name: "Manifest",
            dependencies: [
                "CYAML", "AgeFormat",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The state file, the diff into a plan, and the apply that executes it.
        .target(
            name: "Reconciler",
            dependencies: [
                "Manifest", "AgeFormat", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The request-time service: forward auth for gateways, rate limits, usage; see docs/gateways.md.
        .target(
            name: "KeysyncServer",
            dependencies: [
                "Reconciler",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The command line: arguments, rendering to the terminal, exit codes.
        .executableTarget(
            name: "keysync",
            dependencies: [
                "Manifest", "Reconciler", "AgeFormat", "KeysyncServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks against the floors named in the issues; see BENCHMARKS.md.
        .executableTarget(
            name: "keysync-bench",
            dependencies: ["Manifest", "Reconciler", "AgeFormat", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Shared by the test targets: a seeded generator, the CCTV age vectors, the `age` CLI.
        .target(
            name: "TestSupport",
            dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "AgeFormatTests", dependencies: ["AgeFormat", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest"], exclude: ["Fixtures"]),
        .testTarget(name: "ReconcilerTests", dependencies: ["Reconciler", "Manifest", "TestSupport"], exclude: ["Fixtures"]),
        // End-to-end tests that run the built `keysync` binary.
        .testTarget(
            name: "KeysyncTests",
            dependencies: ["keysync", "TestSupport", .product(name: "Crypto", package: "swift-crypto"), "CZlib"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "KeysyncServerTests",
            dependencies: [
                "KeysyncServer", "Reconciler", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ]
)
