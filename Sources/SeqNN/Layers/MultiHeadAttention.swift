import SeqTensor

// Multi-head attention. Legend: B batch, Tq query length, Tk key length, C model width,
// H heads, D = C / H head width.

/// Self- or cross-attention with learned projections (query, key, value, output), over
/// the fused kernel `Tensor.multiHeadAttention` (heads read in place, masks applied per
/// block, windowed cost O(T·w)).
public final class MultiHeadAttention: Module {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let headCount: Int
    public let attentionDropout: Float

    public init(width: Int, headCount: Int, dropout: Float = 0, std: Float = 0.02, generator: inout RandomGenerator) {
        precondition(width % headCount == 0, "width \(width) is not divisible by \(headCount) heads")
        query = Linear(inFeatures: width, outFeatures: width, std: std, generator: &generator)
        key = Linear(inFeatures: width, outFeatures: width, std: std, generator: &generator)
        value = Linear(inFeatures: width, outFeatures: width, std: std, generator: &generator)
        output = Linear(inFeatures: width, outFeatures: width, std: std, generator: &generator)
        self.headCount = headCount
        attentionDropout = dropout
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("query", query, body); visit("key", key, body)
        visit("value", value, body); visit("output", output, body)
    }

    /// The attended values before the output projection, [B, Tq, C] (BERT applies its
    /// output projection in another module). With `cache`, this step's keys and values are
    /// appended to it and attention runs over everything cached (incremental decoding).
    public func attend(_ x: Tensor, memory: Tensor? = nil, mask: AttentionMask? = nil, cache: KVCache? = nil,
                       context: ForwardContext) -> Tensor {
        let q = query(x)
        var k: Tensor, v: Tensor
        if let cache, memory != nil, let fixed = cache.keys, let fixedV = cache.values {
            // Cross-attention memory is projected once and reused at every step.
            k = fixed; v = fixedV
        } else {
            let source = memory ?? x
            k = key(source); v = value(source)
            if let cache {
                if memory != nil { cache.keys = k; cache.values = v } else { (k, v) = cache.append(keys: k, values: v) }
            }
        }
        let p = context.training ? attentionDropout : 0
        return Tensor.multiHeadAttention(query: q, key: k, value: v, heads: headCount, keyValid: mask?.keyValid,
                                         pattern: mask?.pattern ?? AttentionPattern(), dropout: p, rows: context.rows,
                                         generator: &context.generator)
    }

    /// x [B, Tq, C] attends to itself, or to `memory` [B, Tk, C] (cross-attention).
    public func callAsFunction(_ x: Tensor, memory: Tensor? = nil, mask: AttentionMask? = nil, cache: KVCache? = nil,
                               context: ForwardContext) -> Tensor {
        output(attend(x, memory: memory, mask: mask, cache: cache, context: context))
    }
}

/// Keys and values of the steps decoded so far, [B, T, C] each, for one attention layer.
/// Decoding one token at a time then costs O(T) per step instead of recomputing the prefix.
public final class KVCache {
    public var keys: Tensor?
    public var values: Tensor?

    public init() {}

    public var length: Int { keys?.shape[1] ?? 0 }

    /// Appends this step's keys and values along time; returns the whole cache.
    func append(keys k: Tensor, values v: Tensor) -> (Tensor, Tensor) {
        let newK = keys.map { Tensor.concatenate([$0, k], axis: 1) } ?? k
        let newV = values.map { Tensor.concatenate([$0, v], axis: 1) } ?? v
        keys = newK
        values = newV
        return (newK, newV)
    }

    /// Keeps the rows of `beams` (indices into the batch), e.g. after a beam-search step
    /// reorders and prunes hypotheses.
    public func reorder(_ beams: [Int32]) {
        keys = keys?.indexSelect(beams)
        values = values?.indexSelect(beams)
    }
}
