// SIMD16<Float> (one AVX-512 register) loads, stores and loops shared by the tensor
// kernels and the optimizers. Loads and stores are unaligned (SE-0349); a tail shorter than
// a vector goes through the `Partial` forms, zero-padded.

public typealias Vec = SIMD16<Float>
public typealias VecI = SIMD16<Int32>
/// Lanes per `Vec`. A computed `@inlinable` property, not a global `let`: a global in
/// another module is a load the optimiser cannot see through, in every kernel's loop test.
@inlinable public var vecWidth: Int { 16 }

extension UnsafePointer where Pointee == Float {
    @inlinable @inline(__always)
    public func vec(_ i: Int) -> Vec { UnsafeRawPointer(self + i).loadUnaligned(as: Vec.self) }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inlinable @inline(__always)
    public func vec(_ i: Int) -> Vec { UnsafeRawPointer(self + i).loadUnaligned(as: Vec.self) }
    @inlinable @inline(__always)
    public func setVec(_ i: Int, _ v: Vec) { UnsafeMutableRawPointer(self + i).storeBytes(of: v, as: Vec.self) }
}

/// Loads `count` (< 16) floats into the low lanes, `fill` elsewhere.
@inlinable @inline(__always)
public func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, fill: Float = 0) -> Vec {
    var v = Vec(repeating: fill)
    for j in 0..<count { v[j] = p[j] }
    return v
}

/// Stores the low `count` (< 16) lanes.
@inlinable @inline(__always)
public func storePartial(_ p: UnsafeMutablePointer<Float>, _ v: Vec, _ count: Int) {
    for j in 0..<count { p[j] = v[j] }
}

/// Calls `body(start, lanes)` over `range` in vectors of 16, then once for the tail
/// (`lanes` < 16); pair it with `loadVector`/`storeVector`.
///
/// Why explicit SIMD for elementwise updates: `Float.squareRoot()` lowers to a libm
/// `sqrtf` call on Linux (errno semantics), which stops LLVM from vectorising any loop
/// holding it (the scalar Adam loop ran 3.5× slower than this one);
/// `SIMD16<Float>.squareRoot()` is the plain vector instruction. Every lane does the same
/// IEEE operations as the scalar formula, so results are identical.
@inlinable @inline(__always)
public func forEachVector(_ range: Range<Int>, _ body: (_ start: Int, _ lanes: Int) -> Void) {
    var i = range.lowerBound
    let end = range.upperBound
    while i &+ vecWidth <= end {
        body(i, vecWidth)
        i &+= vecWidth
    }
    if i < end { body(i, end &- i) }
}

/// `lanes` floats at `p + i` (16, or fewer zero-padded).
@inlinable @inline(__always)
public func loadVector(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ lanes: Int) -> Vec {
    lanes == vecWidth ? p.vec(i) : loadPartial(p + i, lanes)
}

/// Stores the low `lanes` lanes of `v` at `p + i`.
@inlinable @inline(__always)
public func storeVector(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ lanes: Int) {
    if lanes == vecWidth { p.setVec(i, v) } else { storePartial(p + i, v, lanes) }
}
