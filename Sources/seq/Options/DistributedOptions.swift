import ArgumentParser
import SeqTasks

/// Data-parallel training under mpirun, shared by the training commands (`pretrain` now;
/// `finetune` and `train-translation` take the same group): the reducer, and what only
/// rank 0 does.
struct DistributedOptions: ParsableArguments {
    @Option(name: .customLong("bucket-mb"), help: "Under mpirun: megabytes of gradients summed per MPI_Allreduce call (several tensors per call).")
    var bucketMB: Double = 4

    @Flag(name: .customLong("overlap-reduce"), inversion: .prefixedNo,
          help: "Under mpirun: start summing each bucket of gradients during the backward pass, as soon as it is final (non-blocking all-reduce), instead of after it.")
    var overlapReduce = false

    func validate() throws {
        if !(bucketMB > 0 && bucketMB.isFinite) { throw ValidationError("--bucket-mb must be a positive number, got \(bucketMB)") }
    }

    /// MPI's reducer when mpirun started this process with other ranks, else one process.
    func reducer() throws -> GradientReducer {
        do {
            return try MPIReducer.forEnvironment(bucketMegabytes: bucketMB, overlap: overlapReduce)
        } catch let e as TrainingError {
            throw InputError(file: "libmpi", line: nil, message: e.message)
        }
    }
}

extension GradientReducer {
    /// Rank 0 alone reports (stderr messages, the summary line); every rank computes.
    var isMain: Bool { rank == 0 }

    /// Adds the all-reduce's time to a run's summary and ends MPI.
    func finish(_ summary: inout [String: Any]) {
        guard let mpi = self as? MPIReducer else { return }
        summary["allreduce_seconds"] = (mpi.reduceSeconds * 1000).rounded() / 1000
        mpi.finish()
    }
}
