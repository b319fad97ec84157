// Inverted dropout from the counter-based generator: the mask of a given (seed, counter)
// is the same whatever the thread count, so training runs reproduce exactly.

extension Tensor {
    /// Zeroes each element with probability `p` and scales survivors by 1/(1−p). Call it in
    /// training only; `p == 0` returns self unchanged.
    ///
    /// With `rows` (the batch is the outermost dimension, `rows.count` rows here of
    /// `rows.globalCount` in the global batch), element i of this slice draws at counter
    /// position `counter + rows.offset·perRow + i` (perRow = count / rows.count), and the
    /// generator advances by `rows.globalCount·perRow`: a global row gets the same mask
    /// whatever slice of the batch computes it. nil: the tensor is the whole batch.
    public func dropout(_ p: Float, rows: RowSlice? = nil, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        if p == 0 { return self }
        let mask = TensorStorage(uninitializedCount: count)
        if let rows {
            precondition(rows.count > 0 && count % rows.count == 0,
                         "dropout: \(count) elements do not split into \(rows.count) rows")
            let perRow = count / rows.count
            var slice = generator
            slice.counter &+= UInt64(rows.offset * perRow)
            slice.fillUniform(UnsafeMutableBufferPointer(start: mask.pointer, count: count))
            generator.counter &+= UInt64(rows.globalCount * perRow)
        } else {
            generator.fillUniform(UnsafeMutableBufferPointer(start: mask.pointer, count: count))
        }
        let keep = Vec(repeating: 1 / (1 - p)), pv = Vec(repeating: p)
        parallelMap(mask.pointer, mask.pointer, count) { u in Vec().replacing(with: keep, where: u .>= pv) }
        let out = Tensor(uninitialized: shape)
        parallelZip(storage.pointer, mask.pointer, out.storage.pointer, count) { $0 * $1 }
        let n = count
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            parallelZip3(UnsafePointer(d), g.pointer, mask.pointer, d, n) { acc, g, m in acc + g * m }
        }
    }
}
