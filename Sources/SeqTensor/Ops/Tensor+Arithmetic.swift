// Broadcasting arithmetic (+ − × ÷ between tensors), NumPy rules. The iteration is over
// rows of the output's last axis, each operand stepping with stride 1 or 0 (broadcast)
// along it, so a bias add or a per-row scale runs as a SIMD loop.

/// How two operands map onto a broadcast output, as element strides (0 on broadcast axes).
struct BroadcastPlan {
    let shape: [Int]
    let aStrides: [Int]
    let bStrides: [Int]
    let inner: Int          // length of the last axis
    let rows: Int           // product of the other axes

    init(_ a: [Int], _ b: [Int]) {
        shape = Shape.broadcast(a, b)
        aStrides = BroadcastPlan.strides(a, in: shape)
        bStrides = BroadcastPlan.strides(b, in: shape)
        inner = shape.last ?? 1
        rows = shape.isEmpty ? 1 : Shape.count(shape) / max(inner, 1)
    }

    static func strides(_ s: [Int], in out: [Int]) -> [Int] {
        let own = Shape.strides(s)
        var r = [Int](repeating: 0, count: out.count)
        let off = out.count - s.count
        for i in 0..<s.count where s[i] != 1 { r[off + i] = own[i] }
        return r
    }

    /// Offsets of operand a and b at the start of output row `row`.
    @inline(__always)
    func offsets(row: Int) -> (Int, Int) {
        var rem = row, ao = 0, bo = 0
        var axis = shape.count - 2
        while axis >= 0 {
            let d = shape[axis]
            let i = rem % d
            rem /= d
            ao += i * aStrides[axis]
            bo += i * bStrides[axis]
            axis -= 1
        }
        return (ao, bo)
    }

    var aInner: Int { shape.isEmpty ? 0 : aStrides[shape.count - 1] }
    var bInner: Int { shape.isEmpty ? 0 : bStrides[shape.count - 1] }
}

/// out = f(a, b) over a broadcast plan; `f` sees SIMD lanes of a and b.
@inline(__always)
func broadcastZip(_ plan: BroadcastPlan, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                  _ f: @Sendable (Vec, Vec) -> Vec) {
    let C = plan.inner, sa = plan.aInner, sb = plan.bInner
    let ap = SendablePointer(a), bp = SendablePointer(b), op = SendablePointer(out)
    parallelFor(plan.rows, grain: max(1, elementGrain / max(C, 1))) { rows in
        for r in rows {
            let (ao, bo) = plan.offsets(row: r)
            let x = UnsafePointer(ap.p + ao), y = UnsafePointer(bp.p + bo), z = op.p + r * C
            switch (sa, sb) {
            case (1, 1): zipKernel(x, y, z, C, f)
            case (1, 0): let yv = Vec(repeating: y[0]); mapKernel(x, z, C) { f($0, yv) }
            case (0, 1): let xv = Vec(repeating: x[0]); mapKernel(y, z, C) { f(xv, $0) }
            default:
                let v = f(Vec(repeating: x[0]), Vec(repeating: y[0]))[0]
                z.update(repeating: v, count: C)
            }
        }
    }
}

/// Sums `g` (shaped like the plan's output) into `target`, an operand with the given
/// strides: the gradient of a broadcast is the sum over the axes it was broadcast along.
/// `scale`, when given, multiplies g elementwise first (shaped like the other operand).
func reduceBroadcast(_ plan: BroadcastPlan, _ g: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, targetIsA: Bool,
                     scale: UnsafePointer<Float>? = nil, _ f: (Float, Float) -> Float = { g, _ in g }) {
    let C = plan.inner
    let st = targetIsA ? plan.aInner : plan.bInner
    let so = targetIsA ? plan.bInner : plan.aInner
    for r in 0..<plan.rows {
        let (ao, bo) = plan.offsets(row: r)
        let to = targetIsA ? ao : bo, oo = targetIsA ? bo : ao
        let gr = g + r * C
        let t = target + to
        if let scale {
            let s = scale + oo
            if st == 1 {
                for j in 0..<C { t[j] += f(gr[j], s[j * so]) }
            } else {
                var acc: Float = 0
                for j in 0..<C { acc += f(gr[j], s[j * so]) }
                t[0] += acc
            }
        } else if st == 1 {
            for j in 0..<C { t[j] += gr[j] }
        } else {
            t[0] += Kernels.sum(gr, C)
        }
    }
}

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        if a.shape == b.shape {
            let out = Tensor(uninitialized: a.shape)
            parallelZip(a.storage.pointer, b.storage.pointer, out.storage.pointer, a.count) { $0 + $1 }
            return out.recorded(from: [a, b]) { g, inputs in
                inputs[0]?.accumulate(g, adopting: true)
                inputs[1]?.accumulate(g)
            }
        }
        let plan = BroadcastPlan(a.shape, b.shape)
        let out = Tensor(uninitialized: plan.shape)
        broadcastZip(plan, a.storage.pointer, b.storage.pointer, out.storage.pointer) { $0 + $1 }
        return out.recorded(from: [a, b]) { g, inputs in
            if let ga = inputs[0] { reduceBroadcast(plan, g.pointer, into: ga.gradBuffer(), targetIsA: true) }
            if let gb = inputs[1] { reduceBroadcast(plan, g.pointer, into: gb.gradBuffer(), targetIsA: false) }
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let plan = BroadcastPlan(a.shape, b.shape)
        let out = Tensor(uninitialized: plan.shape)
        broadcastZip(plan, a.storage.pointer, b.storage.pointer, out.storage.pointer) { $0 - $1 }
        return out.recorded(from: [a, b]) { g, inputs in
            if let ga = inputs[0] { reduceBroadcast(plan, g.pointer, into: ga.gradBuffer(), targetIsA: true) }
            if let gb = inputs[1] {
                let neg = Tensor(uninitialized: plan.shape)
                parallelMap(g.pointer, neg.storage.pointer, neg.count) { -$0 }
                reduceBroadcast(plan, neg.storage.pointer, into: gb.gradBuffer(), targetIsA: false)
            }
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let plan = BroadcastPlan(a.shape, b.shape)
        let out = Tensor(uninitialized: plan.shape)
        broadcastZip(plan, a.storage.pointer, b.storage.pointer, out.storage.pointer) { $0 * $1 }
        let aS = a.storage, bS = b.storage
        return out.recorded(from: [a, b]) { g, inputs in
            if let ga = inputs[0] {
                reduceBroadcast(plan, g.pointer, into: ga.gradBuffer(), targetIsA: true, scale: bS.pointer) { $0 * $1 }
            }
            if let gb = inputs[1] {
                reduceBroadcast(plan, g.pointer, into: gb.gradBuffer(), targetIsA: false, scale: aS.pointer) { $0 * $1 }
            }
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let plan = BroadcastPlan(a.shape, b.shape)
        let out = Tensor(uninitialized: plan.shape)
        broadcastZip(plan, a.storage.pointer, b.storage.pointer, out.storage.pointer) { $0 / $1 }
        let bS = b.storage, yS = out.storage, bShape = b.shape
        return out.recorded(from: [a, b]) { g, inputs in
            if let ga = inputs[0] {
                reduceBroadcast(plan, g.pointer, into: ga.gradBuffer(), targetIsA: true, scale: bS.pointer) { $0 / $1 }
            }
            if let gb = inputs[1] {
                // d(a/b)/db = −y/b: form g⊙y (output-shaped), then reduce with 1/b.
                let gy = Tensor(uninitialized: plan.shape)
                parallelZip(g.pointer, yS.pointer, gy.storage.pointer, gy.count) { $0 * $1 }
                let outToB = BroadcastPlan(plan.shape, bShape)
                let t = Tensor(uninitialized: plan.shape)
                broadcastZip(outToB, gy.storage.pointer, bS.pointer, t.storage.pointer) { -$0 / $1 }
                reduceBroadcast(outToB, t.storage.pointer, into: gb.gradBuffer(), targetIsA: false)
            }
        }
    }
}
