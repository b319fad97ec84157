import Foundation
import SeqCore
import SeqTensor

// Connectionist temporal classification (Graves et al. 2006) from logits, fused: log-softmax,
// the forward-backward recursions in log space and the gradient in one tape node with a
// hand-written pullback (through `Tensor.recording`). Legend: B sequences, T input
// positions, V classes, L target length, S = 2L + 1 positions of the blank-extended target.

/// The CTC loss of a batch and the sequences it could not score.
public struct CTCLossResult {
    /// Scalar: Σ over scored sequences of −log p(target | input), divided by the divisor.
    public var loss: Tensor
    /// Sum of −log p over the scored sequences (for reporting), before the divisor.
    public var sum: Double
    /// Sequences whose input is too short for their target (fewer positions than tokens
    /// plus repeated neighbours): they count zero loss and zero gradient, as PyTorch's
    /// `ctc_loss(zero_infinity=True)` and fairseq's NAT-CTC do.
    public var skipped: Int
}

extension Tensor {
    /// CTC loss of logits [B, T, V] with `inputLengths[b]` real positions (the rest are
    /// padding and get no gradient) against `targets[b]` (no blanks), `blank` the blank
    /// class. The loss is Σ_b −log p_b / `divisor` (default: B).
    ///
    /// Backward, with γ_t(s) = α_t(s)·β_t(s) / p the posterior of extended-target position s
    /// at time t: ∂(−log p)/∂z_{t,j} = softmax(z_t)_j − Σ_{s: l'_s = j} γ_t(s). Only γ (T × S
    /// per sequence) and the log-sum-exp of each row are saved; the softmax is recomputed
    /// from the logits.
    public func ctcLoss(inputLengths: [Int], targets: [[Int32]], blank: Int32, divisor: Float? = nil) -> CTCLossResult {
        precondition(rank == 3, "ctcLoss takes logits [B, T, V], got \(shape)")
        let B = shape[0], T = shape[1], V = shape[2]
        precondition(inputLengths.count == B && targets.count == B, "ctcLoss needs \(B) input lengths and targets")
        precondition(blank >= 0 && Int(blank) < V, "blank \(blank) outside 0..<\(V)")
        for (b, n) in inputLengths.enumerated() { precondition((0...T).contains(n), "input length \(n) of sequence \(b) outside 0...\(T)") }
        for target in targets { for id in target { precondition(id >= 0 && Int(id) < V && id != blank, "target id \(id) is the blank or outside 0..<\(V)") } }
        let divisor = divisor ?? Float(Swift.max(B, 1))
        precondition(divisor > 0, "ctcLoss: the divisor must be positive")

        // Per sequence: −log p (nil: skipped), the row log-sum-exps, log γ [T_b × S].
        var results = [CTCSequence?](repeating: nil, count: B)
        withUnsafeBufferPointer { z in
            let zp = SendablePointer(UnsafeMutablePointer(mutating: z.baseAddress!))
            results.withUnsafeMutableBufferPointer { out in
                let op = SendablePointer(out.baseAddress!)
                parallelFor(B, grain: 1) { range in
                    for b in range {
                        op.p[b] = CTCSequence(logits: UnsafePointer(zp.p + b * T * V), length: inputLengths[b], V: V,
                                              target: targets[b], blank: blank)
                    }
                }
            }
        }
        let sequences = results
        let scored = results.compactMap { $0 }
        let sum = scored.reduce(0.0) { $0 + $1.negativeLogLikelihood }
        let out = Tensor(shape: [], scalars: [Float(sum / Double(divisor))])
        let loss = Tensor.recording(out, from: [self]) { gOut, grads in
            guard let dz = grads[0] else { return }
            let scale = gOut[0] / divisor
            let zs = self
            zs.withUnsafeBufferPointer { z in
                let zp = SendablePointer(UnsafeMutablePointer(mutating: z.baseAddress!)), dp = SendablePointer(dz.baseAddress!)
                parallelFor(B, grain: 1) { range in
                    for b in range { sequences[b]?.accumulateGradient(logits: UnsafePointer(zp.p + b * T * V), into: dp.p + b * T * V,
                                                                     V: V, scale: scale) }
                }
            }
        }
        return CTCLossResult(loss: loss, sum: sum, skipped: B - scored.count)
    }
}

/// One sequence's forward-backward, kept for the pullback.
struct CTCSequence: Sendable {
    let negativeLogLikelihood: Double
    /// Log-sum-exp of each real input row.
    let logNormalizers: [Float]
    /// log γ_t(s), [T_b × S].
    let logPosterior: [Double]
    /// The blank-extended target l'.
    let extended: [Int32]

    /// Nil when the target cannot be aligned to `length` positions (p = 0).
    init?(logits z: UnsafePointer<Float>, length: Int, V: Int, target: [Int32], blank: Int32) {
        let L = target.count, S = 2 * L + 1, T = length
        var needed = L
        for i in 1..<max(L, 1) where target[i] == target[i - 1] { needed += 1 }
        guard T >= max(needed, 1) else { return nil }
        var ext = [Int32](repeating: blank, count: S)
        for i in 0..<L { ext[2 * i + 1] = target[i] }
        var lse = [Float](repeating: 0, count: T)
        for t in 0..<T { lse[t] = rowLogSumExp(z + t * V, V) }
        func lp(_ t: Int, _ s: Int) -> Double { Double(z[t * V + Int(ext[s])] - lse[t]) }
        // May position s be reached from s − 2 (skipping a blank between different tokens)?
        let skip = (0..<S).map { s in s >= 2 && ext[s] != blank && ext[s] != ext[s - 2] }
        let ninf = -Double.infinity
        var alpha = [Double](repeating: ninf, count: T * S), beta = alpha
        alpha[0] = lp(0, 0)
        if S > 1 { alpha[1] = lp(0, 1) }
        for t in 1..<T {
            for s in 0..<S {
                var a = alpha[(t - 1) * S + s]
                if s >= 1 { a = logAddExp(a, alpha[(t - 1) * S + s - 1]) }
                if skip[s] { a = logAddExp(a, alpha[(t - 1) * S + s - 2]) }
                alpha[t * S + s] = a == ninf ? ninf : a + lp(t, s)
            }
        }
        beta[(T - 1) * S + S - 1] = 0
        if S > 1 { beta[(T - 1) * S + S - 2] = 0 }
        for t in stride(from: T - 2, through: 0, by: -1) {
            for s in 0..<S {
                var b = beta[(t + 1) * S + s] + lp(t + 1, s)
                if s + 1 < S { b = logAddExp(b, beta[(t + 1) * S + s + 1] + lp(t + 1, s + 1)) }
                if s + 2 < S && skip[s + 2] { b = logAddExp(b, beta[(t + 1) * S + s + 2] + lp(t + 1, s + 2)) }
                beta[t * S + s] = b
            }
        }
        var logP = alpha[(T - 1) * S + S - 1]
        if S > 1 { logP = logAddExp(logP, alpha[(T - 1) * S + S - 2]) }
        guard logP.isFinite else { return nil }
        negativeLogLikelihood = -logP
        logNormalizers = lse
        logPosterior = zip(alpha, beta).map { $0 + $1 - logP }
        extended = ext
    }

    /// dz[t, j] += scale · (softmax(z_t)_j − Σ_{s: l'_s = j} γ_t(s)) for the real rows.
    func accumulateGradient(logits z: UnsafePointer<Float>, into dz: UnsafeMutablePointer<Float>, V: Int, scale: Float) {
        let S = extended.count
        for t in 0..<logNormalizers.count {
            let row = z + t * V, grad = dz + t * V, m = logNormalizers[t]
            for j in 0..<V { grad[j] += scale * Foundation.exp(row[j] - m) }
            for s in 0..<S {
                let g = logPosterior[t * S + s]
                if g > -.infinity { grad[Int(extended[s])] -= scale * Float(Foundation.exp(g)) }
            }
        }
    }
}

@inline(__always)
func logAddExp(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return max(a, b) + Foundation.log1p(Foundation.exp(-abs(a - b)))
}

/// log Σ_j exp(x_j) of one row, in Double.
func rowLogSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j]) }
    guard m.isFinite else { return m }
    var sum = 0.0
    for j in 0..<n { sum += Foundation.exp(Double(x[j] - m)) }
    return m + Float(Foundation.log(sum))
}
