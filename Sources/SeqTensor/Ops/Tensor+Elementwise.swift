#if canImport(Glibc)
import Glibc
#endif

// Elementwise functions: one tape node each, backward from the saved input or output.

extension Tensor {
    /// Applies a SIMD kernel elementwise into a new tensor.
    @inline(__always)
    func mapped(_ f: @Sendable (Vec) -> Vec) -> Tensor {
        let out = Tensor(uninitialized: shape)
        parallelMap(storage.pointer, out.storage.pointer, count, f)
        return out
    }

    /// Records a node whose input gradient is `dy ⊙ f(saved)` for a saved buffer (the input
    /// or the output, whichever the derivative is cheaper from).
    @inline(__always)
    func recordedElementwise(from x: Tensor, saved: TensorStorage,
                             _ derivative: @escaping @Sendable (Vec) -> Vec) -> Tensor {
        let n = count
        return recorded(from: [x]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            parallelZip3(saved.pointer, g.pointer, UnsafePointer(d), d, n) { s, dy, acc in acc + dy * derivative(s) }
        }
    }

    public func exp() -> Tensor {
        let y = mapped { vexp($0) }
        return y.recordedElementwise(from: self, saved: y.storage) { $0 }
    }

    public func log() -> Tensor {
        let y = Tensor(uninitialized: shape)
        let xp = SendablePointer(storage.pointer), yp = SendablePointer(y.storage.pointer)
        parallelFor(count, grain: elementGrain) { r in for i in r { yp.p[i] = logf(xp.p[i]) } }
        return y.recordedElementwise(from: self, saved: storage) { 1 / $0 }
    }

    public func tanh() -> Tensor {
        let y = mapped { vtanh($0) }
        return y.recordedElementwise(from: self, saved: y.storage) { 1 - $0 * $0 }
    }

    public func sigmoid() -> Tensor {
        let y = mapped { vsigmoid($0) }
        return y.recordedElementwise(from: self, saved: y.storage) { $0 * (1 - $0) }
    }

    public func relu() -> Tensor {
        let y = mapped { vmax($0, Vec()) }
        return y.recordedElementwise(from: self, saved: y.storage) { Vec(repeating: 1).replacing(with: 0, where: $0 .<= 0) }
    }

    public func sqrt() -> Tensor {
        let y = mapped { $0.squareRoot() }
        return y.recordedElementwise(from: self, saved: y.storage) { 0.5 / $0 }
    }

    /// x^p for a constant exponent (negative bases give NaN for fractional p, as in libm).
    public func pow(_ p: Float) -> Tensor {
        let y = Tensor(uninitialized: shape)
        let xp = SendablePointer(storage.pointer), yp = SendablePointer(y.storage.pointer)
        if p == 2 {
            parallelMap(storage.pointer, y.storage.pointer, count) { $0 * $0 }
        } else {
            parallelFor(count, grain: elementGrain) { r in for i in r { yp.p[i] = powf(xp.p[i], p) } }
        }
        let x = storage, n = count
        return y.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            for i in 0..<n { d[i] += g.pointer[i] * p * powf(x.pointer[i], p - 1) }
        }
    }

    /// GELU, tanh approximation (BERT's original and PyTorch's `approximate="tanh"`).
    public func gelu() -> Tensor {
        let y = Tensor(uninitialized: shape)
        Kernels.geluForward(storage.pointer, y.storage.pointer, count)
        let x = storage, n = count
        return y.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            Kernels.geluBackward(x.pointer, g.pointer, gx.gradBuffer(), n, accumulate: true)
        }
    }

    /// GELU, exact erf form (transformers' "gelu", PyTorch's default).
    public func geluErf() -> Tensor {
        let y = Tensor(uninitialized: shape)
        Kernels.geluErfForward(storage.pointer, y.storage.pointer, count)
        let x = storage, n = count
        return y.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            Kernels.geluErfBackward(x.pointer, g.pointer, gx.gradBuffer(), n, accumulate: true)
        }
    }

    public static prefix func - (x: Tensor) -> Tensor { x * -1 }

    public static func * (x: Tensor, s: Float) -> Tensor {
        let y = x.mapped { $0 * s }
        let n = x.count
        return y.recorded(from: [x]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            parallelZip(UnsafePointer(d), g.pointer, d, n) { acc, dy in acc + dy * s }
        }
    }

    public static func * (s: Float, x: Tensor) -> Tensor { x * s }
    public static func / (x: Tensor, s: Float) -> Tensor { x * (1 / s) }

    public static func + (x: Tensor, s: Float) -> Tensor {
        let y = x.mapped { $0 + s }
        return y.recorded(from: [x]) { g, inputs in inputs[0]?.accumulate(g, adopting: true) }
    }

    public static func + (s: Float, x: Tensor) -> Tensor { x + s }
    public static func - (x: Tensor, s: Float) -> Tensor { x + (-s) }
    public static func - (s: Float, x: Tensor) -> Tensor { -x + s }
}
