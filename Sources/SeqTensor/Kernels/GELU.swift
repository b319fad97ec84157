// GELU, tanh and erf forms: forward and backward pairs. Legend: n elements, x input,
// dy upstream gradient, dx gradient (overwritten or accumulated as named).

public enum Kernels {}

@usableFromInline let geluK: Float = 0.797_884_560_802_865_4   // sqrt(2/π)
@usableFromInline let geluC: Float = 0.044_715
@usableFromInline let invSqrt2: Float = 0.707_106_781_186_547_5
@usableFromInline let invSqrt2Pi: Float = 0.398_942_280_401_432_7

extension Kernels {
    /// y = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), computed as x·σ(2u), the same value
    /// without tanh's cancellation near zero.
    public static func geluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        parallelMap(x, y, n) { x in
            let u = geluK * (x + geluC * x * x * x)
            return x / (1 + vexp(-2 * u))
        }
    }

    /// dx (+)= dy · d/dx[x·σ(2u)] = dy·(s + 2x·s(1−s)·u'), s = σ(2u).
    public static func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                    _ dx: UnsafeMutablePointer<Float>, _ n: Int, accumulate: Bool) {
        if accumulate {
            parallelZip3(x, dy, UnsafePointer(dx), dx, n) { x, dy, acc in acc + dy * geluGrad(x) }
        } else {
            parallelZip(x, dy, dx, n) { x, dy in dy * geluGrad(x) }
        }
    }

    @inlinable @inline(__always)
    static func geluGrad(_ x: Vec) -> Vec {
        let x2 = x * x
        let u = geluK * (x + geluC * x2 * x)
        let du = geluK * (1 + 3 * geluC * x2)
        let s = 1 / (1 + vexp(-2 * u))
        return s + 2 * x * s * (1 - s) * du
    }

    /// y = 0.5·x·(1 + erf(x/√2)).
    public static func geluErfForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        parallelMap(x, y, n) { x in 0.5 * x * (1 + verf(x * invSqrt2)) }
    }

    /// dx (+)= dy·(Φ(x) + x·φ(x)).
    public static func geluErfBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                       _ dx: UnsafeMutablePointer<Float>, _ n: Int, accumulate: Bool) {
        if accumulate {
            parallelZip3(x, dy, UnsafePointer(dx), dx, n) { x, dy, acc in acc + dy * geluErfGrad(x) }
        } else {
            parallelZip(x, dy, dx, n) { x, dy in dy * geluErfGrad(x) }
        }
    }

    @inlinable @inline(__always)
    static func geluErfGrad(_ x: Vec) -> Vec {
        let cdf = 0.5 * (1 + verf(x * invSqrt2))
        let pdf = invSqrt2Pi * vexp(-0.5 * x * x)
        return cdf + x * pdf
    }
}
