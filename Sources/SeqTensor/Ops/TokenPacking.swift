// Padding removal. A batch padded to its longest sequence spends most of its work on
// padding when lengths vary (SST-2 in shuffled batches of 32: ≈ 430 real tokens of
// ≈ 1,300 computed). Everything in an encoder layer but attention works token by token, so
// those steps run on the real tokens only, packed into N rows; attention unpacks its
// queries, keys and values to [B, T, C] and back, as it must see each sequence whole.
// (transformers computes padding positions; "unpadding" as in FasterTransformer and
// FlashAttention's varlen path does not.)

/// Where the real tokens of a padded batch [B, T] sit: their flat positions b·T + t.
public struct TokenPacking: Sendable, Equatable {
    public let batch: Int
    public let length: Int
    /// Flat positions of the real tokens, ascending: packed row r is padded row `rows[r]`.
    public let rows: [Int32]
    /// [B·T], 1 for a real token: the attention kernel's key padding.
    public let keyValid: [UInt8]

    /// nil when no position is padding (there is nothing to remove).
    public init?(keyValid: [UInt8], batch: Int, length: Int) {
        precondition(keyValid.count == batch * length, "\(keyValid.count) flags for a [\(batch), \(length)] batch")
        var rows: [Int32] = []
        rows.reserveCapacity(keyValid.count)
        for (i, v) in keyValid.enumerated() where v != 0 { rows.append(Int32(i)) }
        if rows.count == keyValid.count { return nil }
        self.batch = batch
        self.length = length
        self.rows = rows
        self.keyValid = keyValid
    }

    /// Real tokens: the leading dimension of a packed tensor.
    public var count: Int { rows.count }

    /// The packed row of each sequence's first token ([CLS]), one per sequence.
    public var firstRows: [Int32] {
        var out: [Int32] = [], r = 0
        out.reserveCapacity(batch)
        for b in 0..<batch {
            precondition(keyValid[b * length] != 0, "sequence \(b) of the batch does not start with a real token")
            while Int(rows[r]) < b * length { r += 1 }
            out.append(Int32(r))
        }
        return out
    }

    /// A flat [B·T] array's entries at the real tokens.
    public func select<T>(_ values: [T]) -> [T] {
        precondition(values.count == batch * length, "\(values.count) values for a [\(batch), \(length)] batch")
        return rows.map { values[Int($0)] }
    }
}

extension Tensor {
    /// [B, T, C] (or [B·T, C]) → [N, C]: the rows of the real tokens.
    public func packed(_ p: TokenPacking) -> Tensor {
        let C = count / Swift.max(p.batch * p.length, 1)
        precondition(count == p.batch * p.length * C, "packed: \(shape) is not a [\(p.batch), \(p.length), C] tensor")
        return reshape([p.batch * p.length, C]).indexSelect(p.rows)
    }

    /// [N, C] → [B, T, C] with zero rows at the padding: the inverse of `packed`.
    public func unpacked(_ p: TokenPacking) -> Tensor {
        precondition(rank == 2 && shape[0] == p.count, "unpacked: \(shape) is not [\(p.count), C]")
        let C = shape[1]
        let out = Tensor(zeros: [p.batch, p.length, C])
        let src = SendablePointer(storage.pointer), dst = SendablePointer(out.storage.pointer)
        let rows = p.rows
        parallelFor(p.count, grain: Swift.max(1, elementGrain / Swift.max(C, 1))) { range in
            for r in range { (dst.p + Int(rows[r]) * C).update(from: src.p + r * C, count: C) }
        }
        return out.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            let d = SendablePointer(gx.gradBuffer()), gp = SendablePointer(g.pointer)
            parallelFor(rows.count, grain: Swift.max(1, elementGrain / Swift.max(C, 1))) { range in
                for r in range { accumulateRow(gp.p + Int(rows[r]) * C, into: d.p + r * C, C) }
            }
        }
    }
}
