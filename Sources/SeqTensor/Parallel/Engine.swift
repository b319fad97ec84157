import CBLAS
#if canImport(Glibc)
import Glibc
#endif
import SeqCore

/// Process-wide engine settings. The thread count is SeqCore's `ThreadCount`, shared by
/// the engine's parallel loops (`parallelFor`), the products (`Kernels.sgemm` splits them
/// itself) and the tokenizer; BLAS and the engine's loops never run at once because every
/// op is synchronous.
public enum Engine {
    /// Threads used by kernels and BLAS (default: all cores): `ThreadCount.current`.
    public static var threads: Int { ThreadCount.current }

    /// Sets `ThreadCount` (1...`ThreadCount.limit`) and puts OpenBLAS on one thread.
    public static func setThreads(_ n: Int) {
        ThreadCount.set(n)
        useSingleThreadedBLAS()
    }

    /// OpenBLAS stays on one thread; the engine splits large products itself (see
    /// `Kernels.sgemm`). Done once, on the first product or thread setting.
    public static func useSingleThreadedBLAS() { _ = blasConfigured }
    private static let blasConfigured: Void = { openblas_set_num_threads(1) }()

    /// Runs `body` with OpenBLAS using `threads` threads of its own (benchmarks comparing
    /// against a plain multi-threaded cblas_sgemm call), then back to one.
    public static func withBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        useSingleThreadedBLAS()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    /// The OpenBLAS kernel family actually in use (e.g. "Haswell", "SkylakeX").
    public static var blasCore: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    public static var blasConfig: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c)
    }
}

