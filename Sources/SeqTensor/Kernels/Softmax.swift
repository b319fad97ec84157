import CSIMD
// Softmax and log-softmax over the last axis of a [R, C] view: forward and backward pairs.
// Each row (C floats) stays in L1 between its passes, so memory is read once.
// Legend: R rows, C columns, x input, y output, dy upstream gradient, dx gradient.

extension Kernels {
    public static func softmaxForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows R: Int, cols C: Int) {
        let xs = SendablePointer(x), ys = SendablePointer(y)
        parallelFor(R, grain: max(1, elementGrain / max(C, 1))) { rows in
            for r in rows { softmaxRow(xs.p + r * C, ys.p + r * C, C) }
        }
    }

    @inlinable @inline(__always)
    static func rowMax(_ x: UnsafePointer<Float>, _ C: Int) -> Float {
        var m0 = Vec(repeating: -.infinity), m1 = m0
        var i = 0
        while i + 2 * vecWidth <= C { m0 = vmax(m0, x.vec(i)); m1 = vmax(m1, x.vec(i + vecWidth)); i += 2 * vecWidth }
        while i + vecWidth <= C { m0 = vmax(m0, x.vec(i)); i += vecWidth }
        var m = hmax(vmax(m0, m1))
        while i < C { m = max(m, x[i]); i += 1 }
        return m
    }

    @inlinable @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ C: Int) {
        let m = rowMax(x, C)
        // A row of -inf (everything masked) has no distribution; give zeros, not NaN.
        if m == -.infinity { y.update(repeating: 0, count: C); return }
        let mv = Vec(repeating: m)
        var s0 = Vec(), s1 = Vec()
        var i = 0
        while i + 2 * vecWidth <= C {
            let e0 = vexpNonPositive(x.vec(i) - mv), e1 = vexpNonPositive(x.vec(i + vecWidth) - mv)
            y.setVec(i, e0); y.setVec(i + vecWidth, e1)
            s0 += e0; s1 += e1
            i += 2 * vecWidth
        }
        while i + vecWidth <= C { let e = vexpNonPositive(x.vec(i) - mv); y.setVec(i, e); s0 += e; i += vecWidth }
        if i < C {
            let e = vexpNonPositive(loadPartial(x + i, C - i, fill: -.infinity) - mv)
            storePartial(y + i, e, C - i); s0 += e
        }
        let inv = Vec(repeating: 1 / hsum(s0 + s1))
        i = 0
        while i + vecWidth <= C { y.setVec(i, y.vec(i) * inv); i += vecWidth }
        while i < C { y[i] *= inv[0]; i += 1 }
    }

    /// dx (+)= y ⊙ (dy − Σ dy⊙y).
    ///
    /// Software-pipelined over rows: the loop that writes row r's gradient (its inputs
    /// still in L1) also computes row r+1's dot product, so the loads from memory of the
    /// next row overlap the stores of this one and the prefetchers never idle at a row
    /// (= page, for 1024 columns) boundary.
    ///
    /// An output too large to stay in cache (≥ `streamingBytes`) is written with streaming
    /// stores: no read-for-ownership of dx, a quarter less memory traffic.
    public static func softmaxBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                       rows R: Int, cols C: Int, accumulate: Bool) {
        let ys = SendablePointer(y), dys = SendablePointer(dy), dxs = SendablePointer(dx)
        let stream = !accumulate && R * C * MemoryLayout<Float>.stride >= streamingBytes && C % (2 * vecWidth) == 0
            && Int(bitPattern: dx) % 64 == 0
        parallelFor(R, grain: max(1, elementGrain / max(C, 1))) { rows in
            guard let first = rows.first else { return }
            var dot = dotProduct(UnsafePointer(ys.p + first * C), UnsafePointer(dys.p + first * C), C)
            for r in rows {
                let y = UnsafePointer(ys.p + r * C), g = UnsafePointer(dys.p + r * C), d = dxs.p + r * C
                let hasNext = r + 1 < rows.upperBound
                let yn = UnsafePointer(ys.p + (hasNext ? r + 1 : r) * C), gn = UnsafePointer(dys.p + (hasNext ? r + 1 : r) * C)
                let dv = Vec(repeating: dot)
                var s0 = Vec(), s1 = Vec()
                var i = 0
                while i + 2 * vecWidth <= C {
                    if hasNext {
                        s0 = fma(yn.vec(i), gn.vec(i), s0)
                        s1 = fma(yn.vec(i + vecWidth), gn.vec(i + vecWidth), s1)
                    }
                    let v0 = y.vec(i) * (g.vec(i) - dv), v1 = y.vec(i + vecWidth) * (g.vec(i + vecWidth) - dv)
                    if stream {
                        seq_store_stream(d + i, v0)
                        seq_store_stream(d + i + vecWidth, v1)
                    } else {
                        d.setVec(i, accumulate ? d.vec(i) + v0 : v0)
                        d.setVec(i + vecWidth, accumulate ? d.vec(i + vecWidth) + v1 : v1)
                    }
                    i += 2 * vecWidth
                }
                var next = hsum(s0 + s1)
                while i < C {
                    if hasNext { next += yn[i] * gn[i] }
                    let v = y[i] * (g[i] - dot)
                    d[i] = accumulate ? d[i] + v : v
                    i += 1
                }
                dot = next
            }
            if stream { seq_store_fence() }
        }
    }

    /// Outputs at least this large cannot stay in this machine's caches (32 MiB L3 shared by
    /// the inputs too), so streaming stores lose nothing and save the read-for-ownership.
    public static let streamingBytes = 16 << 20

    public static func logSoftmaxForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows R: Int, cols C: Int) {
        let xs = SendablePointer(x), ys = SendablePointer(y)
        parallelFor(R, grain: max(1, elementGrain / max(C, 1))) { rows in
            for r in rows {
                let x = UnsafePointer(xs.p + r * C), y = ys.p + r * C
                let lse = Vec(repeating: logSumExp(x, C))
                mapKernel(x, y, C) { $0 - lse }
            }
        }
    }

    /// dx (+)= dy − softmax(x)·Σdy, with softmax(x) = exp(y).
    public static func logSoftmaxBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                          rows R: Int, cols C: Int, accumulate: Bool) {
        let ys = SendablePointer(y), dys = SendablePointer(dy), dxs = SendablePointer(dx)
        parallelFor(R, grain: max(1, elementGrain / max(C, 1))) { rows in
            for r in rows {
                let y = UnsafePointer(ys.p + r * C), dy = UnsafePointer(dys.p + r * C), dx = dxs.p + r * C
                let s = Vec(repeating: sum(dy, C))
                if accumulate {
                    zipAccumulate(y, dy, dx, C) { y, dy in dy - vexp(y) * s }
                } else {
                    zipKernel(y, dy, dx, C) { y, dy in dy - vexp(y) * s }
                }
            }
        }
    }

    /// log Σ exp(x) of one row, shifted by its max; -inf for an all -inf row.
    @inlinable
    static func logSumExp(_ x: UnsafePointer<Float>, _ C: Int) -> Float {
        let m = rowMax(x, C)
        if m == -.infinity { return -.infinity }
        let mv = Vec(repeating: m)
        var s = Vec()
        var i = 0
        while i + vecWidth <= C { s += vexpNonPositive(x.vec(i) - mv); i += vecWidth }
        if i < C { s += vexpNonPositive(loadPartial(x + i, C - i, fill: -.infinity) - mv) }
        return m + logf(hsum(s))
    }

    @inlinable @inline(__always)
    static func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = Vec(), s1 = Vec()
        var i = 0
        while i + 2 * vecWidth <= n {
            s0 += a.vec(i) * b.vec(i); s1 += a.vec(i + vecWidth) * b.vec(i + vecWidth)
            i += 2 * vecWidth
        }
        while i + vecWidth <= n { s0 += a.vec(i) * b.vec(i); i += vecWidth }
        var s = hsum(s0 + s1)
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    @inlinable @inline(__always)
    static func sum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = Vec(), s1 = Vec()
        var i = 0
        while i + 2 * vecWidth <= n { s0 += a.vec(i); s1 += a.vec(i + vecWidth); i += 2 * vecWidth }
        while i + vecWidth <= n { s0 += a.vec(i); i += vecWidth }
        var s = hsum(s0 + s1)
        while i < n { s += a[i]; i += 1 }
        return s
    }

    /// acc[i] += f(x[i], y[i]).
    @inlinable @inline(__always)
    static func zipAccumulate(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ acc: UnsafeMutablePointer<Float>, _ n: Int,
                              _ f: (Vec, Vec) -> Vec) {
        var i = 0
        while i + vecWidth <= n { acc.setVec(i, acc.vec(i) + f(x.vec(i), y.vec(i))); i += vecWidth }
        while i < n {
            let v = f(Vec(repeating: x[i]), Vec(repeating: y[i]))
            acc[i] += v[0]; i += 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
