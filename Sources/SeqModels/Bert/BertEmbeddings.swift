import SeqNN
import SeqTensor

/// word + position + token-type embeddings, then LayerNorm and dropout.
public final class BertEmbeddings: Module {
    public let word: Embedding
    public let position: Embedding
    public let tokenType: Embedding
    public let layerNorm: LayerNorm
    public let dropout: Dropout

    public init(_ config: BertConfig, generator: inout RandomGenerator) {
        let C = config.hiddenSize, std = config.initializerRange
        word = Embedding(count: config.vocabSize, dimension: C, std: std, generator: &generator)
        position = Embedding(count: config.maxPositions, dimension: C, std: std, generator: &generator)
        tokenType = Embedding(count: config.typeVocabSize, dimension: C, std: std, generator: &generator)
        layerNorm = LayerNorm(dimension: C, epsilon: config.layerNormEpsilon)
        dropout = Dropout(config.hiddenDropout)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("word_embeddings", word, body)
        visit("position_embeddings", position, body)
        visit("token_type_embeddings", tokenType, body)
        visit("LayerNorm", layerNorm, body)
    }

    /// ids and typeIDs are [B·T] row-major for a batch of shape [B, T]. → [B, T, C].
    public func callAsFunction(_ ids: [Int32], typeIDs: [Int32], batch B: Int, length T: Int, context: ForwardContext) -> Tensor {
        precondition(T <= position.count, "sequence length \(T) exceeds max_position_embeddings \(position.count)")
        let positions = (0..<(B * T)).map { Int32($0 % T) }
        let sum = word(ids, shape: [B, T]) + position(positions, shape: [B, T]) + tokenType(typeIDs, shape: [B, T])
        return dropout(layerNorm(sum), context)
    }

    /// The real tokens of a padded batch only (`TokenPacking`) → [N, C], each row as the
    /// padded call computes it (positions count from each sequence's start).
    public func callAsFunction(_ ids: [Int32], typeIDs: [Int32], packing: TokenPacking, context: ForwardContext) -> Tensor {
        let T = packing.length
        precondition(T <= position.count, "sequence length \(T) exceeds max_position_embeddings \(position.count)")
        let N = packing.count
        let positions = packing.rows.map { $0 % Int32(T) }
        let sum = word(packing.select(ids), shape: [N]) + position(positions, shape: [N]) + tokenType(packing.select(typeIDs), shape: [N])
        return dropout(layerNorm(sum), packing: packing, context)
    }
}
