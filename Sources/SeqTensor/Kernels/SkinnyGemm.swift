import Glibc

/// C = alpha·A·Bᵀ + beta·C for a few rows of A (2…`skinnyRows`) against a B stored as rows
/// [N, K]: a decoding step's products (beams × hypotheses rows through a Linear layer or
/// the 8000 × 256 output projection). OpenBLAS's sgemm packs all of B before it multiplies,
/// which `perf` showed as 54% of beam-5 batch-1 decoding (`sgemm_incopy`); here each row of
/// B is read once, in place, and dotted with every row of A while it sits in L1.
extension Kernels {
    /// Largest row count of A that takes this path; above it sgemm's packing pays off
    /// (measured: beam 5 at batch 1 gains 47% at 5 rows; a 9–16-token sentence through the
    /// encoder at batch 1 was a few percent faster with sgemm).
    /// `SEQ_SKINNY_ROWS` overrides it (0 or 1: off), for measuring one against the other.
    public static let skinnyRows: Int = {
        if let value = getenv("SEQ_SKINNY_ROWS"), let n = Int(String(cString: value)), n >= 0 { return n }
        return 8
    }()

    @inlinable
    static func skinnyGemmTransposedB(M: Int, N: Int, K: Int, alpha: Float,
                                      _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                      beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        let whole = K / Vec.scalarCount * Vec.scalarCount
        for n in 0..<N {
            let bRow = b + n * ldb
            for m in 0..<M {
                let aRow = a + m * lda
                var s0 = Vec(repeating: 0), s1 = Vec(repeating: 0)
                var k = 0
                while k + 2 * Vec.scalarCount <= whole {
                    s0 = s0.addingProduct(aRow.vec(k), bRow.vec(k))
                    s1 = s1.addingProduct(aRow.vec(k + Vec.scalarCount), bRow.vec(k + Vec.scalarCount))
                    k += 2 * Vec.scalarCount
                }
                if k < whole {
                    s0 = s0.addingProduct(aRow.vec(k), bRow.vec(k))
                    k += Vec.scalarCount
                }
                var dot = (s0 + s1).sum()
                while k < K {
                    dot += aRow[k] * bRow[k]
                    k += 1
                }
                let out = c + m * ldc + n
                out.pointee = beta == 0 ? alpha * dot : alpha * dot + beta * out.pointee
            }
        }
    }
}
