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
        return masked(by: mask)
    }
}

extension Tensor {
    /// Dropout of a packed tensor [N, C] (`TokenPacking`) with the mask the padded tensor
    /// [B, T, C] would draw: element (r, c) takes counter position `rows[r]·C + c` (after
    /// the row slice's offset), and the generator advances by the whole padded batch. So a
    /// packed forward pass drops exactly what the padded one drops at the real tokens.
    public func dropout(_ p: Float, packing: TokenPacking, rows slice: RowSlice? = nil,
                        generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        precondition(rank == 2 && shape[0] == packing.count, "packed dropout: \(shape) is not [\(packing.count), C]")
        if p == 0 { return self }
        if let slice { precondition(slice.count == packing.batch, "row slice of \(slice.count) rows for a batch of \(packing.batch)") }
        let C = shape[1], perRow = packing.length * C
        let base = generator.counter &+ UInt64((slice?.offset ?? 0) * perRow), seed = generator.seed
        generator.counter &+= UInt64((slice?.globalCount ?? packing.batch) * perRow)
        let mask = TensorStorage(uninitializedCount: count)
        let mp = SendablePointer(mask.pointer), rows = packing.rows
        let keep = 1 / (1 - p)
        parallelFor(packing.count, grain: Swift.max(1, elementGrain / Swift.max(C, 1))) { range in
            for r in range {
                let at = base &+ UInt64(Int(rows[r]) * C), m = mp.p + r * C
                for c in 0..<C { m[c] = RandomGenerator.uniform(seed, at &+ UInt64(c)) >= p ? keep : 0 }
            }
        }
        return masked(by: mask)
    }
}

extension Tensor {
    /// self ⊙ mask (a mask of 0 and 1/(1−p)), with its pullback.
    fileprivate func masked(by mask: TensorStorage) -> Tensor {
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
