import CBLAS
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// Process-wide engine settings. The thread count is shared by BLAS and the engine's own
/// parallel loops; the two never run at once because every op is synchronous.
public enum Engine {
    private static let threadCount = Atomic<Int>(0)

    /// Threads used by kernels and BLAS (default: all cores).
    public static var threads: Int {
        let t = threadCount.load(ordering: .relaxed)
        return t > 0 ? t : defaultThreads
    }

    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "thread count must be at least 1, got \(n)")
        threadCount.store(n, ordering: .relaxed)
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

    static let defaultThreads: Int = {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return max(1, Int(n))
    }()

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

/// A raw pointer that may cross into worker threads. Kernels split disjoint ranges among
/// workers, which is what makes sharing it sound; this is the one place that claims it.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let p: UnsafeMutablePointer<T>
    @inlinable init(_ p: UnsafeMutablePointer<T>) { self.p = p }
    @inlinable init(_ p: UnsafePointer<T>) { self.p = UnsafeMutablePointer(mutating: p) }
}

/// Splits `0..<count` into contiguous chunks over `Engine.threads` workers, each chunk at
/// least `grain` items (small work runs inline: a dispatch costs microseconds).
@inlinable
public func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = min(Engine.threads, max(1, count / max(grain, 1)))
    if workers <= 1 || count <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let chunk = (count + workers - 1) / workers
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk
            let hi = min(count, lo + chunk)
            if lo < hi { box.value(lo..<hi) }
        }
    }
}

@usableFromInline
struct UncheckedBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @inlinable init(_ value: T) { self.value = value }
}
