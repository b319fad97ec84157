import SeqTensor

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: the coefficient is `maxNorm / (norm + 1e-6)`, applied
/// only when below 1. Returns the norm before clipping. A non-finite norm makes every
/// gradient NaN, as PyTorch does (its `error_if_nonfinite` defaults to off).
/// Parameters without a gradient are ignored; a parameter listed twice counts once.
@discardableResult
public func clipGradNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let grads = uniqueParameters(parameters).compactMap(\.grad)
    var sumOfSquares = 0.0
    for g in grads {
        g.withUnsafeBufferPointer { sumOfSquares += GradNormKernel.sumOfSquares($0) }
    }
    let total = Float(sumOfSquares.squareRoot())
    // PyTorch evaluates `max_norm / (total + 1e-6)` as reciprocal-then-multiply
    // (`Tensor.__rtruediv__`); the same order gives the same Float.
    let coefficient = (1 / (total + 1e-6)) * maxNorm
    guard !(coefficient >= 1) else { return total }
    for g in grads {
        g.withUnsafeSharedMutableBufferPointer { buffer in
            let xs = SendablePointer(buffer)
            parallelFor(buffer.count, grain: optimizerGrain) { range in
                let x = xs.p
                for i in range { x[i] *= coefficient }
            }
        }
    }
    return total
}

enum GradNormKernel {
    static let block = 1 << 14

    /// Σ x², Float SIMD partial sums within blocks, Double across blocks and threads.
    static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        let n = x.count
        guard n > 0, let base = x.baseAddress else { return 0 }
        let blocks = (n + block - 1) / block
        if blocks == 1 { return blockSum(base, count: n) }
        var partials = [Double](repeating: 0, count: blocks)
        partials.withUnsafeMutableBufferPointer { out in
            let outs = SendablePointer(out), bases = SendablePointer(base)
            parallelFor(blocks, grain: 2) { range in
                let out = outs.p, base = UnsafePointer(bases.p)
                for b in range {
                    let lo = b * block
                    out[b] = blockSum(base + lo, count: min(block, n - lo))
                }
            }
        }
        return partials.reduce(0, +)
    }

    static func blockSum(_ x: UnsafePointer<Float>, count n: Int) -> Double {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 16 <= n {
            let a = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let b = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            acc0 += a * a
            acc1 += b * b
            i += 16
        }
        var s = Double((acc0 + acc1).sum())
        while i < n {
            s += Double(x[i] * x[i])
            i += 1
        }
        return s
    }
}
