// swift-tools-version:6.1
import PackageDescription

// Every dependency is chosen on purpose; each one costs build minutes on a 2-core CI.
// - swift-argument-parser: the CLI.
// - swift-log + swift-service-lifecycle: logging facade, service lifecycle and signals for `watch`.
// - Yams: the policy files are YAML, so pharmacists can comment them.
// SHA-256 (`source_sha256`, the policy digest) comes from the system's OpenSSL libcrypto (libssl-dev), not
// swift-crypto: swift-crypto compiles its own BoringSSL, about 2 of a debug build's 3.5 minutes, and CI builds
// five times (debug, ASan, TSan, fuzzing, release package).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "regimen-guard",
    products: [
        .executable(name: "regimen-guard", targets: ["regimen-guard"]),
        .library(name: "RegimenGuardCore", targets: ["RegimenGuardCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure core: bytes and a date in, verdict out. No file, clock or process access.
        .target(
            name: "RegimenGuardCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                "CLibcrypto",
            ],
            swiftSettings: strictSettings
        ),
        // SHA-256 from libcrypto: pure computation, no I/O (the shim does not load openssl.cnf).
        .systemLibrary(
            name: "CLibcrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // systemd bindings: journal (sd_journal_sendv) and sd_notify, plus the swift-log handler.
        .target(
            name: "RegimenGuardSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Linux calls Swift's Glibc module lacks (renameat2 RENAME_NOREPLACE, syncfs, F_SETLEASE).
        .target(name: "CLinux"),
        // What a verdict becomes in the logs (priority, MESSAGE_ID, fields, sanitised error paths), for every
        // service that judges orders (the spool, the CDS Hooks service).
        .target(
            name: "RegimenGuardJournal",
            dependencies: [
                "RegimenGuardCore",
                "RegimenGuardSystemd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The policy folders, the loaded policy set and its SIGHUP reload (a Service keeping the last good set).
        .target(
            name: "RegimenGuardPolicyStore",
            dependencies: [
                "RegimenGuardCore",
                "RegimenGuardJournal",
                "RegimenGuardSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The spool service: inotify, claim, atomic verdicts, archive, quarantine, lifecycle.
        .target(
            name: "RegimenGuardService",
            dependencies: [
                "RegimenGuardCore",
                "RegimenGuardSystemd",
                "RegimenGuardJournal",
                "RegimenGuardPolicyStore",
                "CLinux",
                "CLibcrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "regimen-guard",
            dependencies: [
                "RegimenGuardCore",
                "RegimenGuardService",
                "RegimenGuardSystemd",
                "RegimenGuardJournal",
                "RegimenGuardPolicyStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Benchmarks that print numbers (throughput, latency percentiles, memory); not tests.
        .executableTarget(
            name: "regimen-guard-bench",
            dependencies: ["RegimenGuardCore", "RegimenGuardPolicyStore", "CLinux"],
            path: "Benchmarks/regimen-guard-bench",
            swiftSettings: strictSettings
        ),
        // Coverage-guided fuzzing with libFuzzer (Scripts/fuzz builds it with -sanitize=fuzzer,address).
        .target(name: "CFuzzer", path: "Fuzz/CFuzzer"),
        .executableTarget(
            name: "regimen-guard-fuzz",
            dependencies: ["RegimenGuardCore", "RegimenGuardPolicyStore", "CFuzzer"],
            path: "Fuzz/regimen-guard-fuzz",
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegimenGuardCoreTests",
            dependencies: ["RegimenGuardCore", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegimenGuardSystemdTests",
            dependencies: ["RegimenGuardSystemd", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegimenGuardServiceTests",
            dependencies: [
                "RegimenGuardService", "RegimenGuardCore", "RegimenGuardPolicyStore", "RegimenGuardJournal", "TestSupport",
                "regimen-guard",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegimenGuardCLITests",
            dependencies: ["RegimenGuardCore", "TestSupport", "regimen-guard"],
            swiftSettings: strictSettings
        ),
    ]
)
