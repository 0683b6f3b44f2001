// swift-tools-version:6.1
import PackageDescription

// Every dependency is chosen on purpose; each one costs build minutes on a 2-core CI.
// - swift-argument-parser: the CLI.
// - swift-log + swift-service-lifecycle: logging facade, service lifecycle and signals for `watch`.
// - Yams: the policy files are YAML, so pharmacists can comment them.
// SHA-256 (`source_sha256`, the policy digest) comes from the system's OpenSSL libcrypto (libssl-dev), not
// swift-crypto: swift-crypto compiles its own BoringSSL, about 2 of a debug build's 3.5 minutes, and CI builds
// five times (debug, ASan, TSan, fuzzing, release package).
// - swift-nio (NIOPosix + NIOHTTP1): the HTTP/1.1 server of `regimen-guard serve` (CDS Hooks). Chosen over
//   Hummingbird 2, which is built on it: socket activation needs `ServerBootstrap.withBoundSocket(_:)`, which
//   Hummingbird 2.28.1's `BindAddress` does not expose, and the contract's order of checks (404, 405, preflight,
//   413 by Content-Length or while reading, then auth) needs the request head before the body anyway. Measured
//   on this 2-core machine (2026-12-01, clean debug builds of probe packages, load 10-16 from other builds, so
//   CPU seconds are the fair figure): nothing 5 s CPU; swift-nio 111 s CPU (326 s wall); Hummingbird
//   2.28.1 232 s CPU (383 s wall), twice NIO alone. Debug, ASan, TSan and release builds compile NIO (fuzzing
//   does not).
// - JWT (JWS ES256/ES384/RS256/RS384/PS384) is verified with the same system libcrypto (EVP_PKEY_fromdata from
//   JWK members, EVP_DigestVerify; ES* raw r||s converted to DER) in the small C target CJOSE, not jwt-kit:
//   jwt-kit 5.8.0 with swift-crypto, swift-certificates and swift-asn1 measured 284 s CPU (658 s wall) for a
//   clean debug build, against 0 s for libcrypto, which is already linked and security-maintained by Debian;
//   ×4 builds in CI that is about 10 minutes of an idle 2-core machine. The verifier is tested against tokens
//   signed by PyJWT + cryptography (Tests/RegimenGuardCDSTests/Vectors, Tests/cds).
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
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
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
        // JWS signature checks (RS*, PS384, ES*) with the system's libcrypto, like SHA-256: see RegimenGuardCDS.
        .target(name: "CJOSE", linkerSettings: [.linkedLibrary("crypto")]),
        // `regimen-guard serve`: the CDS Hooks 2.0 service (HTTP, JWT verification, cards, feedback, decision log).
        .target(
            name: "RegimenGuardCDS",
            dependencies: [
                "RegimenGuardCore",
                "RegimenGuardPolicyStore",
                "RegimenGuardJournal",
                "RegimenGuardSystemd",
                "CSystemd",
                "CJOSE",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // `regimen-guard report`: the figures of how alerts fared, from journal records (no I/O: the CLI reads the
        // journal), rendered as text, JSON, Prometheus exposition and HTML. RegimenGuardJournal for the MESSAGE_IDs.
        .target(
            name: "RegimenGuardReport",
            dependencies: ["RegimenGuardJournal"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "regimen-guard",
            dependencies: [
                "RegimenGuardCore",
                "RegimenGuardService",
                "RegimenGuardCDS",
                "RegimenGuardSystemd",
                "RegimenGuardJournal",
                "RegimenGuardPolicyStore",
                "RegimenGuardReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Benchmarks that print numbers (throughput, latency percentiles, memory); not tests.
        // The benchmark's floor: simdjson (libsimdjson-dev), the fastest JSON parser on the machine, parses the same
        // bytes the core judges. Benchmark-only: nothing the product ships links it.
        .target(
            name: "CSimdjsonFloor",
            path: "Benchmarks/CSimdjsonFloor",
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        .executableTarget(
            name: "regimen-guard-bench",
            dependencies: ["RegimenGuardCore", "RegimenGuardPolicyStore", "CLinux", "CSimdjsonFloor"],
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
                "RegimenGuardService", "RegimenGuardCore", "RegimenGuardPolicyStore", "RegimenGuardJournal",
                "RegimenGuardReport", "RegimenGuardSystemd", "TestSupport",
                "regimen-guard",
            ],
            swiftSettings: strictSettings
        ),
        // The built binary on the repository's examples, the README's console sample and every command's --help.
        .testTarget(
            name: "RegimenGuardExampleTests",
            dependencies: ["TestSupport", "regimen-guard"],
            exclude: ["Snapshots"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegimenGuardCDSTests",
            dependencies: [
                "RegimenGuardCDS", "RegimenGuardCore", "RegimenGuardPolicyStore", "RegimenGuardJournal", "TestSupport",
            ],
            exclude: ["Vectors"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegimenGuardReportTests",
            dependencies: ["RegimenGuardReport", "RegimenGuardJournal", "RegimenGuardSystemd", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegimenGuardCLITests",
            dependencies: ["RegimenGuardCore", "TestSupport", "regimen-guard"],
            swiftSettings: strictSettings
        ),
    ]
)
