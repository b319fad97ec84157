/// Shape helpers. Tensors are always contiguous and row-major, so a shape is all the
/// layout there is: the last axis varies fastest.
public enum Shape {
    @inlinable public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n *= d }
        return n
    }

    /// Row-major strides in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// A negative axis counts from the end, as in NumPy and PyTorch.
    public static func normalize(axis: Int, rank: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for rank \(rank)")
        return a
    }

    /// NumPy broadcasting: align trailing axes; sizes must match or be 1.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Splits `shape` around `axis` into (outer, n, inner) so that element (o, i, j) lives
    /// at (o * n + i) * inner + j: every along-axis operation is written on that view.
    public static func split(_ shape: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
        var outer = 1, inner = 1
        for i in 0..<axis { outer *= shape[i] }
        for i in (axis + 1)..<shape.count { inner *= shape[i] }
        return (outer, shape[axis], inner)
    }
}
