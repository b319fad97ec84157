import ArgumentParser
import SeqTensor

/// `--threads` and `--seed`, taken by every command that computes.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Threads for kernels and BLAS (default: all cores).")
    var threads: Int?

    @Option(help: "Random seed; the same seed reproduces the same run.")
    var seed: UInt64 = 0

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func apply() {
        Engine.setThreads(threads ?? Engine.threads)
    }
}
