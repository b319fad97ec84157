import SeqTensor

// Multi-head attention. Legend: B batch, Tq query length, Tk key length, C model width,
// H heads, D = C / H head width.

/// Scaled dot-product attention over heads: softmax(q·kᵀ/√D + mask)·v.
/// q [B, H, Tq, D], k and v [B, H, Tk, D] → [B, H, Tq, D].
public func scaledDotProductAttention(query q: Tensor, key k: Tensor, value v: Tensor, mask: AttentionMask?,
                                      dropout: Dropout? = nil, context: ForwardContext) -> Tensor {
    let D = q.shape[3]
    // Scaling q (Tq·D values) is cheaper than scaling the scores (Tq·Tk).
    var scores = Tensor.matmul(q * (1 / Float(D).squareRoot()), k, transposeB: true)
    if let mask { scores = scores + mask.bias }
    var probabilities = scores.softmax()
    if let dropout { probabilities = dropout(probabilities, context) }
    return Tensor.matmul(probabilities, v)
}

/// Self- or cross-attention with learned projections (query, key, value, output).
public final class MultiHeadAttention: Module {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let headCount: Int
    public let attentionDropout: Dropout

    public init(width: Int, headCount: Int, dropout: Float = 0, generator: inout RandomGenerator) {
        precondition(width % headCount == 0, "width \(width) is not divisible by \(headCount) heads")
        query = Linear(inFeatures: width, outFeatures: width, generator: &generator)
        key = Linear(inFeatures: width, outFeatures: width, generator: &generator)
        value = Linear(inFeatures: width, outFeatures: width, generator: &generator)
        output = Linear(inFeatures: width, outFeatures: width, generator: &generator)
        self.headCount = headCount
        attentionDropout = Dropout(dropout)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("query", query, body); visit("key", key, body)
        visit("value", value, body); visit("output", output, body)
    }

    /// [B, T, C] → [B, H, T, D].
    func splitHeads(_ x: Tensor) -> Tensor {
        let B = x.shape[0], T = x.shape[1], C = x.shape[2]
        return x.reshape([B, T, headCount, C / headCount]).permute([0, 2, 1, 3])
    }

    /// [B, H, T, D] → [B, T, C].
    func mergeHeads(_ x: Tensor) -> Tensor {
        let B = x.shape[0], H = x.shape[1], T = x.shape[2], D = x.shape[3]
        return x.permute([0, 2, 1, 3]).reshape([B, T, H * D])
    }

    /// The attended values before the output projection, [B, Tq, C]: BERT applies its
    /// output projection in another module.
    public func attend(_ x: Tensor, memory: Tensor? = nil, mask: AttentionMask?, context: ForwardContext) -> Tensor {
        let source = memory ?? x
        let q = splitHeads(query(x)), k = splitHeads(key(source)), v = splitHeads(value(source))
        let attended = scaledDotProductAttention(query: q, key: k, value: v, mask: mask,
                                                 dropout: attentionDropout, context: context)
        return mergeHeads(attended)
    }

    /// x [B, Tq, C] attends to itself, or to `memory` [B, Tk, C] (cross-attention).
    public func callAsFunction(_ x: Tensor, memory: Tensor? = nil, mask: AttentionMask?, context: ForwardContext) -> Tensor {
        output(attend(x, memory: memory, mask: mask, context: context))
    }
}
