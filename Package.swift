// swift-tools-version: 6.0
import PackageDescription

// Every user builds from source, so the kernels are compiled for the machine they run on:
// SIMD16<Float> code built for the SSE2 baseline ran 1.6x slower here than with AVX-512.
let nativeSwift: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native"])]
let nativeC: [CSetting] = [.unsafeFlags(["-march=native", "-O2"])]

let package = Package(
    name: "seq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seq", targets: ["seq"]),
        .library(name: "SeqTensor", targets: ["SeqTensor"]),
        .library(name: "SeqNN", targets: ["SeqNN"]),
        .library(name: "SeqText", targets: ["SeqText"]),
        .library(name: "SeqModels", targets: ["SeqModels"]),
        .library(name: "SeqTasks", targets: ["SeqTasks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "CICU", path: "Sources/CICU", cSettings: nativeC,
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icui18n"), .linkedLibrary("icudata")]),
        .target(name: "CSIMD", path: "Sources/CSIMD", cSettings: nativeC),
        .target(name: "SeqTensor", dependencies: ["CBLAS", "CSIMD"], swiftSettings: nativeSwift),
        .target(name: "SeqNN", dependencies: ["SeqTensor"], swiftSettings: nativeSwift),
        .target(name: "SeqText", dependencies: ["CICU"], swiftSettings: nativeSwift),
        .target(name: "SeqModels", dependencies: ["SeqNN", "SeqText"], swiftSettings: nativeSwift),
        .target(name: "SeqTasks", dependencies: ["SeqModels"], swiftSettings: nativeSwift),
        .target(name: "SeqTestSupport", dependencies: ["SeqTensor"], swiftSettings: nativeSwift),
        .executableTarget(
            name: "seq",
            dependencies: [
                "SeqTensor", "SeqNN", "SeqText", "SeqModels", "SeqTasks", "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nativeSwift),
        .testTarget(name: "SeqTensorTests", dependencies: ["SeqTensor", "SeqTestSupport"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqNNTests", dependencies: ["SeqNN", "SeqTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqModelsTests", dependencies: ["SeqModels", "SeqTasks", "SeqTestSupport"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqTextTests", dependencies: ["SeqText"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqTasksTests", dependencies: ["SeqTasks", "SeqTestSupport"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "seqTests", dependencies: ["seq", "SeqTestSupport"]),
    ]
)
