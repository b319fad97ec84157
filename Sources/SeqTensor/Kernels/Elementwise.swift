// Elementwise kernels over contiguous buffers, SIMD16 main loops with scalar-padded tails,
// split over the cores in chunks of at least `elementGrain` elements.

@usableFromInline let elementGrain = 1 << 15

/// y[i] = f(x[i]).
@inlinable @inline(__always)
func mapKernel(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
               _ f: (Vec) -> Vec) {
    var i = 0
    while i + vecWidth <= n { y.setVec(i, f(x.vec(i))); i += vecWidth }
    if i < n { storePartial(y + i, f(loadPartial(x + i, n - i)), n - i) }
}

/// z[i] = f(x[i], y[i]).
@inlinable @inline(__always)
func zipKernel(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ n: Int,
               _ f: (Vec, Vec) -> Vec) {
    var i = 0
    while i + vecWidth <= n { z.setVec(i, f(x.vec(i), y.vec(i))); i += vecWidth }
    if i < n { storePartial(z + i, f(loadPartial(x + i, n - i), loadPartial(y + i, n - i)), n - i) }
}

/// w[i] = f(x[i], y[i], z[i]).
@inlinable @inline(__always)
func zip3Kernel(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafePointer<Float>,
                _ w: UnsafeMutablePointer<Float>, _ n: Int, _ f: @Sendable (Vec, Vec, Vec) -> Vec) {
    var i = 0
    while i + vecWidth <= n { w.setVec(i, f(x.vec(i), y.vec(i), z.vec(i))); i += vecWidth }
    if i < n {
        let m = n - i
        storePartial(w + i, f(loadPartial(x + i, m), loadPartial(y + i, m), loadPartial(z + i, m)), m)
    }
}

@inlinable @inline(__always)
func parallelMap(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                 _ f: @Sendable (Vec) -> Vec) {
    let xs = SendablePointer(x), ys = SendablePointer(y)
    parallelFor(n, grain: elementGrain) { r in
        mapKernel(xs.p + r.lowerBound, ys.p + r.lowerBound, r.count, f)
    }
}

@inlinable @inline(__always)
func parallelZip(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ n: Int,
                 _ f: @Sendable (Vec, Vec) -> Vec) {
    let xs = SendablePointer(x), ys = SendablePointer(y), zs = SendablePointer(z)
    parallelFor(n, grain: elementGrain) { r in
        zipKernel(xs.p + r.lowerBound, ys.p + r.lowerBound, zs.p + r.lowerBound, r.count, f)
    }
}

@inlinable @inline(__always)
func parallelZip3(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafePointer<Float>,
                  _ w: UnsafeMutablePointer<Float>, _ n: Int, _ f: @Sendable (Vec, Vec, Vec) -> Vec) {
    let xs = SendablePointer(x), ys = SendablePointer(y), zs = SendablePointer(z), ws = SendablePointer(w)
    parallelFor(n, grain: elementGrain) { r in
        let o = r.lowerBound
        zip3Kernel(xs.p + o, ys.p + o, zs.p + o, ws.p + o, r.count, f)
    }
}

/// acc[i] += x[i].
@inlinable
func accumulate(_ x: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, _ n: Int) {
    parallelZip(UnsafePointer(acc), x, acc, n) { $0 + $1 }
}
