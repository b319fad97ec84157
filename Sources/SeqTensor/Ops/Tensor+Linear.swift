import CBLAS

// The affine map of a Linear layer as one node: y = x·Wᵀ + b with W in PyTorch's
// [out, in] layout. The bias is written into y first and sgemm accumulates onto it
// (beta = 1), so the forward reads y once; the bias gradient is a column sum by sgemv.

extension Tensor {
    /// x [..., in] · weightᵀ ([out, in]) + bias [out] → [..., out].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
        let outF = weight.shape[0], inF = weight.shape[1]
        precondition(x.shape.last == inF, "linear: input \(x.shape) does not end in \(inF) features")
        if let bias { precondition(bias.shape == [outF], "linear bias \(bias.shape) for \(outF) outputs") }
        let N = x.count / Swift.max(inF, 1)
        let out = Tensor(uninitialized: Array(x.shape.dropLast()) + [outF])
        let y = out.storage.pointer
        if N > Swift.max(1, Kernels.skinnyRows) && N <= FrozenWeights.maximumRows,
           let packed = FrozenWeights.packed(weight.storage, rows: outF, cols: inF) {
            // The packed kernel starts its accumulators from the bias: no separate pass over y.
            Kernels.gemmFrozen(M: N, N: outF, K: inF, x.storage.pointer, lda: inF, packed: packed,
                               bias: bias.map { UnsafePointer($0.storage.pointer) }, y, ldc: outF)
        } else {
            if let bias {
                let b = bias.storage.pointer
                let ys = SendablePointer(y), bs = SendablePointer(b)
                parallelFor(N, grain: Swift.max(1, elementGrain / Swift.max(outF, 1))) { rows in
                    for r in rows { (ys.p + r * outF).update(from: bs.p, count: outF) }
                }
            }
            Kernels.sgemm(transposeA: false, transposeB: true, M: N, N: outF, K: inF,
                          x.storage.pointer, weight.storage.pointer, beta: bias == nil ? 0 : 1, y)
        }
        let xS = x.storage, wS = weight.storage
        var inputs = [x, weight]
        if let bias { inputs.append(bias) }
        return out.recorded(from: inputs) { g, nodes in
            if let gx = nodes[0] {
                // dx[N, in] += g[N, out] · W[out, in]
                Kernels.sgemm(transposeA: false, transposeB: false, M: N, N: inF, K: outF, g.pointer, wS.pointer, beta: 1, gx.gradBuffer())
            }
            if let gw = nodes[1] {
                // dW[out, in] += gᵀ · x
                Kernels.sgemm(transposeA: true, transposeB: false, M: outF, N: inF, K: N, g.pointer, xS.pointer, beta: 1, gw.gradBuffer())
            }
            if nodes.count > 2, let gb = nodes[2] {
                Kernels.columnSums(g.pointer, rows: N, cols: outF, into: gb.gradBuffer())
            }
        }
    }
}

extension Kernels {
    /// acc[c] += Σ_r x[r, c], as gᵀ·1 through sgemv.
    public static func columnSums(_ x: UnsafePointer<Float>, rows R: Int, cols C: Int, into acc: UnsafeMutablePointer<Float>) {
        if R == 0 || C == 0 { return }
        let ones = TensorStorage(uninitializedCount: R)
        ones.pointer.initialize(repeating: 1, count: R)
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(R), Int32(C), 1, x, Int32(C), ones.pointer, 1, 1, acc, 1)
    }
}
