// swift-tools-version: 6.0
import PackageDescription

// Every user builds from source, so the kernels are compiled for the machine they run on:
// SIMD16<Float> code built for the SSE2 baseline ran 1.6x slower here than with AVX-512.
// SwiftPM refuses unsafe flags in a package that another package depends on by version, so
// they are left out when this package is such a dependency (it then sits in the consumer's
// `.build/checkouts/` or Xcode's `SourcePackages/checkouts/`) or when SEQ_PORTABLE=1
// asks for a build that runs on any x86-64 or arm64 machine.
let portable = Context.environment["SEQ_PORTABLE"] == "1"
    || Context.packageDirectory.contains("/checkouts/")
let nativeSwift: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "native"])]
let nativeC: [CSetting] = portable ? [] : [.unsafeFlags(["-march=native", "-O2"])]

let package = Package(
    name: "seq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seq", targets: ["seq"]),
        .library(name: "SeqCore", targets: ["SeqCore"]),
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
        // MPI through dlopen (see Sources/CMPI/include/seq_mpi.h): nothing to link at build time.
        .target(name: "CMPI", path: "Sources/CMPI", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(name: "SeqCore", dependencies: ["CSIMD"], swiftSettings: nativeSwift),
        .target(name: "SeqTensor", dependencies: ["SeqCore", "CBLAS", "CSIMD"], swiftSettings: nativeSwift),
        .target(name: "SeqNN", dependencies: ["SeqTensor"], swiftSettings: nativeSwift),
        .target(name: "SeqText", dependencies: ["SeqCore", "CICU"], swiftSettings: nativeSwift),
        .target(name: "SeqModels", dependencies: ["SeqNN", "SeqText"], swiftSettings: nativeSwift),
        .target(name: "SeqTasks", dependencies: ["SeqModels", "CMPI"], swiftSettings: nativeSwift),
        .target(name: "SeqTestSupport", dependencies: ["SeqTensor"], swiftSettings: nativeSwift),
        .executableTarget(
            name: "seq",
            dependencies: [
                "SeqCore", "SeqTensor", "SeqNN", "SeqText", "SeqModels", "SeqTasks", "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nativeSwift),
        .testTarget(name: "SeqCoreTests", dependencies: ["SeqCore"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqTensorTests", dependencies: ["SeqTensor", "SeqTestSupport"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqNNTests", dependencies: ["SeqNN", "SeqTestSupport"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqModelsTests", dependencies: ["SeqModels", "SeqTasks", "SeqTestSupport"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqTextTests", dependencies: ["SeqText"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "SeqTasksTests", dependencies: ["SeqTasks", "SeqTestSupport"], exclude: ["Fixtures"], swiftSettings: nativeSwift),
        .testTarget(name: "seqTests", dependencies: ["seq", "SeqTestSupport"]),
    ]
)
