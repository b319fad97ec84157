import SeqNN
import SeqTensor

/// A batch of token sequences of equal length T (padded), row-major [B, T].
public struct BertBatch: Sendable {
    public var ids: [Int32]
    public var typeIDs: [Int32]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int32]
    public var batchSize: Int
    public var length: Int

    public init(ids: [Int32], typeIDs: [Int32]? = nil, attentionMask: [Int32]? = nil, batchSize: Int, length: Int) {
        precondition(ids.count == batchSize * length, "\(ids.count) ids for a [\(batchSize), \(length)] batch")
        self.ids = ids
        self.typeIDs = typeIDs ?? [Int32](repeating: 0, count: ids.count)
        self.attentionMask = attentionMask ?? [Int32](repeating: 1, count: ids.count)
        self.batchSize = batchSize
        self.length = length
    }

    /// Pads sequences of different lengths to the longest with `padID`.
    public static func padding(_ sequences: [[Int32]], typeIDs: [[Int32]]? = nil, padID: Int32 = 0) -> BertBatch {
        let T = sequences.map(\.count).max() ?? 0
        var ids: [Int32] = [], types: [Int32] = [], mask: [Int32] = []
        for (i, s) in sequences.enumerated() {
            ids += s + [Int32](repeating: padID, count: T - s.count)
            types += (typeIDs?[i] ?? [Int32](repeating: 0, count: s.count)) + [Int32](repeating: 0, count: T - s.count)
            mask += [Int32](repeating: 1, count: s.count) + [Int32](repeating: 0, count: T - s.count)
        }
        return BertBatch(ids: ids, typeIDs: types, attentionMask: mask, batchSize: sequences.count, length: T)
    }

    /// Where the real tokens are, or nil when the batch has no padding.
    public var packing: TokenPacking? {
        TokenPacking(keyValid: keyValid, batch: batchSize, length: length)
    }

    var keyPadding: AttentionMask? {
        if attentionMask.allSatisfy({ $0 != 0 }) { return nil }
        return AttentionMask(keyValid: keyValid)
    }

    /// The attention mask as the kernels' flags: 1 for a real token.
    private var keyValid: [UInt8] { attentionMask.map { $0 != 0 ? 1 : 0 } }
}

/// BERT's encoder with its embeddings and pooler, named as transformers' `BertModel`.
public final class BertModel: Module {
    public let config: BertConfig
    public let embeddings: BertEmbeddings
    public let layers: [TransformerEncoderLayer]
    /// transformers' BertForMaskedLM has no pooler (`add_pooling_layer=False`).
    public let pooler: Linear?

    public init(_ config: BertConfig, pooler withPooler: Bool = true, generator: inout RandomGenerator) {
        self.config = config
        embeddings = BertEmbeddings(config, generator: &generator)
        layers = (0..<config.layerCount).map { _ in TransformerEncoderLayer(bert: config, generator: &generator) }
        pooler = withPooler
            ? Linear(inFeatures: config.hiddenSize, outFeatures: config.hiddenSize, std: config.initializerRange, generator: &generator)
            : nil
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("embeddings", embeddings, body)
        for (i, layer) in layers.enumerated() { visit("encoder.layer.\(i)", layer, body) }
        if let pooler { visit("pooler.dense", pooler, body) }
    }

    /// What `encode` does at padding positions. `.skipped` (the default): the embeddings,
    /// projections, feed-forward blocks and norms run on the real tokens only
    /// (`TokenPacking`), and padding positions of the output are zero; real tokens get the
    /// same values either way. `.computed`: every position as transformers computes it
    /// (a padding query still attends to the real tokens), for comparisons at padding.
    public var paddingPositions: PaddingPositions = .skipped

    public enum PaddingPositions: Sendable {
        case skipped, computed
    }

    /// The last hidden state [B, T, C].
    public func encode(_ batch: BertBatch, context: ForwardContext) -> Tensor {
        let packing = paddingPositions == .skipped ? batch.packing : nil
        let x = hidden(batch, through: layers[...], packing: packing, context: context)
        return packing.map { x.unpacked($0) } ?? x
    }

    /// Embeddings, then `stack`: packed [N, C] with `packing`, else [B, T, C].
    private func hidden(_ batch: BertBatch, through stack: ArraySlice<TransformerEncoderLayer>, packing: TokenPacking?,
                        context: ForwardContext) -> Tensor {
        if let packing {
            var x = embeddings(batch.ids, typeIDs: batch.typeIDs, packing: packing, context: context)
            for layer in stack { x = layer(x, packing: packing, context: context) }
            return x
        }
        var x = embeddings(batch.ids, typeIDs: batch.typeIDs, batch: batch.batchSize, length: batch.length, context: context)
        let mask = batch.keyPadding
        for layer in stack { x = layer(x, mask: mask, context: context) }
        return x
    }

    /// The last hidden state of each sequence's first token ([CLS]) → [B, C]. In inference
    /// the last layer computes only those rows (`TransformerEncoderLayer.firstTokens`):
    /// a sixth less work for a 6-layer sentence classifier.
    public func encodeFirstTokens(_ batch: BertBatch, context: ForwardContext) -> Tensor {
        let B = batch.batchSize, T = batch.length, C = config.hiddenSize
        guard !context.training, let last = layers.last else {
            return encode(batch, context: context).slice(axis: 1, 0..<1).reshape([B, C])
        }
        let packing = paddingPositions == .skipped ? batch.packing : nil
        let x = hidden(batch, through: layers.dropLast(), packing: packing, context: context)
        return last.firstTokens(x, packing: packing, mask: batch.keyPadding, batch: B, length: T, context: context)
    }

    /// tanh(dense(hidden state of the first token)) → [B, C].
    public func pool(_ hidden: Tensor) -> Tensor {
        let B = hidden.shape[0], C = hidden.shape[2]
        return pool(firstTokens: hidden.slice(axis: 1, 0..<1).reshape([B, C]))
    }

    /// The pooler over first-token states [B, C] (`encodeFirstTokens`).
    public func pool(firstTokens: Tensor) -> Tensor {
        guard let pooler else { preconditionFailure("this BertModel was built without a pooler") }
        return pooler(firstTokens).tanh()
    }
}
