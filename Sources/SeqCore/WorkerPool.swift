import CSIMD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The threads behind `parallelFor`: persistent workers that spin for a short while after
/// each job before they park, and a caller that takes chunks of its own job too.
///
/// Why not `DispatchQueue.concurrentPerform`: a batch-1 forward pass is ~60 parallel loops
/// of tens of microseconds each, and libdispatch parks its threads between them. Waking a
/// parked thread costs a futex call and, on a virtual machine, the halted vCPU's exit and
/// re-entry: on a 2-vCPU Xeon (2026-12-02) MiniLM at batch 1 took 14.5–17.9 ms on 2 threads
/// against 12.7–13.0 ms on one. A worker that is still spinning starts within a few hundred
/// nanoseconds.
///
/// Protocol: `state` holds (job number << 32 | chunk count << 16 | next chunk). A thread
/// claims a chunk by compare-and-swap on it — only while the job number is the one it came
/// for — then reads the job's body and bounds, which cannot change until every chunk of the
/// job has reported in `finished`. One job runs at a time (`busy`); a second caller at once
/// (in-process data-parallel ranks, a loop nested in a chunk) gets `false` and uses
/// libdispatch as before.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
    @usableFromInline static let shared = WorkerPool()

    /// How long an idle worker spins before parking (`SEQ_SPIN_US`, microseconds; 0: park
    /// at once). Long enough to span the serial gaps between one forward pass's loops.
    static let spinNanoseconds = UInt64(tuningOverride("SEQ_SPIN_US", default: 200)) * 1000

    private final class Body {
        let run: @Sendable (Range<Int>) -> Void
        init(_ run: @escaping @Sendable (Range<Int>) -> Void) { self.run = run }
    }

    private let state = Atomic<UInt64>(0)
    private let finished = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    // The current job, written by the caller holding `busy` before the job is published.
    private var body: Body?
    private var count = 0, chunk = 0
    private var job: UInt64 = 0
    private var started = 0

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Runs `body` over `0..<count` in `chunks` contiguous chunks of `chunkSize`, on the
    /// caller and up to `chunks − 1` workers; false (nothing run) when the pool is in use.
    @usableFromInline
    func run(_ count: Int, chunks: Int, chunkSize: Int, _ body: @Sendable (Range<Int>) -> Void) -> Bool {
        guard chunks < 1 << 16, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        startWorkers(chunks - 1)
        withoutActuallyEscaping(body) { escapable in
            self.body = Body(escapable)
            self.count = count
            self.chunk = chunkSize
            finished.store(0, ordering: .relaxed)
            job = (job &+ 1) & 0xFFFF_FFFF
            if job == 0 { job = 1 }  // 0 is a new worker's "seen nothing yet"
            let myJob = job
            state.store(myJob << 32 | UInt64(chunks) << 16, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            runChunks(of: myJob)
            // Wait for chunks that workers claimed; yield now and then, so that a worker
            // preempted on this core (more runnable threads than cores) gets to finish.
            var waits = 0
            while finished.load(ordering: .acquiring) < chunks {
                seq_cpu_relax()
                waits &+= 1
                if waits & 1023 == 0 { sched_yield() }
            }
            self.body = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    /// Claims and runs chunks of `job` until none is left or another job has started.
    private func runChunks(of myJob: UInt64) {
        var s = state.load(ordering: .acquiring)
        while s >> 32 == myJob {
            let next = s & 0xFFFF, chunks = (s >> 16) & 0xFFFF
            if next >= chunks { return }
            let (exchanged, original) = state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing)
            if !exchanged { s = original; continue }
            let lo = Int(next) * chunk, hi = min(count, lo + chunk)
            if lo < hi { body!.run(lo..<hi) }
            finished.add(1, ordering: .releasing)
            s = state.load(ordering: .acquiring)
        }
    }

    private func startWorkers(_ wanted: Int) {
        while started < wanted {
            started += 1
            var thread = pthread_t()
            let pool = Unmanaged.passUnretained(self).toOpaque()
            let made = pthread_create(&thread, nil, { argument in
                Unmanaged<WorkerPool>.fromOpaque(argument!).takeUnretainedValue().workerLoop()
            }, pool)
            precondition(made == 0, "could not start a worker thread (pthread_create: \(made))")
            pthread_detach(thread)
        }
    }

    private func workerLoop() -> Never {
        var seen: UInt64 = 0  // no job is 0: a worker started during a job joins it
        while true {
            var s = state.load(ordering: .acquiring)
            if s >> 32 == seen {
                let start = Self.now()
                var spins = 0
                while true {
                    seq_cpu_relax()
                    s = state.load(ordering: .acquiring)
                    if s >> 32 != seen { break }
                    spins &+= 1
                    if spins & 63 == 0 && Self.now() &- start > Self.spinNanoseconds {
                        s = park(whileJobIs: seen)
                        break
                    }
                }
            }
            seen = s >> 32
            runChunks(of: seen)
        }
    }

    /// Sleeps until the job number differs from `seen`; returns the state that woke it.
    private func park(whileJobIs seen: UInt64) -> UInt64 {
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var s = state.load(ordering: .sequentiallyConsistent)
        while s >> 32 == seen {
            pthread_cond_wait(condition, mutex)
            s = state.load(ordering: .sequentiallyConsistent)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return s
    }

    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
