// Gathers and scatters by integer index: embedding lookup, picking one entry per row,
// scatter-add, masked fill. Indices are Int32 and checked against the axis they index.

extension Tensor {
    /// Rows `ids` of a [V, ...] table: an embedding lookup. Result [ids.count, ...].
    public func indexSelect(_ ids: [Int32]) -> Tensor {
        precondition(rank >= 1, "indexSelect needs a tensor of rank ≥ 1")
        let V = shape[0], C = count / Swift.max(V, 1)
        for id in ids { precondition(id >= 0 && Int(id) < V, "index \(id) out of range 0..<\(V)") }
        let out = Tensor(uninitialized: [ids.count] + shape.dropFirst())
        let src = SendablePointer(storage.pointer), dst = SendablePointer(out.storage.pointer)
        ids.withUnsafeBufferPointer { idp in
            let ip = SendablePointer(UnsafeMutablePointer(mutating: idp.baseAddress!))
            parallelFor(ids.count, grain: Swift.max(1, elementGrain / Swift.max(C, 1))) { rows in
                for r in rows { (dst.p + r * C).update(from: src.p + Int(ip.p[r]) * C, count: C) }
            }
        }
        return out.recorded(from: [self]) { g, inputs in
            guard let gt = inputs[0] else { return }
            let d = gt.gradBuffer()
            // Serial: repeated ids add into the same row.
            for (r, id) in ids.enumerated() { accumulateRow(g.pointer + r * C, into: d + Int(id) * C, C) }
        }
    }

    /// One entry per row along the last axis: out[r] = self[r, indices[r]]. Result has the
    /// shape without its last axis.
    public func gather(lastAxis indices: [Int32]) -> Tensor {
        let V = shape.last ?? 1, R = count / Swift.max(V, 1)
        precondition(indices.count == R, "gather: \(indices.count) indices for \(R) rows")
        for i in indices { precondition(i >= 0 && Int(i) < V, "index \(i) out of range 0..<\(V)") }
        let out = Tensor(uninitialized: Array(shape.dropLast()))
        for r in 0..<R { out.storage.pointer[r] = storage.pointer[r * V + Int(indices[r])] }
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = gx.gradBuffer()
            for r in 0..<R { d[r * V + Int(indices[r])] += g.pointer[r] }
        }
    }

    /// A copy of `self` ([V, ...]) with rows of `source` ([n, ...]) added at rows `indices`.
    public func scatterAdd(_ indices: [Int32], _ source: Tensor) -> Tensor {
        let V = shape[0], C = count / Swift.max(V, 1)
        precondition(source.shape == [indices.count] + shape.dropFirst(),
                     "scatterAdd: source shape \(source.shape) does not match \(indices.count) rows of \(Array(shape.dropFirst()))")
        for i in indices { precondition(i >= 0 && Int(i) < V, "index \(i) out of range 0..<\(V)") }
        let out = Tensor(shape: shape, storage: storage.copy())
        for (r, id) in indices.enumerated() {
            accumulateRow(source.storage.pointer + r * C, into: out.storage.pointer + Int(id) * C, C)
        }
        return out.recorded(from: [self, source]) { g, inputs in
            if let gs = inputs[1] {
                let d = gs.gradBuffer()
                for (r, id) in indices.enumerated() { accumulateRow(g.pointer + Int(id) * C, into: d + r * C, C) }
            }
            inputs[0]?.accumulate(g, adopting: true)
        }
    }

    /// `value` where `mask` (broadcast to self's shape) is non-zero, self elsewhere.
    public func maskedFill(_ mask: Tensor, with value: Float) -> Tensor {
        let plan = BroadcastPlan(shape, mask.shape)
        precondition(plan.shape == shape, "maskedFill: mask \(mask.shape) does not broadcast to \(shape)")
        let out = Tensor(uninitialized: shape)
        let fill = Vec(repeating: value)
        broadcastZip(plan, storage.pointer, mask.storage.pointer, out.storage.pointer) { x, m in
            x.replacing(with: fill, where: m .!= 0)
        }
        let mS = mask.storage
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let keep = Tensor(uninitialized: plan.shape)
            broadcastZip(plan, g.pointer, mS.pointer, keep.storage.pointer) { g, m in g.replacing(with: 0, where: m .!= 0) }
            gx.accumulate(keep.storage, adopting: true)
        }
    }
}
