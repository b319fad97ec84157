// Cross-entropy from logits, fused: one pass for log-sum-exp, the collapsed gradient
// softmax − target in the backward (llm.c's crossentropy_softmax_backward).

extension Tensor {
    /// Mean cross-entropy of logits [..., V] against class `targets` (one per row), with
    /// PyTorch's semantics: rows whose target is `ignoreIndex` count for nothing, and label
    /// smoothing ε mixes the one-hot target with the uniform distribution:
    /// loss = (1−ε)·(−log p_t) + ε·mean_c(−log p_c). A batch of only ignored rows gives 0.
    /// With `divisor`, the sum over rows is divided by it instead of by the count of rows
    /// that are not ignored: data-parallel training divides by the count over all processes,
    /// so that the processes' summed gradients are the gradient of one global mean.
    public func crossEntropy(targets: [Int32], ignoreIndex: Int32 = -100, labelSmoothing: Float = 0,
                             divisor: Float? = nil) -> Tensor {
        let V = shape.last ?? 1, R = count / Swift.max(V, 1)
        precondition(targets.count == R, "crossEntropy: \(targets.count) targets for \(R) rows of logits \(shape)")
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "label smoothing must be in [0, 1]")
        for t in targets where t != ignoreIndex {
            precondition(t >= 0 && Int(t) < V, "target \(t) out of range 0..<\(V)")
        }
        let lse = TensorStorage(uninitializedCount: R)
        let rowLoss = TensorStorage(zeroedCount: R)
        let x = SendablePointer(storage.pointer), l = SendablePointer(lse.pointer), rl = SendablePointer(rowLoss.pointer)
        let eps = labelSmoothing
        targets.withUnsafeBufferPointer { tb in
            let tp = SendablePointer(UnsafeMutablePointer(mutating: tb.baseAddress!))
            parallelFor(R, grain: Swift.max(1, elementGrain / Swift.max(V, 1))) { rows in
                for r in rows {
                    let t = tp.p[r]
                    if t == ignoreIndex { continue }
                    let row = UnsafePointer(x.p + r * V)
                    let z = Kernels.logSumExp(row, V)
                    l.p[r] = z
                    let nll = z - row[Int(t)]
                    rl.p[r] = eps == 0 ? nll : (1 - eps) * nll + eps * (z - Kernels.sum(row, V) / Float(V))
                }
            }
        }
        let valid = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
        let total = Kernels.sum(rowLoss.pointer, R)
        if let divisor { precondition(divisor > 0, "crossEntropy: the divisor must be positive, got \(divisor)") }
        let denominator = divisor ?? Float(valid)
        let out = Tensor(scalar: valid == 0 ? 0 : total / denominator)
        let xS = storage   // the pullback keeps `lse` alive by capturing the storage itself
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0], valid > 0 else { return }
            let d = SendablePointer(gx.gradBuffer())
            let scale = g.pointer[0] / denominator
            let xs = SendablePointer(xS.pointer), l = SendablePointer(lse.pointer)
            targets.withUnsafeBufferPointer { tb in
                let tp = SendablePointer(UnsafeMutablePointer(mutating: tb.baseAddress!))
                parallelFor(R, grain: Swift.max(1, elementGrain / Swift.max(V, 1))) { rows in
                    for r in rows {
                        let t = tp.p[r]
                        if t == ignoreIndex { continue }
                        let z = Vec(repeating: l.p[r]), s = Vec(repeating: scale), u = Vec(repeating: eps / Float(V))
                        let row = UnsafePointer(xs.p + r * V), dr = d.p + r * V
                        Kernels.zipAccumulate(row, row, dr, V) { x, _ in (vexp(x - z) - u) * s }
                        dr[Int(t)] -= (1 - eps) * scale
                    }
                }
            }
        }
    }
}
