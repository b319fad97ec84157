// Batch normalization over the rows of [N, C] (N = B·T positions, C features): each
// feature is normalised with the mean and variance over the valid rows only, so padding
// neither shifts the statistics nor receives output (padded rows come out as zeros).
// Legend: N rows, C features, n valid rows.

extension Tensor {
    /// Training-mode batch norm. `valid` [N] marks real positions (nil: all). Returns the
    /// output and the batch mean and biased variance [C] (for the running statistics).
    public func batchNormTraining(weight: Tensor, bias: Tensor, valid: [UInt8]?, epsilon: Float) -> (Tensor, mean: [Float], variance: [Float]) {
        let C = shape.last ?? 1, N = count / Swift.max(C, 1)
        precondition(weight.shape == [C] && bias.shape == [C], "batch norm parameters must be [\(C)]")
        if let valid { precondition(valid.count == N, "batch norm mask needs \(N) flags") }
        let n = valid.map { $0.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } } ?? N
        precondition(n > 0, "batch norm needs at least one valid position")
        let x = storage.pointer
        var mean = [Float](repeating: 0, count: C), variance = [Float](repeating: 0, count: C)
        for r in 0..<N where valid.map({ $0[r] != 0 }) ?? true {
            for c in 0..<C { mean[c] += x[r * C + c] }
        }
        for c in 0..<C { mean[c] /= Float(n) }
        for r in 0..<N where valid.map({ $0[r] != 0 }) ?? true {
            for c in 0..<C { let d = x[r * C + c] - mean[c]; variance[c] += d * d }
        }
        for c in 0..<C { variance[c] /= Float(n) }
        let rstd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let out = Tensor(uninitialized: shape)
        let y = out.storage.pointer, w = weight.storage.pointer, b = bias.storage.pointer
        for r in 0..<N {
            if let valid, valid[r] == 0 { (y + r * C).update(repeating: 0, count: C); continue }
            for c in 0..<C { y[r * C + c] = (x[r * C + c] - mean[c]) * rstd[c] * w[c] + b[c] }
        }
        let xS = storage, wS = weight.storage
        let result = out.recorded(from: [self, weight, bias]) { g, nodes in
            let gy = g.pointer, x = xS.pointer, w = wS.pointer
            var sumDy = [Float](repeating: 0, count: C), sumDyXhat = [Float](repeating: 0, count: C)
            for r in 0..<N where valid.map({ $0[r] != 0 }) ?? true {
                for c in 0..<C {
                    let xh = (x[r * C + c] - mean[c]) * rstd[c]
                    sumDy[c] += gy[r * C + c]
                    sumDyXhat[c] += gy[r * C + c] * xh
                }
            }
            if let gw = nodes[1] { let d = gw.gradBuffer(); for c in 0..<C { d[c] += sumDyXhat[c] } }
            if let gb = nodes[2] { let d = gb.gradBuffer(); for c in 0..<C { d[c] += sumDy[c] } }
            if let gx = nodes[0] {
                let d = gx.gradBuffer(), inv = 1 / Float(n)
                for r in 0..<N where valid.map({ $0[r] != 0 }) ?? true {
                    for c in 0..<C {
                        let xh = (x[r * C + c] - mean[c]) * rstd[c]
                        d[r * C + c] += w[c] * rstd[c] * (gy[r * C + c] - inv * sumDy[c] - xh * inv * sumDyXhat[c])
                    }
                }
            }
        }
        return (result, mean, variance)
    }

    /// Evaluation-mode batch norm with fixed statistics: an affine map per feature.
    public func batchNormInference(weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, valid: [UInt8]?, epsilon: Float) -> Tensor {
        let C = shape.last ?? 1, N = count / Swift.max(C, 1)
        let m = mean.scalars, v = variance.scalars
        let scale = Tensor(shape: [C], scalars: (0..<C).map { 1 / (v[$0] + epsilon).squareRoot() })
        let shift = Tensor(shape: [C], scalars: (0..<C).map { -m[$0] })
        var y = ((self + shift) * scale) * weight + bias
        if let valid {
            let keep = Tensor(shape: Array(shape.dropLast()) + [1], scalars: valid.map { $0 != 0 ? 1 : 0 })
            precondition(valid.count == N, "batch norm mask needs \(N) flags")
            y = y * keep
        }
        return y
    }
}
