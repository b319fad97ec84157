import Foundation
import SeqNN
import SeqTensor

// Legend: B sentences (or hypotheses), S source length, T target length, C width, V the
// target vocabulary.

/// A batch of token ids, right-padded to one length, with a flag per position.
public struct TokenBatch: Sendable, Equatable {
    /// [B·T] ids, padding at the end of each row.
    public var ids: [Int32]
    /// [B·T], 1 for real tokens.
    public var valid: [UInt8]
    public var batchSize: Int
    public var length: Int

    public init(ids: [Int32], valid: [UInt8], batchSize: Int, length: Int) {
        precondition(ids.count == batchSize * length && valid.count == ids.count, "a token batch is [B·T] ids and flags")
        self.ids = ids
        self.valid = valid
        self.batchSize = batchSize
        self.length = length
    }

    /// Rows padded with `pad` to the longest.
    public static func padding(_ rows: [[Int32]], pad: Int32) -> TokenBatch {
        let T = max(1, rows.map(\.count).max() ?? 1)
        var ids = [Int32](repeating: pad, count: rows.count * T), valid = [UInt8](repeating: 0, count: rows.count * T)
        for (b, row) in rows.enumerated() {
            for (t, id) in row.enumerated() { ids[b * T + t] = id; valid[b * T + t] = 1 }
        }
        return TokenBatch(ids: ids, valid: valid, batchSize: rows.count, length: T)
    }

    /// The key-padding mask attention needs: nil when no position is padding.
    public var mask: AttentionMask? { valid.contains(0) ? AttentionMask(keyValid: valid) : nil }
}

/// The encoder's output for a batch of sources, with the padding cross-attention must skip.
public struct EncodedSource {
    /// [B, S, C] after the encoder's final layer norm (pre-LN).
    public var memory: Tensor
    public var mask: AttentionMask?
}

/// The encoder-decoder Transformer translator (Vaswani et al. 2017), as the PyTorch
/// reference builds it: token embeddings × √C plus sinusoidal positions, pre-LN (default)
/// or post-LN layers, a final layer norm on each pre-LN stack, and an output projection
/// tied to the target embeddings. Source and target share one embedding matrix when the
/// vocabulary is joint (`share_embeddings`). Parameters are named as fairseq names them.
public final class Translator: Module {
    public let config: TranslatorConfig
    public let sourceEmbedding: Embedding
    /// The same object as `sourceEmbedding` when embeddings are shared.
    public let targetEmbedding: Embedding
    /// Nil when the output projection is the target embedding matrix.
    public let outputProjection: Linear?
    public let encoderLayers: [TransformerEncoderLayer]
    public let decoderLayers: [TransformerDecoderLayer]
    /// The final norms of a pre-LN model (a post-LN layer already ends in one).
    public let encoderNorm: LayerNorm?
    public let decoderNorm: LayerNorm?
    /// Vanilla NAT and mask-predict: target length classes 0...max_target_length from the
    /// mean-pooled encoder output (fairseq's `decoder.embed_length`); nil otherwise.
    public let lengthPredictor: Linear?
    let embeddingDropout: Dropout
    let positions: Tensor
    let embeddingScale: Float

    /// A model initialised as the reference: Xavier-uniform matrices, zero biases,
    /// embeddings normal(0, C^-½) with the padding row zero.
    public init(_ config: TranslatorConfig, generator: inout RandomGenerator) {
        precondition(config.problem() == nil, config.problem() ?? "")
        self.config = config
        let C = config.width
        let activation = FeedForward.Activation(huggingFace: config.activation) ?? .relu
        func embedding(_ count: Int) -> Embedding {
            let e = Embedding(count: count, dimension: C, std: 1 / Float(C).squareRoot(), generator: &generator)
            e.weight.assign(Self.zeroingRow(config.padID, of: e.weight.value))
            return e
        }
        sourceEmbedding = embedding(config.vocabSize)
        targetEmbedding = config.shareEmbeddings ? sourceEmbedding : embedding(config.targetVocabularySize)
        encoderLayers = (0..<config.encoderLayers).map { _ in
            TransformerEncoderLayer(width: C, heads: config.heads, hidden: config.feedForward, activation: activation,
                                    dropout: config.dropout, norm: config.norm, generator: &generator)
        }
        decoderLayers = (0..<config.decoderLayers).map { _ in
            TransformerDecoderLayer(width: C, heads: config.heads, hidden: config.feedForward, activation: activation,
                                    dropout: config.dropout, norm: config.norm, generator: &generator)
        }
        encoderNorm = config.normalizeBefore ? LayerNorm(dimension: C) : nil
        decoderNorm = config.normalizeBefore ? LayerNorm(dimension: C) : nil
        outputProjection = config.tieOutput ? nil
            : Linear(inFeatures: C, outFeatures: config.targetVocabularySize, bias: false, generator: &generator)
        embeddingDropout = Dropout(config.dropout)
        positions = SinusoidalPositions.table(length: config.maxPositions, width: C)
        embeddingScale = config.scaleEmbedding ? Float(C).squareRoot() : 1
        lengthPredictor = config.maxTargetLength.map { Linear(weight: Tensor(zeros: [$0 + 1, C]), bias: nil) }
        for (name, p) in namedParameters where p.shape.count == 2 && !name.contains("embed") && name != "shared.weight" {
            let bound = (6 / Float(p.shape[0] + p.shape[1])).squareRoot()
            p.assign(Tensor.uniform(p.shape, lo: -bound, hi: bound, generator: &generator))
        }
        // Drawn after the rest, so the shared parts of a seed's model are the autoregressive
        // model's ("embed" in its name kept it out of the Xavier loop).
        if let w = lengthPredictor?.weight {
            w.assign(Tensor.normal(w.shape, std: 1 / Float(C).squareRoot(), generator: &generator))
        }
    }

    static func zeroingRow(_ row: Int, of table: Tensor) -> Tensor {
        var values = table.scalars
        let C = table.shape[1]
        for j in 0..<C { values[row * C + j] = 0 }
        return Tensor(shape: table.shape, scalars: values)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        if config.shareEmbeddings {
            body("shared.weight", sourceEmbedding.weight)
        } else {
            visit("encoder.embed_tokens", sourceEmbedding, body)
            visit("decoder.embed_tokens", targetEmbedding, body)
        }
        for (i, layer) in encoderLayers.enumerated() { visit("encoder.layers.\(i)", layer, body) }
        if let encoderNorm { visit("encoder.layer_norm", encoderNorm, body) }
        for (i, layer) in decoderLayers.enumerated() { visit("decoder.layers.\(i)", layer, body) }
        if let decoderNorm { visit("decoder.layer_norm", decoderNorm, body) }
        if let outputProjection { visit("lm_head", outputProjection, body) }
        if let lengthPredictor { visit("decoder.embed_length", lengthPredictor, body) }
    }

    /// ids [B·T] → dropout(embedding × scale + positions offset..<offset+T) [B, T, C].
    func embed(_ ids: [Int32], batch B: Int, length T: Int, table: Embedding, offset: Int, context: ForwardContext) -> Tensor {
        precondition(offset + T <= config.maxPositions, "position \(offset + T) beyond the model's \(config.maxPositions) positions")
        let x = table(ids, shape: [B, T]) * embeddingScale + positions.slice(axis: 0, offset..<(offset + T))
        return embeddingDropout(x, context)
    }

    /// The encoder over a padded batch of source ids.
    public func encode(_ source: TokenBatch, context: ForwardContext) -> EncodedSource {
        let mask = source.mask
        var x = embed(source.ids, batch: source.batchSize, length: source.length, table: sourceEmbedding, offset: 0, context: context)
        for layer in encoderLayers { x = layer(x, mask: mask, context: context) }
        if let encoderNorm { x = encoderNorm(x) }
        return EncodedSource(memory: x, mask: mask)
    }

    /// Decoder states → logits over the target vocabulary: [N, C] → [N, V].
    public func logits(_ hidden: Tensor) -> Tensor {
        Tensor.linear(hidden, weight: outputProjection?.weight.value ?? targetEmbedding.weight.value, bias: nil)
    }

    /// Teacher forcing: the decoder over whole target inputs (`<s>` + ids, padded) under the
    /// causal mask → logits [B·T, V]. Padding sits at the end of each row, so the causal
    /// mask alone keeps real positions from seeing it.
    public func decode(_ targetInput: TokenBatch, source: EncodedSource, context: ForwardContext) -> Tensor {
        let B = targetInput.batchSize, T = targetInput.length
        var x = embed(targetInput.ids, batch: B, length: T, table: targetEmbedding, offset: 0, context: context)
        for layer in decoderLayers { x = layer(x, memory: source.memory, memoryMask: source.mask, selfMask: .causal, context: context) }
        if let decoderNorm { x = decoderNorm(x) }
        return logits(x.reshape([B * T, config.width]))
    }

    /// Caches for incremental decoding of up to `maxLength` target positions, one per
    /// decoder layer.
    public func makeCaches(maxLength: Int) -> [TransformerDecoderLayer.Cache] {
        decoderLayers.map { _ in TransformerDecoderLayer.Cache(maxLength: maxLength) }
    }

    /// One incremental step: `tokens` [N] at target position `position` → logits [N, V].
    /// The caches hold the earlier positions (self-attention) and the projected memory
    /// (filled at the first step from `source`, reused afterwards). Decode under
    /// `withoutGradients`.
    public func step(_ tokens: [Int32], position: Int, source: EncodedSource, caches: [TransformerDecoderLayer.Cache],
                     context: ForwardContext = .evaluation()) -> Tensor {
        let N = tokens.count
        var x = embed(tokens, batch: N, length: 1, table: targetEmbedding, offset: position, context: context)
        for (layer, cache) in zip(decoderLayers, caches) {
            x = layer(x, memory: source.memory, memoryMask: source.mask, selfMask: .causal, cache: cache, context: context)
        }
        if let decoderNorm { x = decoderNorm(x) }
        return logits(x.reshape([N, config.width]))
    }
}
