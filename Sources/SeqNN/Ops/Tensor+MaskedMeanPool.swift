import SeqTensor

// Mean over the real positions of each sequence, one tape node with a hand-written
// pullback (through `Tensor.recording`). Legend: B batch, T time, C channels.

extension Tensor {
    /// x [B, T, C], `valid` [B·T] (non-zero = real position) → [B, C]: the mean of each
    /// sequence's real positions (sentence embeddings, NAT length prediction). A sequence
    /// with no real position gives zeros, as sentence-transformers' clamped count does.
    /// Backward: dx[b, t, c] += valid[b, t] · dOut[b, c] / n_b.
    public func maskedMeanPool(valid: [UInt8]) -> Tensor {
        precondition(rank == 3, "maskedMeanPool takes [B, T, C], got \(shape)")
        let B = shape[0], T = shape[1], C = shape[2]
        precondition(valid.count == B * T, "maskedMeanPool needs \(B * T) flags, got \(valid.count)")
        // 1/n_b per sequence (0 for a sequence with no real position).
        var inverseCounts = [Float](repeating: 0, count: B)
        for b in 0..<B {
            let n = valid[(b * T)..<(b * T + T)].reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            inverseCounts[b] = n > 0 ? 1 / Float(n) : 0
        }
        var out = Tensor(zeros: [B, C])
        withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for b in 0..<B {
                    let outB = o.baseAddress! + b * C
                    for t in 0..<T where valid[b * T + t] != 0 {
                        let xBT = x.baseAddress! + (b * T + t) * C
                        for c in 0..<C { outB[c] += xBT[c] }
                    }
                    let s = inverseCounts[b]
                    for c in 0..<C { outB[c] *= s }
                }
            }
        }
        return Tensor.recording(out, from: [self]) { gOut, grads in
            guard let dx = grads[0] else { return }
            for b in 0..<B {
                let s = inverseCounts[b]
                for t in 0..<T where valid[b * T + t] != 0 {
                    let dxBT = dx.baseAddress! + (b * T + t) * C, gB = gOut.baseAddress! + b * C
                    for c in 0..<C { dxBT[c] += s * gB[c] }
                }
            }
        }
    }
}
