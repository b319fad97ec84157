// Layer normalization over the last axis of a [R, C] view: forward and backward pair.
// Legend: R rows, C features, x input, w weight [C], b bias [C], mean/rstd [R] saved by
// the forward for the backward, dy upstream gradient, dx/dw/db gradients.

extension Kernels {
    public static func layerNormForward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>?, bias b: UnsafePointer<Float>?,
                                        _ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>?,
                                        rstd: UnsafeMutablePointer<Float>?, rows R: Int, cols C: Int, epsilon: Float) {
        let xs = SendablePointer(x), ys = SendablePointer(y)
        let ws = w.map(SendablePointer.init), bs = b.map(SendablePointer.init)
        let ms = mean.map(SendablePointer.init), rs = rstd.map(SendablePointer.init)
        parallelFor(R, grain: max(1, elementGrain / max(C, 1))) { rows in
            for r in rows {
                let x = UnsafePointer(xs.p + r * C), y = ys.p + r * C
                let mu = sum(x, C) / Float(C)
                let muv = Vec(repeating: mu)
                var v0 = Vec(), v1 = Vec()
                var i = 0
                while i + 2 * vecWidth <= C {
                    let d0 = x.vec(i) - muv, d1 = x.vec(i + vecWidth) - muv
                    v0 += d0 * d0; v1 += d1 * d1
                    i += 2 * vecWidth
                }
                while i + vecWidth <= C { let d = x.vec(i) - muv; v0 += d * d; i += vecWidth }
                var variance = hsum(v0 + v1)
                while i < C { let d = x[i] - mu; variance += d * d; i += 1 }
                variance /= Float(C)
                let rs_ = 1 / (variance + epsilon).squareRoot()
                ms?.p[r] = mu
                rs?.p[r] = rs_
                let rv = Vec(repeating: rs_)
                switch (ws, bs) {
                case let (w?, b?):
                    zip3Kernel(x, UnsafePointer(w.p), UnsafePointer(b.p), y, C) { x, w, b in (x - muv) * rv * w + b }
                case let (w?, nil):
                    zipKernel(x, UnsafePointer(w.p), y, C) { x, w in (x - muv) * rv * w }
                default:
                    mapKernel(x, y, C) { x in (x - muv) * rv }
                }
            }
        }
    }

    /// dx (+)= rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ⊙x̂)) with ĝ = dy⊙w; dw += Σ_rows dy⊙x̂; db += Σ_rows dy.
    /// dw and db are accumulated from per-worker partial sums, so rows split freely.
    public static func layerNormBackward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>?,
                                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                         _ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                         dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
                                         rows R: Int, cols C: Int, accumulate: Bool) {
        let workers = max(1, min(Engine.threads, R / max(1, elementGrain / max(C, 1))))
        let chunk = (R + workers - 1) / workers
        let needParams = dWeight != nil || dBias != nil
        let partial = needParams ? TensorStorage(zeroedCount: workers * 2 * C) : nil
        let xs = SendablePointer(x), ms = SendablePointer(mean), rss = SendablePointer(rstd), dys = SendablePointer(dy)
        let ws = w.map(SendablePointer.init), dxs = dx.map(SendablePointer.init)
        let ps = partial.map { SendablePointer($0.pointer) }
        let hasDW = dWeight != nil, hasDB = dBias != nil
        parallelFor(workers, grain: 1) { ids in
            for wk in ids {
                let dwAcc = ps.map { $0.p + wk * 2 * C }, dbAcc = ps.map { $0.p + wk * 2 * C + C }
                for r in (wk * chunk)..<min(R, (wk + 1) * chunk) {
                    let x = UnsafePointer(xs.p + r * C), dy = UnsafePointer(dys.p + r * C)
                    let mu = Vec(repeating: ms.p[r]), rs = Vec(repeating: rss.p[r])
                    // Pass 1: the two row means and the parameter gradients.
                    var a0 = Vec(), b0 = Vec()
                    var i = 0
                    while i + vecWidth <= C {
                        let xh = (x.vec(i) - mu) * rs
                        let g = dy.vec(i)
                        let gh = ws.map { g * $0.p.vec(i) } ?? g
                        a0 += gh; b0 += gh * xh
                        if hasDW { dwAcc!.setVec(i, dwAcc!.vec(i) + g * xh) }
                        if hasDB { dbAcc!.setVec(i, dbAcc!.vec(i) + g) }
                        i += vecWidth
                    }
                    var aS = hsum(a0), bS = hsum(b0)
                    while i < C {
                        let xh = (x[i] - mu[0]) * rs[0]
                        let g = dy[i]
                        let gh = ws.map { g * $0.p[i] } ?? g
                        aS += gh; bS += gh * xh
                        if hasDW { dwAcc![i] += g * xh }
                        if hasDB { dbAcc![i] += g }
                        i += 1
                    }
                    guard let dxs else { continue }
                    let am = Vec(repeating: aS / Float(C)), bm = Vec(repeating: bS / Float(C))
                    // Pass 2: the input gradient.
                    let dx = dxs.p + r * C
                    i = 0
                    while i + vecWidth <= C {
                        let xh = (x.vec(i) - mu) * rs
                        let g = dy.vec(i)
                        let gh = ws.map { g * $0.p.vec(i) } ?? g
                        let v = rs * (gh - am - xh * bm)
                        dx.setVec(i, accumulate ? dx.vec(i) + v : v)
                        i += vecWidth
                    }
                    while i < C {
                        let xh = (x[i] - mu[0]) * rs[0]
                        let g = dy[i]
                        let gh = ws.map { g * $0.p[i] } ?? g
                        let v = rs[0] * (gh - am[0] - xh * bm[0])
                        dx[i] = accumulate ? dx[i] + v : v
                        i += 1
                    }
                }
            }
        }
        if let partial {
            for wk in 0..<workers {
                if let dWeight { SeqTensor.accumulate(partial.pointer + wk * 2 * C, into: dWeight, C) }
                if let dBias { SeqTensor.accumulate(partial.pointer + wk * 2 * C + C, into: dBias, C) }
            }
        }
    }
}
