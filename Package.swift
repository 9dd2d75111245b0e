// swift-tools-version:6.0
import PackageDescription

// libcurl is loaded when the HTTP clients first need it (Sources/CCurlOnDemand), not at every
// start: the modules that import FoundationNetworking, and the executable that imports them,
// must not ask the linker for it.
let curlFunctions = [
    "curl_easy_cleanup", "curl_easy_getinfo", "curl_easy_init", "curl_easy_pause", "curl_easy_setopt",
    "curl_easy_strerror", "curl_free", "curl_global_init", "curl_multi_add_handle", "curl_multi_assign",
    "curl_multi_cleanup", "curl_multi_info_read", "curl_multi_init", "curl_multi_remove_handle",
    "curl_multi_setopt", "curl_multi_socket_action", "curl_slist_append", "curl_slist_free_all", "curl_url",
    "curl_url_get", "curl_url_set", "curl_version", "curl_version_info",
]
let noCurlAtStartUp: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-autolink-library", "-Xfrontend", "curl"], .when(platforms: [.linux])),
]

let package = Package(
    name: "sendit",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sendit", targets: ["sendit"]),
        .library(name: "DICOMCore", targets: ["DICOMCore"]),
        .library(name: "DICOMFile", targets: ["DICOMFile"]),
        .library(name: "DICOMUpperLayer", targets: ["DICOMUpperLayer"]),
        .library(name: "DICOMDIMSE", targets: ["DICOMDIMSE"]),
        .library(name: "DICOMNetwork", targets: ["DICOMNetwork"]),
        .library(name: "Deidentify", targets: ["Deidentify"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Structured logging: the standard Logger API, so sendit's logs can go to any backend.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The SQLite index (docs/design.md): WAL, migrations, records; on the system's SQLite.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // HMAC-SHA256 for the keyed UID remapper and the local pseudonymizer: a vetted
        // implementation (BoringSSL on Linux) rather than hand-written cryptography.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `sendit serve` runs its components (listener, intake, workers, clean-up) as one
        // ServiceGroup: signals go to the group, shutdown runs in reverse order, and a component
        // that fails stops the whole node instead of leaving it half-alive.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The web dashboard and JSON API (SenditWeb): Hummingbird 2 runs as a Service in the
        // node's service group, on swift-nio; its testing API drives the route tests.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // bcrypt (HummingbirdBcrypt) for the web users' passwords: a slow, salted, vetted hash.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // Counters, gauges and histograms (swift-metrics), exported in Prometheus' text format.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSenditSystem", path: "Sources/CSenditSystem"),
        // OpenSSL from the system (Debian: libssl-dev, as dcmtk uses it) for DICOM over TLS: the
        // listener and the requestor run blocking sockets on threads, which a TLS session over
        // the same socket fits (swift-nio-ssl would need NIO's event loops under them).
        .systemLibrary(name: "CSSL", path: "Sources/CSSL", providers: [.apt(["libssl-dev"])]),
        .target(name: "CCurlOnDemand", linkerSettings: [
            // Exported, so that in a dynamic build (debug, the tests) libFoundationNetworking.so
            // calls them too, and the tests run the forwarding the static release build runs.
            .unsafeFlags(curlFunctions.flatMap { ["-Xlinker", "--export-dynamic-symbol=\($0)"] }, .when(platforms: [.linux])),
        ]),
        // A service's loop on a thread of its own, and how it ended (a leaf, Foundation only): the
        // listener, the intake, the job workers and clean-up start their threads through it.
        .target(name: "LoopThreads"),
        .target(name: "DICOMCore", exclude: []),
        .target(name: "DICOMFile", dependencies: ["DICOMCore", "CZlib", "CSenditSystem"]),
        .target(name: "DICOMUpperLayer", dependencies: ["DICOMCore"]),
        .target(name: "DICOMDIMSE", dependencies: ["DICOMCore", "DICOMUpperLayer"]),
        .target(name: "DICOMNetwork", dependencies: [
            "DICOMCore", "DICOMFile", "DICOMUpperLayer", "DICOMDIMSE", "LoopThreads", .product(name: "Logging", package: "swift-log"),
            // DICOM over TLS (TLSContext, TLSStream).
            "CSSL",
            // Counters and the receive-time histogram of the listener (ReceiveMetrics).
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "Deidentify", dependencies: [
            // CZlib: the PHI gate inflates a deflated output itself, to search the bytes written.
            "DICOMCore", "DICOMFile", "CZlib", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The index: the SQLite database behind intent methods; the only module that imports GRDB.
        .target(name: "SenditIndex", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The NIfTI-1 volume writer (a leaf): a series' de-identified images to one volume.
        .target(name: "NIfTI", dependencies: ["DICOMCore", "DICOMFile", "CZlib"]),
        // The HTTP clients (a leaf): Google credentials and Cloud Storage, Orthanc's REST API,
        // the identifiers service.
        .target(name: "RemoteServices", dependencies: [
            "Deidentify", .product(name: "Crypto", package: "swift-crypto"),
            // RS256 (RSA PKCS#1 v1.5, SHA-256) for Google's service-account JWT.
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            // Not imported: defines the curl_* functions FoundationNetworking (HTTPCall) calls,
            // loading libcurl on the first request rather than at every start.
            "CCurlOnDemand",
        ], swiftSettings: noCurlAtStartUp),
        // The intake: the folder contract, the receiver's staging area (its InstanceStaging,
        // which DICOMNetwork defines), watching and rescanning the data folder, importing
        // finished folders into the index, quarantine.
        .target(name: "SenditIntake", dependencies: [
            "DICOMCore", "DICOMFile", "DICOMNetwork", "SenditIndex", "CSenditSystem", "LoopThreads", .product(name: "Logging", package: "swift-log"),
            // The routing rules' conditions are the burned-in rules' language (BurnedInRules.Condition).
            "Deidentify",
            // The importer's counters (IntakeMetrics).
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "Pipeline", dependencies: [
            "DICOMCore", "DICOMFile", "DICOMDIMSE", "DICOMNetwork", "Deidentify", "NIfTI", "RemoteServices", "SenditIndex",
            "SenditIntake", "CSenditSystem", "LoopThreads",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            // The stages' counters and histograms (PipelineMetrics).
            .product(name: "CoreMetrics", package: "swift-metrics"),
            // Not imported: defines the curl_* functions FoundationNetworking calls.
            "CCurlOnDemand",
        ], swiftSettings: noCurlAtStartUp),
        // The web dashboard, the JSON API, /metrics and the health checks; users, sessions and
        // the audit trail. Reaches the node through protocols the executable implements.
        .target(name: "SenditWeb", dependencies: [
            "SenditIndex",
            // SHOW_PHI: the original values, read on request from a received image's header.
            "DICOMCore", "DICOMFile",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            // HTTPS when HTTP_TLS_CERT and HTTP_TLS_KEY are set (swift-nio-ssl underneath).
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "sendit",
            dependencies: [
                "DICOMCore", "DICOMFile", "DICOMUpperLayer", "DICOMNetwork", "Deidentify", "NIfTI",
                "RemoteServices", "Pipeline", "SenditIndex", "SenditIntake", "SenditWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: noCurlAtStartUp,
            plugins: ["BuildInfo"]),
        // Writes the git commit of the build into the executable (`sendit version`).
        .plugin(name: "BuildInfo", capability: .buildTool(), path: "Plugins/BuildInfo"),
        // What the test suites share: the package root, the outside programs, running them.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The SQLite index's rows as values, states no intent makes, a database of the previous
        // version: for the tests of the modules above the index, so that none writes SQL.
        .target(name: "SenditIndexTestSupport", dependencies: ["SenditIndex", .product(name: "GRDB", package: "GRDB.swift")],
                path: "Tests/SenditIndexTestSupport"),
        // A scratch index, quarantine and data folder with an importer, and small DICOM
        // instances: what the intake's and the pipeline's tests share.
        .target(name: "IntakeTestSupport", dependencies: [
            "SenditIntake", "SenditIndex", "SenditIndexTestSupport", "DICOMCore", "DICOMFile", "DICOMNetwork",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/IntakeTestSupport"),
        .testTarget(name: "LoopThreadsTests", dependencies: ["LoopThreads"]),
        .testTarget(name: "DICOMCoreTests", dependencies: ["DICOMCore"]),
        .testTarget(name: "DICOMFileTests", dependencies: ["DICOMCore", "DICOMFile", "TestSupport"]),
        .testTarget(name: "DICOMUpperLayerTests", dependencies: ["DICOMUpperLayer", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DICOMDIMSETests", dependencies: ["DICOMDIMSE", "DICOMUpperLayer", "TestSupport"]),
        .testTarget(name: "DICOMNetworkTests", dependencies: [
            "DICOMNetwork", "DICOMCore", "DICOMFile", "DICOMUpperLayer", "DICOMDIMSE", "TestSupport", .product(name: "Logging", package: "swift-log"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "PipelineTests", dependencies: [
            "Pipeline", "SenditIndex", "SenditIntake", "Deidentify", "NIfTI", "RemoteServices", "TestSupport", "DICOMNetwork", "DICOMCore", "DICOMFile",
            "DICOMDIMSE", "SenditIndexTestSupport", "IntakeTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "SenditIntakeTests", dependencies: [
            "SenditIntake", "SenditIndex", "SenditIndexTestSupport", "IntakeTestSupport", "DICOMNetwork", "DICOMCore", "DICOMFile",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SenditIndexTests", dependencies: ["SenditIndex", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "DeidentifyTests", dependencies: ["Deidentify", "DICOMCore", "DICOMFile", "TestSupport"]),
        .testTarget(name: "NIfTITests", dependencies: ["NIfTI", "DICOMCore", "DICOMFile", "CZlib", "TestSupport"]),
        .testTarget(name: "RemoteServicesTests", dependencies: ["RemoteServices", "TestSupport"]),
        .testTarget(name: "SenditWebTests", dependencies: [
            "SenditWeb", "SenditIndex", "TestSupport", "DICOMCore", "DICOMFile",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "senditTests", dependencies: [
            "sendit", "DICOMCore", "DICOMFile", "SenditIndex", "TestSupport", .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
