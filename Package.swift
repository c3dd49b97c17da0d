// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "keysync",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "keysync", targets: ["keysync"]),
        .library(name: "KeysyncCore", targets: ["KeysyncCore"]),
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
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
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
        // What an API server links to verify keys: the key format, the state file (reading,
        // signature, rollback floor), canonical JSON, time, KeyVerifier. swift-crypto only.
        .target(
            name: "KeysyncCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
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
                "KeysyncCore", "CYAML", "AgeFormat",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The state file, the diff into a plan, and the apply that executes it.
        .target(
            name: "Reconciler",
            dependencies: [
                "KeysyncCore", "Manifest", "AgeFormat",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // setrlimit(RLIMIT_CORE) and prctl(PR_SET_DUMPABLE) for the commands that hold secrets;
        // C because prctl is variadic.
        .target(name: "CCoreDumps"),
        // The request-time service: forward auth for gateways, rate limits, usage; see docs/gateways.md.
        .target(
            name: "KeysyncServer",
            dependencies: [
                "KeysyncCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Expiry notices: who hears about which keys, the notices ledger, the messages; sendmail,
        // HTTP, clock and files are seams the CLI fills (docs/notify.md).
        .target(name: "Notices", dependencies: ["Reconciler"]),
        // The plan for people and tools: text, Markdown (pull-request comments), JSON.
        .target(name: "PlanRendering", dependencies: ["Reconciler", "Manifest"]),
        // The command line: arguments, rendering to the terminal, exit codes.
        .executableTarget(
            name: "keysync",
            dependencies: [
                "KeysyncCore", "Manifest", "Reconciler", "PlanRendering", "AgeFormat", "CCoreDumps", "KeysyncServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                "Notices", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Benchmarks against the floors named in the issues; see BENCHMARKS.md.
        .executableTarget(
            name: "keysync-bench",
            dependencies: ["KeysyncCore", "Manifest", "Reconciler", "AgeFormat", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // libFuzzer harnesses (FUZZING.md, fuzz/run). A normal build makes each a program that
        // replays the files it is given; built with -sanitize=fuzzer, each is a libFuzzer fuzzer.
        .target(name: "CFuzzDriver", path: "Sources/Fuzz/CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Sources/Fuzz/FuzzSupport"),
        .executableTarget(name: "FuzzManifest", dependencies: ["FuzzSupport", "Manifest"], path: "Sources/Fuzz/FuzzManifest"),
        .executableTarget(name: "FuzzStateFile", dependencies: ["FuzzSupport", "KeysyncCore", "Reconciler"], path: "Sources/Fuzz/FuzzStateFile"),
        .executableTarget(name: "FuzzAge", dependencies: ["FuzzSupport", "AgeFormat"], path: "Sources/Fuzz/FuzzAge"),
        .executableTarget(name: "FuzzAPIKey", dependencies: ["FuzzSupport", "KeysyncCore", "Reconciler"], path: "Sources/Fuzz/FuzzAPIKey"),
        .executableTarget(name: "FuzzPresentedKey", dependencies: ["FuzzSupport", "Reconciler"], path: "Sources/Fuzz/FuzzPresentedKey"),
        // Shared by the test targets: a seeded generator, test key ids, the CCTV age vectors (a copy, with their
        // LICENSE, in Fixtures/age-cctv), the `age` CLI.
        .target(
            name: "TestSupport",
            dependencies: ["CZlib", "KeysyncCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/TestSupport",
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "AgeFormatTests", dependencies: ["AgeFormat", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ManifestTests", dependencies: ["Manifest", "KeysyncCore"], exclude: ["Fixtures"]),
        .testTarget(name: "KeysyncCoreTests", dependencies: ["KeysyncCore", "TestSupport", "CZlib"]),
        .testTarget(name: "NoticesTests", dependencies: ["Notices", "Reconciler", "TestSupport"]),
        .testTarget(name: "ReconcilerTests", dependencies: ["Reconciler", "PlanRendering", "KeysyncCore", "Manifest", "TestSupport"], exclude: ["Fixtures"]),
        // End-to-end tests that run the built `keysync` binary.
        .testTarget(
            name: "KeysyncTests",
            dependencies: ["keysync", "TestSupport", .product(name: "Crypto", package: "swift-crypto"), "CZlib",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "KeysyncServerTests",
            dependencies: [
                "KeysyncServer", "Reconciler", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
    ]
)
