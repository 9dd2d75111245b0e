// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sendit",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sendit", targets: ["sendit"]),
        .library(name: "DICOMCore", targets: ["DICOMCore"]),
        .library(name: "DICOMFile", targets: ["DICOMFile"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "DICOMCore", exclude: []),
        .target(name: "DICOMFile", dependencies: ["DICOMCore", "CZlib"]),
        .executableTarget(
            name: "sendit",
            dependencies: [
                "DICOMCore", "DICOMFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "DICOMCoreTests", dependencies: ["DICOMCore"]),
        .testTarget(name: "DICOMFileTests", dependencies: ["DICOMCore", "DICOMFile"]),
        .testTarget(name: "senditTests", dependencies: ["sendit", "DICOMCore", "DICOMFile"]),
    ],
    swiftLanguageModes: [.v6]
)
