import Dispatch

/// Splits `0..<count` into contiguous chunks over `ThreadCount.current` workers, each chunk
/// at least `grain` items (small work runs inline: a dispatch costs microseconds). `body`
/// runs concurrently on disjoint ranges, hence `@Sendable`: share buffers through
/// `SendablePointer`. The chunks run on `WorkerPool`'s spinning workers and the caller, or
/// through libdispatch when the pool is already running a job.
@inlinable
public func parallelFor(_ count: Int, grain: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
    let workers = min(ThreadCount.current, max(1, count / max(grain, 1)))
    if workers <= 1 || count <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunk = (count + workers - 1) / workers
    if WorkerPool.shared.run(count, chunks: workers, chunkSize: chunk, body) { return }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let lo = w * chunk
        let hi = min(count, lo + chunk)
        if lo < hi { body(lo..<hi) }
    }
}
