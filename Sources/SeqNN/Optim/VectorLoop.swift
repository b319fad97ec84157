/// Explicit SIMD for the optimizer updates. `Float.squareRoot()` lowers to a libm `sqrtf`
/// call on Linux (errno semantics), which stops LLVM from vectorising any loop holding it:
/// the scalar Adam loop ran 3.5× slower than this one here. `SIMD16<Float>.squareRoot()`
/// is the plain vector instruction. Every lane does the same IEEE operations as the
/// scalar formula, so results are identical; the tail runs as one zero-padded vector.
typealias FloatVector = SIMD16<Float>

/// Calls `body(start, lanes)` over `range` in vectors of 16, then once for the tail.
@inline(__always)
func forEachVector(_ range: Range<Int>, _ body: (_ start: Int, _ lanes: Int) -> Void) {
    var i = range.lowerBound
    let end = range.upperBound
    while i &+ FloatVector.scalarCount <= end {
        body(i, FloatVector.scalarCount)
        i &+= FloatVector.scalarCount
    }
    if i < end { body(i, end &- i) }
}

@inline(__always)
func loadVector(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ lanes: Int) -> FloatVector {
    if lanes == FloatVector.scalarCount { return UnsafeRawPointer(p + i).loadUnaligned(as: FloatVector.self) }
    var v = FloatVector()
    for k in 0..<lanes { v[k] = p[i &+ k] }
    return v
}

@inline(__always)
func storeVector(_ v: FloatVector, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ lanes: Int) {
    if lanes == FloatVector.scalarCount {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: FloatVector.self)
        return
    }
    for k in 0..<lanes { p[i &+ k] = v[k] }
}
