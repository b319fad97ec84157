// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for seq's readers, in a package of their own so that the project's
// ordinary builds never see them. Build and run them with scripts/fuzz.sh, which passes
// `-sanitize=fuzzer,address -parse-as-library` to every Swift target (the project's
// libraries included, so coverage reaches the code under test). Each target's entry
// (`<module>_main`, which SwiftPM links as `main`) hands over to libFuzzer's driver.
let package = Package(
    name: "seq-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "seq", path: "..")],
    targets: [
        .target(name: "CFuzz", path: "Sources/CFuzz"),
        .target(name: "FuzzSupport", dependencies: ["CFuzz"], path: "Sources/FuzzSupport"),
        .executableTarget(name: "fuzz-tokenizer-json", dependencies: ["FuzzSupport", .product(name: "SeqText", package: "seq")]),
        .executableTarget(name: "fuzz-vocab-txt", dependencies: ["FuzzSupport", .product(name: "SeqText", package: "seq")]),
        .executableTarget(name: "fuzz-encode", dependencies: ["FuzzSupport", .product(name: "SeqText", package: "seq")]),
        .executableTarget(name: "fuzz-safetensors", dependencies: ["FuzzSupport", .product(name: "SeqTensor", package: "seq")]),
        .executableTarget(name: "fuzz-config-json", dependencies: ["FuzzSupport", .product(name: "SeqModels", package: "seq")]),
        // The dataset readers: ReaderPolicies checks what every reader with a BadInputPolicy keeps.
        .target(name: "FuzzReaders", dependencies: ["FuzzSupport", .product(name: "SeqCore", package: "seq"), .product(name: "SeqTasks", package: "seq")], path: "Sources/FuzzReaders"),
        .executableTarget(name: "fuzz-conllu", dependencies: ["FuzzReaders", "FuzzSupport", .product(name: "SeqCore", package: "seq"), .product(name: "SeqTasks", package: "seq")]),
        .executableTarget(name: "fuzz-glue-tsv", dependencies: ["FuzzReaders", "FuzzSupport", .product(name: "SeqCore", package: "seq"), .product(name: "SeqTasks", package: "seq")]),
        .executableTarget(name: "fuzz-squad-json", dependencies: ["FuzzReaders", "FuzzSupport", .product(name: "SeqCore", package: "seq"), .product(name: "SeqTasks", package: "seq")]),
        .executableTarget(name: "fuzz-parallel-text", dependencies: ["FuzzSupport", .product(name: "SeqTasks", package: "seq"), .product(name: "SeqText", package: "seq")]),
    ]
)
