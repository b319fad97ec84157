import Foundation
import SeqTensor

/// What mpirun tells a process it starts, read from the environment: whether this process
/// is one rank of a multi-process job. Outside mpirun (or with one rank) training is a
/// single process and MPI is never loaded.
public enum MPIEnvironment {
    /// Ranks in the job (Open MPI's OMPI_COMM_WORLD_SIZE), nil outside mpirun.
    public static var worldSize: Int? { integer("OMPI_COMM_WORLD_SIZE") }
    /// Ranks on this machine (OMPI_COMM_WORLD_LOCAL_SIZE), nil outside mpirun.
    public static var localSize: Int? { integer("OMPI_COMM_WORLD_LOCAL_SIZE") }
    /// This process's rank, nil outside mpirun.
    public static var rank: Int? { integer("OMPI_COMM_WORLD_RANK") ?? integer("PMIX_RANK") }

    /// The default thread count: the machine's cores shared by the ranks on it, so that
    /// `mpirun -n 2` on 2 cores runs 2 × 1 thread rather than 2 × 2 competing threads.
    public static var defaultThreads: Int {
        max(1, ThreadCount.available / max(1, localSize ?? 1))
    }

    static func integer(_ name: String) -> Int? {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) }
    }
}
