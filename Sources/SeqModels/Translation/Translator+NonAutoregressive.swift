import SeqNN
import SeqTensor

// The non-autoregressive decoders (Gu et al. 2018; Ghazvininejad et al. 2019; Libovický &
// Helcl 2018) on the same encoder, layers and embeddings as the autoregressive model: the
// decoder sees every target position at once, its self-attention masks padding only.
// Legend: B sentences, S source length, T decoder positions, C width, V target vocabulary.

extension Translator {
    /// Length logits [B, max_target_length + 1] from the mean of each source's real encoder
    /// states (fairseq's `forward_length`: a classifier, not a length token, so the encoder
    /// is exactly the autoregressive one and `--init` transfers it unchanged).
    public func lengthLogits(_ source: EncodedSource, sourceValid: [UInt8]) -> Tensor {
        guard let lengthPredictor else { preconditionFailure("a \(config.decoder.rawValue) model has no length predictor") }
        return lengthPredictor(source.memory.maskedMeanPool(valid: sourceValid))
    }

    /// The decoder over all positions of `input` at once (token ids embedded with the
    /// target table, positions from 0), bidirectional over each row's real positions →
    /// logits [B·T, V]. Mask-predict feeds targets with masked ids; CTC and vanilla NAT
    /// feed source tokens copied or upsampled (`table: sourceEmbedding`). With `outputRows`
    /// (flat positions b·T + t), only those rows are projected to the vocabulary (the
    /// projection is the largest product; decoding needs the real or masked positions only).
    public func decodeParallel(_ input: TokenBatch, source: EncodedSource, fromSource: Bool = false,
                               outputRows: [Int32]? = nil, context: ForwardContext) -> Tensor {
        let B = input.batchSize, T = input.length
        var x = embed(input.ids, batch: B, length: T, table: fromSource ? sourceEmbedding : targetEmbedding, offset: 0, context: context)
        let selfMask = input.mask
        for layer in decoderLayers { x = layer(x, memory: source.memory, memoryMask: source.mask, selfMask: selfMask, context: context) }
        if let decoderNorm { x = decoderNorm(x) }
        let hidden = x.reshape([B * T, config.width])
        return logits(outputRows.map { hidden.indexSelect($0) } ?? hidden)
    }

    /// The flat positions (b·T + t) of a batch's real tokens.
    public static func realRows(_ input: TokenBatch) -> [Int32] {
        input.valid.indices.filter { input.valid[$0] != 0 }.map { Int32($0) }
    }

    /// The memory of each source repeated `times` times (row b·times + k is source b): the
    /// candidates of a length beam attend to their own source.
    public func repeating(_ source: EncodedSource, times: Int) -> EncodedSource {
        guard times > 1 else { return source }
        let B = source.memory.shape[0], S = source.memory.shape[1], C = source.memory.shape[2]
        let rows = (0..<B).flatMap { b in [Int32](repeating: Int32(b), count: times) }
        let memory = source.memory.reshape([B, S * C]).indexSelect(rows).reshape([B * times, S, C])
        let mask = source.mask.map { m in
            AttentionMask(keyValid: m.keyValid.map { valid in rows.flatMap { valid[(Int($0) * S)..<(Int($0) * S + S)] } }, pattern: m.pattern)
        }
        return EncodedSource(memory: memory, mask: mask)
    }
}

/// Decoder inputs made from source ids: the uniform copy of vanilla NAT and the upsampling
/// of CTC. Both are lookups of source token ids, so the embedding gradient flows as when
/// fairseq copies the source embeddings.
public enum SourceCopy {
    /// Source position copied to target position t of `targetLength` (fairseq's
    /// `uniform_copy`: round(t·(S−1)/(T−1)), halves to even as `torch.round`).
    public static func uniform(_ source: [Int32], targetLength: Int) -> [Int32] {
        guard let first = source.first else { return [] }
        guard targetLength > 1 else { return [Int32](repeating: first, count: targetLength) }
        let S = source.count
        return (0..<targetLength).map { t in source[Int((Double(t) * Double(S - 1) / Double(targetLength - 1)).rounded(.toNearestOrEven))] }
    }

    /// Each source id `ratio` times in a row.
    public static func upsampled(_ source: [Int32], ratio: Int) -> [Int32] {
        source.flatMap { [Int32](repeating: $0, count: ratio) }
    }
}

extension Translator {
    /// Whether a parameter belongs to the encoder or the embeddings: what `--init` copies
    /// from an autoregressive model.
    static func isEncoderOrEmbedding(_ name: String) -> Bool {
        name.hasPrefix("encoder.") || name == "shared.weight" || name == "decoder.embed_tokens.weight"
    }

    /// Whether a parameter belongs to the decoder's layers, its final norm or an untied output
    /// projection: what `--init-decoder` copies besides. The autoregressive decoder was trained
    /// to read causally; started from it, a non-autoregressive decoder only has to learn to read
    /// both ways (Guo et al. 2020 fine-tune NAT from AR), not cross-attention and the target
    /// language from nothing. The length predictor always starts fresh.
    static func isDecoderStack(_ name: String) -> Bool {
        name.hasPrefix("decoder.layers.") || name.hasPrefix("decoder.layer_norm.") || name.hasPrefix("lm_head.")
    }

    /// Copies the encoder and embeddings of `other` (an autoregressive model, say) into this
    /// model — and with `decoder`, its decoder layers too; returns how many tensors were
    /// copied. A missing name or another shape is refused in one sentence naming the first
    /// one, before anything is copied.
    @discardableResult
    public func copyEncoder(from other: Translator, decoder: Bool = false) throws -> Int {
        let theirs = Dictionary(uniqueKeysWithValues: other.namedParameters.map { ($0.name, $0.parameter) })
        let mine = namedParameters.filter { Self.isEncoderOrEmbedding($0.name) || decoder && Self.isDecoderStack($0.name) }
        for (name, p) in mine {
            guard let q = theirs[name] else {
                if Self.isDecoderStack(name) {
                    throw CheckpointError("the model to start from has no \(name); its decoder (\(other.config.decoderLayers) layers, \(other.config.normalizeBefore ? "pre" : "post")-LN, output \(other.config.tieOutput ? "tied" : "untied")) must match this one's (\(config.decoderLayers), \(config.normalizeBefore ? "pre" : "post")-LN, \(config.tieOutput ? "tied" : "untied")) to start the decoder from it")
                }
                throw CheckpointError("the model to start from has no \(name) (its embeddings are \(other.config.shareEmbeddings ? "shared" : "separate"), this model's are \(config.shareEmbeddings ? "shared" : "separate"))")
            }
            guard q.shape == p.shape else {
                throw CheckpointError("\(name) is \(q.shape) in the model to start from but \(p.shape) here; give the same width, feed-forward size, encoder and decoder layers and vocabulary (or leave the size flags out)")
            }
        }
        for (name, p) in mine { p.assign(theirs[name]!.value) }
        return mine.count
    }
}
