import SeqTensor

/// What a query may attend to, as an additive bias on the attention scores (0 = allowed,
/// -inf = masked) shaped to broadcast over [B, H, Tq, Tk].
public struct AttentionMask {
    public let bias: Tensor

    /// Padding: `valid[b][t]` says whether key t of sequence b is a real token.
    /// Bias shape [B, 1, 1, Tk].
    public static func keyPadding(_ valid: [[Bool]]) -> AttentionMask {
        let B = valid.count, T = valid.first?.count ?? 0
        precondition(valid.allSatisfy { $0.count == T }, "key padding rows differ in length")
        let values = valid.flatMap { row in row.map { $0 ? Float(0) : -.infinity } }
        return AttentionMask(bias: Tensor(shape: [B, 1, 1, T], scalars: values))
    }

    /// Causal: query i sees keys ≤ i (+ `offset`, the number of cached earlier steps).
    /// Bias shape [1, 1, Tq, Tk].
    public static func causal(queries Tq: Int, keys Tk: Int, offset: Int = 0) -> AttentionMask {
        var values = [Float](repeating: 0, count: Tq * Tk)
        for i in 0..<Tq { for j in 0..<Tk where j > i + offset { values[i * Tk + j] = -.infinity } }
        return AttentionMask(bias: Tensor(shape: [1, 1, Tq, Tk], scalars: values))
    }

    /// Both constraints at once.
    public func combined(with other: AttentionMask) -> AttentionMask {
        AttentionMask(bias: withoutGradients { bias + other.bias })
    }
}
