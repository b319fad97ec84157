import Glibc

/// C = alpha·A·Bᵀ + beta·C for a few rows of A (2…`skinnyRows`) against a B stored as rows
/// [N, K]: a decoding step's products (beams × hypotheses rows through a Linear layer or
/// the 8000 × 256 output projection). OpenBLAS's sgemm packs all of B before it multiplies,
/// which `perf` showed as 54% of beam-5 batch-1 decoding (`sgemm_incopy`); here each row of
/// B is read once, in place, and dotted with every row of A while it sits in L1.
///
/// Register blocking: 4 rows of A × 4 rows of B in 16 independent accumulators (24 of the
/// 32 AVX-512 registers with the loads), so each loaded vector feeds four FMAs and no chain
/// of dependent FMAs is longer than K/16. The first version dotted one row pair at a time
/// and ended every dot with `SIMD16.sum()`, which Swift lowers to 15 *ordered* scalar adds:
/// 60 cycles of latency per dot against 16 FMAs of work (perf and objdump, beam 5 batch 1).
/// Here a dot ends in a tree of 4 vector adds.
extension Kernels {
    /// Largest row count of A that takes this path; above it sgemm's packing pays off.
    /// `SEQ_SKINNY_ROWS` overrides it (0 or 1: off), for measuring one against the other.
    public static let skinnyRows = tuningOverride("SEQ_SKINNY_ROWS", default: 8)

    /// Whether a product of `M` > 1 rows goes to `skinnyGemmTransposedB` (one row goes to
    /// sgemv first): the rule `gemmCall` dispatches on and `sgemm` splits by.
    @inlinable @inline(__always)
    static func takesSkinnyPath(_ transposeA: Bool, _ transposeB: Bool, _ M: Int) -> Bool {
        !transposeA && transposeB && M <= skinnyRows
    }

    /// The sum of the 16 lanes as a tree (halves added 4 times): not the order of
    /// `SIMD.sum()`, whose sequential adds are the slow part of a short dot product.
    @inlinable @inline(__always)
    static func treeSum(_ v: Vec) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    @inlinable
    static func skinnyGemmTransposedB(M: Int, N: Int, K: Int, alpha: Float,
                                      _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                      beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        let w = Vec.scalarCount
        let whole = K / w &* w
        let zero = Vec(repeating: 0)

        /// Stores one finished dot: the vector part `partial`, plus the scalar tail of K.
        @inline(__always)
        func finish(_ partial: Vec, _ m: Int, _ n: Int) {
            var dot = treeSum(partial)
            if whole < K {
                let aRow = a + m &* lda, bRow = b + n &* ldb
                for k in whole..<K { dot += aRow[k] * bRow[k] }
            }
            let out = c + (m &* ldc &+ n)
            out.pointee = beta == 0 ? alpha * dot : alpha * dot + beta * out.pointee
        }

        var n = 0
        while n &+ 4 <= N {
            let b0 = b + n &* ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
            var m = 0
            while m &+ 4 <= M {
                let a0 = a + m &* lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
                var s00 = zero, s01 = zero, s02 = zero, s03 = zero
                var s10 = zero, s11 = zero, s12 = zero, s13 = zero
                var s20 = zero, s21 = zero, s22 = zero, s23 = zero
                var s30 = zero, s31 = zero, s32 = zero, s33 = zero
                var k = 0
                while k < whole {
                    let x0 = b0.vec(k), x1 = b1.vec(k), x2 = b2.vec(k), x3 = b3.vec(k)
                    let y0 = a0.vec(k)
                    s00 = s00.addingProduct(y0, x0); s01 = s01.addingProduct(y0, x1)
                    s02 = s02.addingProduct(y0, x2); s03 = s03.addingProduct(y0, x3)
                    let y1 = a1.vec(k)
                    s10 = s10.addingProduct(y1, x0); s11 = s11.addingProduct(y1, x1)
                    s12 = s12.addingProduct(y1, x2); s13 = s13.addingProduct(y1, x3)
                    let y2 = a2.vec(k)
                    s20 = s20.addingProduct(y2, x0); s21 = s21.addingProduct(y2, x1)
                    s22 = s22.addingProduct(y2, x2); s23 = s23.addingProduct(y2, x3)
                    let y3 = a3.vec(k)
                    s30 = s30.addingProduct(y3, x0); s31 = s31.addingProduct(y3, x1)
                    s32 = s32.addingProduct(y3, x2); s33 = s33.addingProduct(y3, x3)
                    k &+= w
                }
                finish(s00, m, n); finish(s01, m, n &+ 1); finish(s02, m, n &+ 2); finish(s03, m, n &+ 3)
                finish(s10, m &+ 1, n); finish(s11, m &+ 1, n &+ 1); finish(s12, m &+ 1, n &+ 2); finish(s13, m &+ 1, n &+ 3)
                finish(s20, m &+ 2, n); finish(s21, m &+ 2, n &+ 1); finish(s22, m &+ 2, n &+ 2); finish(s23, m &+ 2, n &+ 3)
                finish(s30, m &+ 3, n); finish(s31, m &+ 3, n &+ 1); finish(s32, m &+ 3, n &+ 2); finish(s33, m &+ 3, n &+ 3)
                m &+= 4
            }
            while m < M {
                let a0 = a + m &* lda
                var s0 = zero, s1 = zero, s2 = zero, s3 = zero
                var k = 0
                while k < whole {
                    let y = a0.vec(k)
                    s0 = s0.addingProduct(y, b0.vec(k)); s1 = s1.addingProduct(y, b1.vec(k))
                    s2 = s2.addingProduct(y, b2.vec(k)); s3 = s3.addingProduct(y, b3.vec(k))
                    k &+= w
                }
                finish(s0, m, n); finish(s1, m, n &+ 1); finish(s2, m, n &+ 2); finish(s3, m, n &+ 3)
                m &+= 1
            }
            n &+= 4
        }
        while n < N {
            let bRow = b + n &* ldb
            for m in 0..<M {
                let aRow = a + m &* lda
                var s0 = zero, s1 = zero
                var k = 0
                while k &+ 2 &* w <= whole {
                    s0 = s0.addingProduct(aRow.vec(k), bRow.vec(k))
                    s1 = s1.addingProduct(aRow.vec(k &+ w), bRow.vec(k &+ w))
                    k &+= 2 &* w
                }
                if k < whole { s0 = s0.addingProduct(aRow.vec(k), bRow.vec(k)) }
                finish(s0 + s1, m, n)
            }
            n &+= 1
        }
    }
}
