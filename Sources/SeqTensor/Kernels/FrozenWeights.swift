import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Weights stored a second time, transposed to [in, out], for processes that only run
/// models (translate, embed, evaluate, predict, distill, the inference benchmarks).
///
/// Why: a Linear layer computes x·Wᵀ with W stored [out, in]. For a few dozen rows of x
/// (a 32-token sentence through BERT, 64 sentences decoded a token at a time) OpenBLAS
/// packs all of W on every call, and `perf` put the packing (`sgemm_incopy`) at a third of
/// a batch-1 BERT forward and half the product time of batch-64 greedy decoding. With Wᵀ
/// kept, `Kernels.gemmFrozen` multiplies straight from it (inputs of 9–512 rows): each row of Wᵀ is a run of
/// output columns, so a register tile broadcasts one value of x and multiplies 64 columns
/// at once, with no packing and no horizontal sums.
///
/// Only a process that never changes its weights may turn this on (`enable()`): the copy is
/// taken once per weight buffer and never refreshed. Training commands leave it off.
public enum FrozenWeights {
    struct Entry {
        /// Held so that the buffer (and so its identity) outlives the cache entry.
        let source: TensorStorage
        let transposed: TensorStorage
    }

    private static let state = Mutex<(enabled: Bool, entries: [ObjectIdentifier: Entry])>((false, [:]))

    /// Largest row count of x that takes this path (`SEQ_FROZEN_ROWS` overrides; 0: off).
    /// Few rows go to sgemv or the skinny kernel first. Measured A/B (Zen 5, 3 rounds):
    /// 512 against 64 gave beam 5 at batch 64 (320 rows) +15–35% and mask-predict at
    /// batch 1 (≈ 90 rows) +25–30%; above 512 rows (encoders at batch 64) no difference
    /// showed, so larger products stay with sgemm, whose packing they amortise.
    public static let maximumRows: Int = {
        if let value = getenv("SEQ_FROZEN_ROWS"), let n = Int(String(cString: value)), n >= 0 { return n }
        return 512
    }()

    /// Turns the transposed copies on for the rest of the process.
    public static func enable() { state.withLock { $0.enabled = true } }

    /// On for the calling task only, while `body` runs (tests, which share one process
    /// with training tests that must never see a stale copy).
    @TaskLocal static var scoped = false

    public static func withFrozenWeights<R>(_ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(true) { try body() }
    }

    public static var isEnabled: Bool { scoped || state.withLock { $0.enabled } }

    /// Wᵀ [cols, rows] of the weight W [rows, cols] held in `storage`, made on first use
    /// and kept (with W) for the rest of the process; nil while frozen weights are off.
    static func transposed(_ storage: TensorStorage, rows: Int, cols: Int) -> UnsafePointer<Float>? {
        let key = ObjectIdentifier(storage), inScope = scoped
        // One lock for the common cases: off, or the copy already made.
        let (on, cached) = state.withLock { s in
            (s.enabled || inScope, s.entries[key].map { SendablePointer($0.transposed.pointer) })
        }
        guard on else { return nil }
        if let cached { return UnsafePointer(cached.p) }
        let t = TensorStorage(uninitializedCount: rows * cols)
        Kernels.transpose(storage.pointer, rows: rows, cols: cols, into: t.pointer)
        nonisolated(unsafe) let entry = Entry(source: storage, transposed: t)
        let p = state.withLock { s -> SendablePointer<Float> in
            if let e = s.entries[key] { return SendablePointer(e.transposed.pointer) }
            s.entries[key] = entry
            return SendablePointer(entry.transposed.pointer)
        }
        return UnsafePointer(p.p)
    }
}

extension Kernels {
    /// out[c, r] = x[r, c] for an x of `rows` × `cols`, in 16 × 16 blocks.
    static func transpose(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        let b = 16
        for r0 in stride(from: 0, to: rows, by: b) {
            for c0 in stride(from: 0, to: cols, by: b) {
                for r in r0..<min(rows, r0 + b) {
                    for c in c0..<min(cols, c0 + b) { out[c * rows + r] = x[r * cols + c] }
                }
            }
        }
    }

    /// C[M, N] = A[M, K]·Wt[K, N] (+ C when `accumulate`), Wt stored row-major with N
    /// columns: the weight of a Linear layer transposed once (`FrozenWeights`).
    ///
    /// Register tile: 4 rows of C × 64 columns (16 accumulators), one broadcast of A per
    /// row and 4 loads of Wt per k. Panels of 64 columns are split over the engine's
    /// threads; a panel of Wt (K × 64) stays in L1/L2 while every row tile passes over it.
    public static func gemmFrozen(M: Int, N: Int, K: Int, _ a: UnsafePointer<Float>, lda: Int,
                                  _ wt: UnsafePointer<Float>, accumulate: Bool, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if M == 0 || N == 0 { return }
        let panels = (N + 63) / 64
        let ap = SendablePointer(a), wp = SendablePointer(wt), cp = SendablePointer(c)
        let work = M * N * K
        let grain = work >= parallelGemmWork ? 1 : panels
        parallelFor(panels, grain: grain) { range in
            for panel in range {
                let n0 = panel * 64
                let width = min(64, N - n0)
                frozenPanel(M: M, N: N, K: K, n0: n0, width: width, UnsafePointer(ap.p), lda: lda, UnsafePointer(wp.p),
                            accumulate: accumulate, cp.p, ldc: ldc)
            }
        }
    }

    @inlinable
    static func frozenPanel(M: Int, N: Int, K: Int, n0: Int, width: Int, _ a: UnsafePointer<Float>, lda: Int,
                            _ wt: UnsafePointer<Float>, accumulate: Bool, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        let zero = Vec(repeating: 0)
        var m = 0
        if width == 64 {
            while m &+ 4 <= M {
                let a0 = a + m &* lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
                let c0 = c + (m &* ldc &+ n0), c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc
                var s00 = zero, s01 = zero, s02 = zero, s03 = zero
                var s10 = zero, s11 = zero, s12 = zero, s13 = zero
                var s20 = zero, s21 = zero, s22 = zero, s23 = zero
                var s30 = zero, s31 = zero, s32 = zero, s33 = zero
                if accumulate {
                    s00 = c0.vec(0); s01 = c0.vec(16); s02 = c0.vec(32); s03 = c0.vec(48)
                    s10 = c1.vec(0); s11 = c1.vec(16); s12 = c1.vec(32); s13 = c1.vec(48)
                    s20 = c2.vec(0); s21 = c2.vec(16); s22 = c2.vec(32); s23 = c2.vec(48)
                    s30 = c3.vec(0); s31 = c3.vec(16); s32 = c3.vec(32); s33 = c3.vec(48)
                }
                var w = wt + n0
                for k in 0..<K {
                    let w0 = w.vec(0), w1 = w.vec(16), w2 = w.vec(32), w3 = w.vec(48)
                    let x0 = Vec(repeating: a0[k])
                    s00 = s00.addingProduct(x0, w0); s01 = s01.addingProduct(x0, w1)
                    s02 = s02.addingProduct(x0, w2); s03 = s03.addingProduct(x0, w3)
                    let x1 = Vec(repeating: a1[k])
                    s10 = s10.addingProduct(x1, w0); s11 = s11.addingProduct(x1, w1)
                    s12 = s12.addingProduct(x1, w2); s13 = s13.addingProduct(x1, w3)
                    let x2 = Vec(repeating: a2[k])
                    s20 = s20.addingProduct(x2, w0); s21 = s21.addingProduct(x2, w1)
                    s22 = s22.addingProduct(x2, w2); s23 = s23.addingProduct(x2, w3)
                    let x3 = Vec(repeating: a3[k])
                    s30 = s30.addingProduct(x3, w0); s31 = s31.addingProduct(x3, w1)
                    s32 = s32.addingProduct(x3, w2); s33 = s33.addingProduct(x3, w3)
                    w += N
                }
                c0.setVec(0, s00); c0.setVec(16, s01); c0.setVec(32, s02); c0.setVec(48, s03)
                c1.setVec(0, s10); c1.setVec(16, s11); c1.setVec(32, s12); c1.setVec(48, s13)
                c2.setVec(0, s20); c2.setVec(16, s21); c2.setVec(32, s22); c2.setVec(48, s23)
                c3.setVec(0, s30); c3.setVec(16, s31); c3.setVec(32, s32); c3.setVec(48, s33)
                m &+= 4
            }
        }
        // Remaining rows (and a last panel narrower than 64): one row, 16 columns at a time.
        while m < M {
            let aRow = a + m &* lda, cRow = c + (m &* ldc &+ n0)
            var j = 0
            while j < width {
                let lanes = min(16, width - j)
                var s = accumulate ? loadVector(cRow, j, lanes) : zero
                var w = wt + (n0 &+ j)
                if lanes == 16 {
                    for k in 0..<K { s = s.addingProduct(Vec(repeating: aRow[k]), w.vec(0)); w += N }
                } else {
                    for k in 0..<K { s = s.addingProduct(Vec(repeating: aRow[k]), loadPartial(w, lanes)); w += N }
                }
                storeVector(s, cRow, j, lanes)
                j &+= 16
            }
            m &+= 1
        }
    }
}
