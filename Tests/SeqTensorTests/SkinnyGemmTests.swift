import Testing
@testable import SeqTensor

/// Products with a few rows against a B stored as rows (decoding's Linear layers and output
/// projection) skip sgemm's packing: the result equals the naive triple loop, with strided
/// operands, alpha and beta, every K tail and on both sides of the row limit.
struct SkinnyGemmTests {
    @Test(arguments: [2, 3, 4, 5, 7, 8, 9, 16])
    func matchesTheNaiveProduct(_ M: Int) {
        var state: UInt64 = 7
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        for (N, K) in [(1, 1), (3, 15), (40, 16), (33, 17), (70, 33), (300, 100), (8, 256)] {
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1.5)] {
                let lda = K + 3, ldb = K + 1, ldc = N + 2
                let a = (0..<M * lda).map { _ in next() }, b = (0..<N * ldb).map { _ in next() }
                var c = (0..<M * ldc).map { _ in next() }
                var expected = c
                for m in 0..<M {
                    for n in 0..<N {
                        var dot: Double = 0
                        for k in 0..<K { dot += Double(a[m * lda + k]) * Double(b[n * ldb + k]) }
                        expected[m * ldc + n] = Float(Double(alpha) * dot + Double(beta) * Double(c[m * ldc + n]))
                    }
                }
                c.withUnsafeMutableBufferPointer { cp in
                    Kernels.sgemm(transposeA: false, transposeB: true, M: M, N: N, K: K, alpha: alpha, a, lda: lda, b, ldb: ldb,
                                  beta: beta, cp.baseAddress!, ldc: ldc)
                }
                let worst = zip(c, expected).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-4 * Float(K), "M \(M) N \(N) K \(K) alpha \(alpha) beta \(beta): off by \(worst)")
            }
        }
    }
}
