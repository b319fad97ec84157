import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Weights stored a second time, packed into column panels (`Kernels.packFrozenPanels`),
/// for processes that only run models (translate, embed, evaluate, predict, distill, the
/// inference benchmarks).
///
/// Why: a Linear layer computes x·Wᵀ with W stored [out, in]. For a few dozen rows of x
/// (a 32-token sentence through BERT, 64 sentences decoded a token at a time) OpenBLAS
/// packs all of W on every call, and `perf` put the packing (`sgemm_incopy`) at a third of
/// a batch-1 BERT forward and half the product time of batch-64 greedy decoding. With the
/// panels kept, `Kernels.gemmFrozen` multiplies straight from them (inputs of 9–512 rows):
/// a register tile broadcasts one value of x and multiplies 32 output columns at once, with
/// no packing per call and no horizontal sums.
///
/// Only a process that never changes its weights may turn this on (`enable()`): the copy is
/// taken once per weight buffer and never refreshed. Training commands leave it off.
public enum FrozenWeights {
    struct Entry {
        /// Held so that the buffer (and so its identity) outlives the cache entry.
        let source: TensorStorage
        let packed: TensorStorage
    }

    private static let state = Mutex<(enabled: Bool, entries: [ObjectIdentifier: Entry])>((false, [:]))

    /// Largest row count of x that takes this path (`SEQ_FROZEN_ROWS` overrides; 0: off).
    /// Few rows go to sgemv or the skinny kernel first. Measured A/B (Zen 5, 3 rounds):
    /// 512 against 64 gave beam 5 at batch 64 (320 rows) +15–35% and mask-predict at
    /// batch 1 (≈ 90 rows) +25–30%; above 512 rows (encoders at batch 64) no difference
    /// showed, so larger products stay with sgemm, whose packing they amortise.
    public static let maximumRows = tuningOverride("SEQ_FROZEN_ROWS", default: 512)

    /// Turns the packed copies on for the rest of the process.
    public static func enable() { state.withLock { $0.enabled = true } }

    /// On for the calling task only, while `body` runs (tests, which share one process
    /// with training tests that must never see a stale copy).
    @TaskLocal static var scoped = false

    public static func withFrozenWeights<R>(_ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(true) { try body() }
    }

    public static var isEnabled: Bool { scoped || state.withLock { $0.enabled } }

    /// The packed panels of the weight W [rows, cols] held in `storage`, made on first use
    /// and kept (with W) for the rest of the process; nil while frozen weights are off.
    static func packed(_ storage: TensorStorage, rows: Int, cols: Int) -> UnsafePointer<Float>? {
        let key = ObjectIdentifier(storage), inScope = scoped
        // One lock for the common cases: off, or the copy already made.
        let (on, cached) = state.withLock { s in
            (s.enabled || inScope, s.entries[key].map { SendablePointer($0.packed.pointer) })
        }
        guard on else { return nil }
        if let cached { return UnsafePointer(cached.p) }
        let t = Kernels.packFrozenPanels(storage.pointer, rows: rows, cols: cols)
        nonisolated(unsafe) let entry = Entry(source: storage, packed: t)
        let p = state.withLock { s -> SendablePointer<Float> in
            if let e = s.entries[key] { return SendablePointer(e.packed.pointer) }
            s.entries[key] = entry
            return SendablePointer(entry.packed.pointer)
        }
        return UnsafePointer(p.p)
    }
}
