// Reductions of one row that decoding runs on every step's logits (V = 8000 columns per
// hypothesis): vectorised, because a scalar `exp` per logit was the serial part of a beam
// search step (`__expf_fma` and the scalar scans inside BeamSearch.run, perf).

extension Kernels {
    /// log Σ exp(x) over a row, shifted by its max; −∞ for an all −∞ row.
    @inlinable
    public static func rowLogSumExp(_ x: UnsafePointer<Float>, count C: Int) -> Float { logSumExp(x, C) }

    /// The index of the first largest value (0 when there is none larger than −∞ or the
    /// row holds NaN only), as a scalar scan with `>` would give.
    @inlinable
    public static func rowArgmax(_ x: UnsafePointer<Float>, count C: Int) -> Int {
        guard C > 0 else { return 0 }
        let m = rowMax(x, C)
        let mv = Vec(repeating: m)
        var i = 0
        while i + vecWidth <= C {
            if any(x.vec(i) .== mv) { break }
            i += vecWidth
        }
        while i < C {
            if x[i] == m { return i }
            i += 1
        }
        return 0
    }
}
