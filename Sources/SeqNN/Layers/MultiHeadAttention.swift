import SeqTensor

// Multi-head attention. Legend: B batch, Tq query length, Tk key length, S encoder memory
// length, C model width, H heads, D = C / H head width.

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

    /// Self-attention before the output projection: x [B, T, C] attends to itself →
    /// [B, T, C]. `mask.keyValid` flags x's own positions [B·T]. With `cache`, x holds only
    /// the new positions: their keys, values and flags are appended to the cache and x
    /// attends to everything cached (incremental decoding; the causal pattern aligns the
    /// last query with the last key).
    public func attend(_ x: Tensor, mask: AttentionMask? = nil, cache: KVCache? = nil, context: ForwardContext) -> Tensor {
        let q = query(x)
        let k = key(x), v = value(x)
        let pattern = mask?.pattern ?? AttentionPattern()
        let p = context.training ? attentionDropout : 0
        guard let cache else {
            return Tensor.multiHeadAttention(query: q, key: k, value: v, heads: headCount, keyValid: mask?.keyValid,
                                             pattern: pattern, dropout: p, rows: context.rows, generator: &context.generator)
        }
        do {
            try cache.append(keys: k, values: v, keyValid: mask?.keyValid)
        } catch {
            preconditionFailure("\(error)")
        }
        return Tensor.multiHeadAttention(query: q, key: cache.keys!, value: cache.values!, heads: headCount,
                                         keyLength: cache.length, keyValid: cache.paddingFlags, pattern: pattern,
                                         dropout: p, rows: context.rows, generator: &context.generator)
    }

    /// Self-attention of a packed batch (`TokenPacking`): x [N, C] holds the real tokens
    /// only. The projections run on those rows; attention unpacks them to [B, T, C], as it
    /// needs each sequence whole, masks the padding keys, and packs its output again.
    public func attend(_ x: Tensor, packing: TokenPacking, pattern: AttentionPattern = AttentionPattern(),
                       context: ForwardContext) -> Tensor {
        let q = query(x).unpacked(packing), k = key(x).unpacked(packing), v = value(x).unpacked(packing)
        let p = context.training ? attentionDropout : 0
        return Tensor.multiHeadAttention(query: q, key: k, value: v, heads: headCount, keyValid: packing.keyValid,
                                         pattern: pattern, dropout: p, rows: context.rows, generator: &context.generator)
            .packed(packing)
    }

    /// Cross-attention before the output projection: x [B, Tq, C] attends to `memory`
    /// [B, S, C] whose padding is `mask.keyValid` [B·S]. With `cache`, the memory is
    /// projected on the first call and its keys, values and padding reused afterwards.
    public func attend(_ x: Tensor, memory: Tensor, mask: AttentionMask? = nil, cache: CrossAttentionCache? = nil,
                       context: ForwardContext) -> Tensor {
        let q = query(x)
        let k: Tensor, v: Tensor, valid: [UInt8]?
        if let cache, let fixedK = cache.keys, let fixedV = cache.values {
            (k, v, valid) = (fixedK, fixedV, cache.keyValid)
        } else {
            (k, v, valid) = (key(memory), value(memory), mask?.keyValid)
            cache?.fill(keys: k, values: v, keyValid: valid)
        }
        let p = context.training ? attentionDropout : 0
        return Tensor.multiHeadAttention(query: q, key: k, value: v, heads: headCount, keyValid: valid,
                                         pattern: mask?.pattern ?? AttentionPattern(), dropout: p, rows: context.rows,
                                         generator: &context.generator)
    }

    /// Self-attention: x [B, T, C] → [B, T, C] (see `attend(_:mask:cache:context:)`).
    public func callAsFunction(_ x: Tensor, mask: AttentionMask? = nil, cache: KVCache? = nil,
                               context: ForwardContext) -> Tensor {
        output(attend(x, mask: mask, cache: cache, context: context))
    }

    /// Cross-attention: x [B, Tq, C] attends to `memory` [B, S, C] → [B, Tq, C].
    public func callAsFunction(_ x: Tensor, memory: Tensor, mask: AttentionMask? = nil, cache: CrossAttentionCache? = nil,
                               context: ForwardContext) -> Tensor {
        output(attend(x, memory: memory, mask: mask, cache: cache, context: context))
    }
}
