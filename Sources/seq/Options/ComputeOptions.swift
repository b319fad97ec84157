import ArgumentParser
import SeqTasks
import SeqTensor

/// `--threads` and `--seed`, taken by every command that computes.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Threads for kernels, BLAS and the tokenizer (default: all cores, divided among the mpirun ranks on this machine; at most \(ThreadCount.limit)).")
    var threads: Int?

    @Option(help: "Random seed; the same seed reproduces the same run.")
    var seed: UInt64 = 0

    func validate() throws {
        if let threads, !(1...ThreadCount.limit).contains(threads) {
            throw ValidationError("--threads must be in 1...\(ThreadCount.limit), got \(threads)")
        }
    }

    /// Sets the process's one thread count (SeqCore's `ThreadCount`, read by the engine and
    /// the tokenizer) and puts OpenBLAS on one thread. Default: all cores, shared by the
    /// ranks on this machine under mpirun.
    func apply() {
        Engine.setThreads(threads ?? MPIEnvironment.defaultThreads)
    }
}
