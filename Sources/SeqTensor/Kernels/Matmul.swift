import CBLAS

// Matrix products go to BLAS. Legend: C[M,N] = op(A)·op(B) with op(A) [M,K], op(B) [K,N];
// transposes are passed to sgemm as flags, never materialised.

extension Kernels {
    /// C = alpha·op(A)·op(B) + beta·C, all row-major. `beta: 1` accumulates (backward).
    @inlinable
    public static func sgemm(transposeA: Bool, transposeB: Bool, M: Int, N: Int, K: Int,
                             alpha: Float = 1, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                             beta: Float = 0, _ c: UnsafeMutablePointer<Float>) {
        if M == 0 || N == 0 { return }
        if K == 0 {
            if beta == 0 { c.update(repeating: 0, count: M * N) } else if beta != 1 {
                for i in 0..<(M * N) { c[i] *= beta }
            }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(M), Int32(N), Int32(K), alpha,
                    a, Int32(transposeA ? M : K),
                    b, Int32(transposeB ? K : N),
                    beta, c, Int32(N))
    }
}
