#if canImport(Glibc)
import Glibc
#endif
import CBLAS

// Matrix products go to BLAS. Legend: C[M,N] = op(A)·op(B) with op(A) [M,K], op(B) [K,N];
// transposes are passed to sgemm as flags, never materialised.

extension Kernels {
    /// C = alpha·op(A)·op(B) + beta·C, all row-major. `beta: 1` accumulates (backward).
    @inlinable
    public static func sgemm(transposeA: Bool, transposeB: Bool, M: Int, N: Int, K: Int,
                             alpha: Float = 1, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                             beta: Float = 0, _ c: UnsafeMutablePointer<Float>) {
        sgemm(transposeA: transposeA, transposeB: transposeB, M: M, N: N, K: K, alpha: alpha,
              a, lda: transposeA ? M : K, b, ldb: transposeB ? K : N, beta: beta, c, ldc: N)
    }
}

extension Kernels {
    /// sgemm with explicit leading dimensions (heads read in place from [B, T, H·D] rows).
    ///
    /// OpenBLAS itself always runs single-threaded: a large product is split here into one
    /// block of rows (or columns) of C per engine worker. With OpenBLAS's own threads, its
    /// idle worker spun on sched_yield between products and competed with the engine's
    /// loops for the two cores (≈12% of a training step in the scheduler, `perf`); with one
    /// pool there is nothing to spin, and results do not depend on a process-wide setting.
    /// `parallel: false` for callers already inside a parallel region.
    @inlinable
    public static func sgemm(transposeA: Bool, transposeB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1,
                             _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true) {
        if M == 0 || N == 0 { return }
        if K == 0 {
            for i in 0..<M { for j in 0..<N { c[i * ldc + j] = beta == 0 ? 0 : c[i * ldc + j] * beta } }
            return
        }
        Engine.useSingleThreadedBLAS()
        let workers = parallel ? Engine.threads : 1
        let minimumSlice = 32
        let threshold = takesSkinnyPath(transposeA, transposeB, M) ? skinnyParallelWork : parallelGemmWork
        if workers > 1 && M * N * K >= threshold && (M >= workers * minimumSlice || N >= workers * minimumSlice) {
            let ap = SendablePointer(a), bp = SendablePointer(b), cp = SendablePointer(c)
            let splitRows = M >= N || N < workers * minimumSlice
            let extent = splitRows ? M : N
            // Slices in multiples of 16 rows/columns, so every block but the last keeps whole
            // SIMD panels.
            let slice = ((extent + workers - 1) / workers + 15) / 16 * 16
            parallelFor(workers, grain: 1) { ids in
                for w in ids {
                    let lo = w * slice, hi = Swift.min(extent, lo + slice)
                    if lo >= hi { continue }
                    if splitRows {
                        // Rows lo..<hi of op(A) and of C.
                        let aBlock = UnsafePointer(ap.p) + (transposeA ? lo : lo * lda)
                        gemmCall(transposeA, transposeB, hi - lo, N, K, alpha, aBlock, lda, UnsafePointer(bp.p), ldb,
                                 beta, cp.p + lo * ldc, ldc)
                    } else {
                        // Columns lo..<hi of op(B) and of C.
                        let bBlock = UnsafePointer(bp.p) + (transposeB ? lo * ldb : lo)
                        gemmCall(transposeA, transposeB, M, hi - lo, K, alpha, UnsafePointer(ap.p), lda, bBlock, ldb,
                                 beta, cp.p + lo, ldc)
                    }
                }
            }
        } else {
            gemmCall(transposeA, transposeB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc)
        }
    }

    /// Products smaller than this (multiply-adds) run on one thread: splitting costs more.
    public static let parallelGemmWork = 1 << 18

    /// The same for the skinny path (2–8 rows, `SkinnyGemm.swift`), where a product is a
    /// few microseconds of reading its weight. With libdispatch's parked threads, waking the
    /// other worker for a 256 × 256 product cost more than it saved (perf: 22% of beam 5 at
    /// batch 1 in the scheduler; 2²⁰ was best). With `WorkerPool`'s spinning workers the
    /// split pays from 2¹⁶: A/B on a Xeon (2 threads, 150 sentences, 4 rounds), greedy
    /// batch 1 39.8/35.4/41.4/35.1 → 45.5/45.5/51.0/38.4 sent/s, beam 5 26.7/22.8/25.3/18.5 →
    /// 23.2/22.7/28.1/25.1. `SEQ_SKINNY_PARALLEL_WORK` overrides.
    public static let skinnyParallelWork = tuningOverride("SEQ_SKINNY_PARALLEL_WORK", default: 1 << 16)

    @inlinable @inline(__always)
    static func gemmCall(_ tA: Bool, _ tB: Bool, _ M: Int, _ N: Int, _ K: Int, _ alpha: Float,
                         _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                         _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        // One row of C (a decoding step's product for one hypothesis): sgemm would pack all
        // of op(B) first, which `perf` showed as 60% of greedy batch-1 decoding (the
        // 8000 × 256 output projection packed every step); sgemv reads B once in place.
        if M == 1 {
            let incx = Int32(tA ? lda : 1)
            if tB {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(N), Int32(K), alpha, b, Int32(ldb), a, incx, beta, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(K), Int32(N), alpha, b, Int32(ldb), a, incx, beta, c, 1)
            }
            return
        }
        if takesSkinnyPath(tA, tB, M) {
            skinnyGemmTransposedB(M: M, N: N, K: K, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
            return
        }
        cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans,
                    Int32(M), Int32(N), Int32(K), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
