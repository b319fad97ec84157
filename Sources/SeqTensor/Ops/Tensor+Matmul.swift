// Matrix products. Legend: a is [..., M, K] (or [..., K, M] with transposeA), b is [K, N]
// (or [N, K] with transposeB) shared by every batch, or [..., K, N] with a's batch axes.

extension Tensor {
    /// op(a)·op(b) with NumPy matmul batching: a 2-D `b` is shared across a's leading axes
    /// (one sgemm over all rows), otherwise the leading axes must match and each batch
    /// is one sgemm. Gradients are sgemm calls too, accumulating into the gradient buffers.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank ≥ 2 operands, got \(a.shape) and \(b.shape)")
        let M = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let K = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let Kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let N = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        precondition(K == Kb, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchShape = Array(a.shape.dropLast(2))
        let batch = Shape.count(batchShape)
        let shared = b.rank == 2
        if !shared {
            precondition(Array(b.shape.dropLast(2)) == batchShape, "matmul batch axes differ: \(a.shape) vs \(b.shape)")
        }
        var out = Tensor(uninitialized: batchShape + [M, N])
        let ap = a.storage.pointer, bp = b.storage.pointer, cp = out.storage.pointer
        if shared && !transposeA {
            // Rows of every batch stacked: one large product, the fast case (Linear layers).
            Kernels.sgemm(transposeA: false, transposeB: transposeB, M: batch * M, N: N, K: K, ap, bp, cp)
        } else {
            for i in 0..<batch {
                Kernels.sgemm(transposeA: transposeA, transposeB: transposeB, M: M, N: N, K: K,
                              ap + i * M * K, bp + (shared ? 0 : i * K * N), cp + i * M * N)
            }
        }
        let aS = a.storage, bS = b.storage
        return out.recorded(from: [a, b]) { g, inputs in
            let gp = g.pointer
            if let ga = inputs[0] {
                let d = ga.gradBuffer()
                if shared && !transposeA {
                    // dA[BM,K] += dC[BM,N] · op(B)ᵀ
                    Kernels.sgemm(transposeA: false, transposeB: !transposeB, M: batch * M, N: K, K: N, gp, bS.pointer, beta: 1, d)
                } else {
                    for i in 0..<batch {
                        let bi = bS.pointer + (shared ? 0 : i * K * N)
                        if transposeA {
                            // A is [K,M]: dA += op(B) · dCᵀ
                            Kernels.sgemm(transposeA: transposeB, transposeB: true, M: K, N: M, K: N, bi, gp + i * M * N, beta: 1, d + i * M * K)
                        } else {
                            Kernels.sgemm(transposeA: false, transposeB: !transposeB, M: M, N: K, K: N, gp + i * M * N, bi, beta: 1, d + i * M * K)
                        }
                    }
                }
            }
            if let gb = inputs[1] {
                let d = gb.gradBuffer()
                if shared && !transposeA {
                    if transposeB {
                        // B is [N,K]: dB += dCᵀ · A
                        Kernels.sgemm(transposeA: true, transposeB: false, M: N, N: K, K: batch * M, gp, aS.pointer, beta: 1, d)
                    } else {
                        Kernels.sgemm(transposeA: true, transposeB: false, M: K, N: N, K: batch * M, aS.pointer, gp, beta: 1, d)
                    }
                } else {
                    for i in 0..<batch {
                        let ai = aS.pointer + i * M * K, gi = gp + i * M * N
                        let di = d + (shared ? 0 : i * K * N)
                        if transposeB {
                            // dB[N,K] += dCᵀ · op(A)
                            Kernels.sgemm(transposeA: true, transposeB: transposeA, M: N, N: K, K: M, gi, ai, beta: 1, di)
                        } else {
                            // dB[K,N] += op(A)ᵀ · dC
                            Kernels.sgemm(transposeA: !transposeA, transposeB: false, M: K, N: N, K: M, ai, gi, beta: 1, di)
                        }
                    }
                }
            }
        }
    }

    /// self · other.
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        Tensor.matmul(self, other, transposeA: transposeA, transposeB: transposeB)
    }
}
