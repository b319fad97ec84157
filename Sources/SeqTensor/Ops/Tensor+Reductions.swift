#if canImport(Glibc)
import Glibc
#endif

// Reductions along one axis, on the (outer, n, inner) view of the shape: element
// (o, i, j) is at (o·n + i)·inner + j. With inner == 1 the reduced rows are contiguous.

extension Tensor {
    func reducedShape(_ axis: Int, keepingDims: Bool) -> [Int] {
        var s = shape
        if keepingDims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    /// Σ along `axis`.
    public func sum(axis: Int, keepingDims: Bool = false) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank)
        let (O, N, I) = Shape.split(shape, axis: axis)
        let out = Tensor(zeros: reducedShape(axis, keepingDims: keepingDims))
        let x = SendablePointer(storage.pointer), y = SendablePointer(out.storage.pointer)
        parallelFor(O, grain: Swift.max(1, elementGrain / Swift.max(N * I, 1))) { os in
            for o in os {
                if I == 1 {
                    y.p[o] = Kernels.sum(x.p + o * N, N)
                } else {
                    for i in 0..<N { accumulateRow(x.p + (o * N + i) * I, into: y.p + o * I, I) }
                }
            }
        }
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            for o in 0..<O { for i in 0..<N { accumulateRow(g.pointer + o * I, into: d + (o * N + i) * I, I) } }
        }
    }

    /// Mean along `axis`.
    public func mean(axis: Int, keepingDims: Bool = false) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank)
        return sum(axis: a, keepingDims: keepingDims) * (1 / Float(shape[a]))
    }

    /// Σ of every element, as a scalar tensor.
    public func sum() -> Tensor { reshape([count]).sum(axis: 0) }

    /// Mean of every element, as a scalar tensor.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Maximum along `axis`; the gradient goes to the first maximal element.
    public func max(axis: Int, keepingDims: Bool = false) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank)
        let (O, N, I) = Shape.split(shape, axis: axis)
        precondition(N > 0, "max over an empty axis")
        let (values, index) = maxAndArgmax(O, N, I)
        let out = Tensor(shape: reducedShape(axis, keepingDims: keepingDims), storage: values)
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            for o in 0..<O { for j in 0..<I { d[(o * N + Int(index[o * I + j])) * I + j] += g.pointer[o * I + j] } }
        }
    }

    /// Index of the first maximum along `axis` (no gradient).
    public func argmax(axis: Int, keepingDims: Bool = false) -> [Int32] {
        let axis = Shape.normalize(axis: axis, rank: rank)
        let (O, N, I) = Shape.split(shape, axis: axis)
        precondition(N > 0, "argmax over an empty axis")
        return maxAndArgmax(O, N, I).1
    }

    private func maxAndArgmax(_ O: Int, _ N: Int, _ I: Int) -> (TensorStorage, [Int32]) {
        let values = TensorStorage(uninitializedCount: O * I)
        var index = [Int32](repeating: 0, count: O * I)
        let x = storage.pointer
        for o in 0..<O {
            for j in 0..<I {
                var best = x[o * N * I + j], at: Int32 = 0
                for i in 1..<Swift.max(N, 1) {
                    let v = x[(o * N + i) * I + j]
                    if v > best || (best.isNaN == false && v.isNaN) { best = v; at = Int32(i) }
                }
                values.pointer[o * I + j] = best
                index[o * I + j] = at
            }
        }
        return (values, index)
    }

    /// log Σ exp along `axis`, stable for large values; -inf for an axis of all -inf.
    public func logSumExp(axis: Int, keepingDims: Bool = false) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank)
        let (O, N, I) = Shape.split(shape, axis: axis)
        let out = Tensor(uninitialized: reducedShape(axis, keepingDims: keepingDims))
        let x = storage.pointer, y = out.storage.pointer
        for o in 0..<O {
            if I == 1 { y[o] = Kernels.logSumExp(x + o * N, N); continue }
            for j in 0..<I {
                var m = -Float.infinity
                for i in 0..<N { m = Swift.max(m, x[(o * N + i) * I + j]) }
                if m == -.infinity { y[o * I + j] = m; continue }
                var s: Float = 0
                for i in 0..<N { s += expf(x[(o * N + i) * I + j] - m) }
                y[o * I + j] = m + logf(s)
            }
        }
        let xS = storage, yS = out.storage
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            for o in 0..<O { for i in 0..<N { for j in 0..<I {
                let lse = yS.pointer[o * I + j]
                if lse == -.infinity { continue }
                d[(o * N + i) * I + j] += g.pointer[o * I + j] * expf(xS.pointer[(o * N + i) * I + j] - lse)
            } } }
        }
    }
}

/// acc[0..<n] += x[0..<n] on one thread (callers parallelise over rows).
@inline(__always)
func accumulateRow(_ x: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, _ n: Int) {
    zipKernel(UnsafePointer(acc), x, acc, n) { $0 + $1 }
}
@inline(__always)
func accumulateRow(_ x: UnsafeMutablePointer<Float>, into acc: UnsafeMutablePointer<Float>, _ n: Int) {
    accumulateRow(UnsafePointer(x), into: acc, n)
}
