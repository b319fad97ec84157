#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSIMD
import Synchronization

/// The one thread count of the process: the tensor engine's parallel loops, BLAS (through
/// `SeqTensor.Engine`) and the tokenizer's batch and training loops all read it here.
public enum ThreadCount {
    /// Cores this process may use: its affinity mask (`taskset -c 0`, a container's cpuset)
    /// where the system gives one, else the cores online. The default thread count must
    /// not exceed it: the engine's workers spin while they wait, and two spinning threads
    /// on one core take turns by the scheduler's time slice.
    public static let available: Int = {
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let allowed = Int(seq_affinity_cpus())
        return allowed > 0 ? min(allowed, online) : online
    }()

    /// The most threads a caller may ask for (every worker owns per-thread state, so an
    /// absurd count would allocate for nothing): 4 per core, and at least 256.
    public static let limit: Int = max(256, 4 * available)

    private static let setting = Atomic<Int>(0)

    /// Threads for parallel work: the value last set, else all cores.
    public static var current: Int {
        let t = setting.load(ordering: .relaxed)
        return t > 0 ? t : available
    }

    /// Sets the count for the whole process; `n` must lie in `1...limit`.
    public static func set(_ n: Int) {
        precondition((1...limit).contains(n), "thread count must be in 1...\(limit), got \(n)")
        setting.store(n, ordering: .relaxed)
    }
}
