// Shape operations. `reshape` shares storage; `permute`, `slice` and `concatenate` copy
// into contiguous memory (no views anywhere: kernels only ever see contiguous rows).

extension Tensor {
    /// Same elements, new shape; one dimension may be -1 (inferred).
    public func reshape(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let k = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != k }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            s[k] = count / known
        }
        precondition(Shape.count(s) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        let out = Tensor(shape: s, storage: storage)
        return out.recorded(from: [self]) { g, inputs in inputs[0]?.accumulate(g, adopting: true) }
    }

    /// Reorders axes: output axis i is input axis `axes[i]`.
    public func permute(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "permute(\(axes)) is not a permutation of \(rank) axes")
        if axes == Array(0..<rank) { return self.reshape(shape) }
        let outShape = axes.map { shape[$0] }
        let out = Tensor(uninitialized: outShape)
        permuteCopy(from: storage.pointer, shape: shape, axes: axes, to: out.storage.pointer, accumulate: false)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            permuteCopy(from: g.pointer, shape: outShape, axes: inverse, to: gx.gradBuffer(), accumulate: true)
        }
    }

    /// Swaps two axes.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(Shape.normalize(axis: a, rank: rank), Shape.normalize(axis: b, rank: rank))
        return permute(axes)
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice \(range) out of bounds for axis \(axis) of size \(shape[axis])")
        let (O, N, I) = Shape.split(shape, axis: axis)
        var outShape = shape
        outShape[axis] = range.count
        let out = Tensor(uninitialized: outShape)
        let L = range.count, s = range.lowerBound
        for o in 0..<O {
            (out.storage.pointer + o * L * I).update(from: storage.pointer + (o * N + s) * I, count: L * I)
        }
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            for o in 0..<O { accumulateRow(g.pointer + o * L * I, into: d + (o * N + s) * I, L * I) }
        }
    }

    /// Joins tensors along `axis`; all other axes must agree.
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let first = parts[0]
        let axis = Shape.normalize(axis: axis, rank: first.rank)
        for p in parts {
            var a = p.shape, b = first.shape
            precondition(a.count == b.count, "concatenate: rank \(p.rank) differs from \(first.rank)")
            a[axis] = 0; b[axis] = 0
            precondition(a == b, "concatenate: shape \(p.shape) does not match \(first.shape) off axis \(axis)")
        }
        let (O, _, I) = Shape.split(first.shape, axis: axis)
        let lengths = parts.map { $0.shape[axis] }
        let total = lengths.reduce(0, +)
        var outShape = first.shape
        outShape[axis] = total
        let out = Tensor(uninitialized: outShape)
        var start = 0
        for (p, L) in zip(parts, lengths) {
            for o in 0..<O {
                (out.storage.pointer + (o * total + start) * I).update(from: p.storage.pointer + o * L * I, count: L * I)
            }
            start += L
        }
        return out.recorded(from: parts) { g, inputs in
            var start = 0
            for (k, L) in lengths.enumerated() {
                if let gx = inputs[k] {
                    let d = gx.gradBuffer()
                    for o in 0..<O { accumulateRow(g.pointer + (o * total + start) * I, into: d + o * L * I, L * I) }
                }
                start += L
            }
        }
    }
}

/// out = permute(x) (or out += with `accumulate`), walking output rows: the last output
/// axis is contiguous in `out` and strided in `x`.
func permuteCopy(from x: UnsafePointer<Float>, shape: [Int], axes: [Int], to out: UnsafeMutablePointer<Float>, accumulate: Bool) {
    let rank = shape.count
    let inStrides = Shape.strides(shape)
    let outShape = axes.map { shape[$0] }
    let stepIn = axes.map { inStrides[$0] }    // input stride of each output axis
    let C = outShape.last ?? 1
    let rows = Shape.count(outShape) / Swift.max(C, 1)
    let sLast = stepIn.last ?? 1
    let xs = SendablePointer(x), os = SendablePointer(out)
    parallelFor(rows, grain: Swift.max(1, elementGrain / Swift.max(C, 1))) { rs in
        for r in rs {
            var rem = r, off = 0
            var axis = rank - 2
            while axis >= 0 {
                let d = outShape[axis]
                off += (rem % d) * stepIn[axis]
                rem /= d
                axis -= 1
            }
            let src = xs.p + off, dst = os.p + r * C
            if accumulate {
                for j in 0..<C { dst[j] += src[j * sLast] }
            } else {
                for j in 0..<C { dst[j] = src[j * sLast] }
            }
        }
    }
}
