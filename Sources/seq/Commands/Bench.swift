import ArgumentParser
import Foundation
import SeqTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark; the last stdout line is one JSON object.",
        discussion: "Benchmarks: kernels (sgemm, GELU, softmax, layer norm; ../shared/ref/torch_kernels.py's contract).")

    @Argument(help: "Benchmark name: kernels.")
    var name: String

    @OptionGroup var compute: ComputeOptions

    @Option(help: "Untimed calls per op.")
    var warmup = 5

    @Option(help: "Timed calls per op (the median is reported).")
    var repeats = 30

    @Option(help: "Comma-separated op names to run (default: all).")
    var only = ""

    func validate() throws {
        guard name == "kernels" else { throw ValidationError("unknown benchmark '\(name)'; known: kernels") }
        guard warmup >= 0, repeats >= 1 else { throw ValidationError("--warmup must be ≥ 0 and --repeats ≥ 1") }
    }

    func run() throws {
        compute.apply()
        var bench = KernelBenchmark()
        bench.warmup = warmup
        bench.repeats = repeats
        bench.only = Set(only.split(separator: ",").map(String.init))
        let result = bench.run()
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
