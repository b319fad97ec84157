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

extension Kernels {
    /// sgemm with explicit leading dimensions: heads read in place from [B, T, H·D] rows.
    @inlinable
    public static func sgemm(transposeA: Bool, transposeB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1,
                             _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if M == 0 || N == 0 { return }
        if K == 0 {
            for i in 0..<M { for j in 0..<N { c[i * ldc + j] = beta == 0 ? 0 : c[i * ldc + j] * beta } }
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(M), Int32(N), Int32(K), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Runs `body` over `count` independent work items on the engine's threads, with BLAS
    /// single-threaded inside each item (many small products beat few threaded ones), and
    /// restores BLAS's thread count afterwards.
    public static func parallelWithSerialBLAS(_ count: Int, _ body: (Int) -> Void) {
        let threads = Engine.threads
        if threads <= 1 || count <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        openblas_set_num_threads(1)
        parallelFor(count, grain: 1) { r in for i in r { body(i) } }
        openblas_set_num_threads(Int32(threads))
    }
}
