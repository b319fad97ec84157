import CSIMD
import SeqCore

/// The product of a few hundred rows or fewer with a frozen Linear weight, from the weight
/// packed once into column panels (`FrozenWeights`).
///
/// Layout of the packed weight: panels of `frozenPanelWidth` (32) output columns; a panel
/// holds, for each input feature k, the 32 weights W[n0 ..< n0+32, k] side by side, so a
/// panel is one contiguous K × 32 run that the prefetcher streams in order. The last panel
/// is padded with zero columns.
///
/// Register tile: 12 rows × 32 columns (24 AVX-512 accumulators, 2 weight loads and 12
/// broadcasts per k), the shape MLAS uses on AVX-512. Against the unpacked 4 × 64 tile it
/// replaced, a weight column is read from cache once per 12 rows instead of once per 4, and
/// from one stream instead of four strided ones: `perf` had put that kernel at 82% of a
/// batch-1 MiniLM forward.
extension Kernels {
    static let frozenPanelWidth = 32
    /// How far ahead (in k steps of 128 bytes) the first row tile over a panel prefetches
    /// it. The panel comes from memory or L3 on that pass (a model's weights outgrow L2) and
    /// from L2 on the later ones. A/B on a Xeon, MiniLM batch-1 on 1 thread (median ms of
    /// 200, 2 rounds): off 13.4/12.6, 8 ahead 11.3/10.8, 16 10.6/10.4, 32 10.2–10.5,
    /// 64 10.2/12.4, 128 10.7/10.8. `SEQ_FROZEN_PREFETCH` overrides.
    static let frozenPrefetch = tuningOverride("SEQ_FROZEN_PREFETCH", default: 32)

    /// Packed panels of W [rows = out, cols = in] for `gemmFrozen` (see the type comment).
    static func packFrozenPanels(_ w: UnsafePointer<Float>, rows: Int, cols: Int) -> TensorStorage {
        let width = frozenPanelWidth, panels = (rows + width - 1) / width
        let packed = TensorStorage(uninitializedCount: Swift.max(1, panels * cols * width))
        let out = packed.pointer
        for p in 0..<panels {
            let panel = out + p * cols * width
            for j in 0..<width {
                let n = p * width + j
                if n < rows {
                    let row = w + n * cols
                    for k in 0..<cols { panel[k * width + j] = row[k] }
                } else {
                    for k in 0..<cols { panel[k * width + j] = 0 }
                }
            }
        }
        return packed
    }

    /// C[M, N] = A[M, K]·Wᵀ (+ bias), W [N, K] given as `packFrozenPanels(W)`.
    public static func gemmFrozen(M: Int, N: Int, K: Int, _ a: UnsafePointer<Float>, lda: Int,
                                  packed: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                  _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if M == 0 || N == 0 { return }
        let width = frozenPanelWidth, panels = (N + width - 1) / width
        let ap = SendablePointer(a), wp = SendablePointer(packed), cp = SendablePointer(c)
        let bp = bias.map { SendablePointer($0) }
        let grain = M * N * K >= parallelGemmWork ? 1 : panels
        parallelFor(panels, grain: grain) { range in
            for panel in range {
                let n0 = panel * width
                frozenPanel(M: M, K: K, columns: Swift.min(width, N - n0), UnsafePointer(ap.p), lda: lda,
                            UnsafePointer(wp.p + panel * K * width), bias: bp.map { UnsafePointer($0.p + n0) },
                            cp.p + n0, ldc: ldc)
            }
        }
    }

    /// One panel: C[0..<M, 0..<columns] (columns ≤ 32, C already offset to the panel).
    static func frozenPanel(M: Int, K: Int, columns: Int, _ a: UnsafePointer<Float>, lda: Int,
                            _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                            _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        let full = columns == 32
        var b0 = Vec(repeating: 0), b1 = Vec(repeating: 0)
        if let bias {
            b0 = loadPartial(bias, Swift.min(16, columns))
            if columns > 16 { b1 = loadPartial(bias + 16, columns - 16) }
        }
        @inline(__always) func store(_ row: UnsafeMutablePointer<Float>, _ s0: Vec, _ s1: Vec) {
            if full {
                row.setVec(0, s0); row.setVec(16, s1)
            } else {
                storeVector(s0, row, 0, Swift.min(16, columns))
                if columns > 16 { storeVector(s1, row + 16, 0, columns - 16) }
            }
        }
        var m = 0
        var pf = frozenPrefetch &* 32  // set to 0 after the first row tile
        while m &+ 12 <= M {
            let a0 = a + m &* lda
            var s00 = b0, s01 = b1, s10 = b0, s11 = b1, s20 = b0, s21 = b1, s30 = b0, s31 = b1
            var s40 = b0, s41 = b1, s50 = b0, s51 = b1, s60 = b0, s61 = b1, s70 = b0, s71 = b1
            var s80 = b0, s81 = b1, s90 = b0, s91 = b1, sa0 = b0, sa1 = b1, sb0 = b0, sb1 = b1
            let l = lda
            var wk = w
            for k in 0..<K {
                if pf > 0 { seq_prefetch(wk + pf); seq_prefetch(wk + (pf &+ 16)) }
                let w0 = wk.vec(0), w1 = wk.vec(16)
                var x = Vec(repeating: a0[k])
                s00 = s00.addingProduct(x, w0); s01 = s01.addingProduct(x, w1)
                x = Vec(repeating: a0[l &+ k])
                s10 = s10.addingProduct(x, w0); s11 = s11.addingProduct(x, w1)
                x = Vec(repeating: a0[2 &* l &+ k])
                s20 = s20.addingProduct(x, w0); s21 = s21.addingProduct(x, w1)
                x = Vec(repeating: a0[3 &* l &+ k])
                s30 = s30.addingProduct(x, w0); s31 = s31.addingProduct(x, w1)
                x = Vec(repeating: a0[4 &* l &+ k])
                s40 = s40.addingProduct(x, w0); s41 = s41.addingProduct(x, w1)
                x = Vec(repeating: a0[5 &* l &+ k])
                s50 = s50.addingProduct(x, w0); s51 = s51.addingProduct(x, w1)
                x = Vec(repeating: a0[6 &* l &+ k])
                s60 = s60.addingProduct(x, w0); s61 = s61.addingProduct(x, w1)
                x = Vec(repeating: a0[7 &* l &+ k])
                s70 = s70.addingProduct(x, w0); s71 = s71.addingProduct(x, w1)
                x = Vec(repeating: a0[8 &* l &+ k])
                s80 = s80.addingProduct(x, w0); s81 = s81.addingProduct(x, w1)
                x = Vec(repeating: a0[9 &* l &+ k])
                s90 = s90.addingProduct(x, w0); s91 = s91.addingProduct(x, w1)
                x = Vec(repeating: a0[10 &* l &+ k])
                sa0 = sa0.addingProduct(x, w0); sa1 = sa1.addingProduct(x, w1)
                x = Vec(repeating: a0[11 &* l &+ k])
                sb0 = sb0.addingProduct(x, w0); sb1 = sb1.addingProduct(x, w1)
                wk += 32
            }
            let c0 = c + m &* ldc
            store(c0, s00, s01); store(c0 + ldc, s10, s11); store(c0 + 2 &* ldc, s20, s21)
            store(c0 + 3 &* ldc, s30, s31); store(c0 + 4 &* ldc, s40, s41); store(c0 + 5 &* ldc, s50, s51)
            store(c0 + 6 &* ldc, s60, s61); store(c0 + 7 &* ldc, s70, s71); store(c0 + 8 &* ldc, s80, s81)
            store(c0 + 9 &* ldc, s90, s91); store(c0 + 10 &* ldc, sa0, sa1); store(c0 + 11 &* ldc, sb0, sb1)
            pf = 0
            m &+= 12
        }
        while m &+ 4 <= M {
            let a0 = a + m &* lda, l = lda
            var s00 = b0, s01 = b1, s10 = b0, s11 = b1, s20 = b0, s21 = b1, s30 = b0, s31 = b1
            var wk = w
            for k in 0..<K {
                if pf > 0 { seq_prefetch(wk + pf); seq_prefetch(wk + (pf &+ 16)) }
                let w0 = wk.vec(0), w1 = wk.vec(16)
                var x = Vec(repeating: a0[k])
                s00 = s00.addingProduct(x, w0); s01 = s01.addingProduct(x, w1)
                x = Vec(repeating: a0[l &+ k])
                s10 = s10.addingProduct(x, w0); s11 = s11.addingProduct(x, w1)
                x = Vec(repeating: a0[2 &* l &+ k])
                s20 = s20.addingProduct(x, w0); s21 = s21.addingProduct(x, w1)
                x = Vec(repeating: a0[3 &* l &+ k])
                s30 = s30.addingProduct(x, w0); s31 = s31.addingProduct(x, w1)
                wk += 32
            }
            pf = 0
            let c0 = c + m &* ldc
            store(c0, s00, s01); store(c0 + ldc, s10, s11); store(c0 + 2 &* ldc, s20, s21); store(c0 + 3 &* ldc, s30, s31)
            m &+= 4
        }
        while m < M {
            let a0 = a + m &* lda
            var s0 = b0, s1 = b1
            var wk = w
            for k in 0..<K {
                if pf > 0 { seq_prefetch(wk + pf); seq_prefetch(wk + (pf &+ 16)) }
                let x = Vec(repeating: a0[k])
                s0 = s0.addingProduct(x, wk.vec(0)); s1 = s1.addingProduct(x, wk.vec(16))
                wk += 32
            }
            store(c + m &* ldc, s0, s1)
            pf = 0
            m &+= 1
        }
    }
}
