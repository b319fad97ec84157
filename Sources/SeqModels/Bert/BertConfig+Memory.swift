import SeqCore
import SeqNN

/// What a BERT of this config costs, computed before anything is allocated (checked
/// arithmetic: nil when a count overflows), so that `validate()` and the training commands
/// can refuse in one sentence a model the machine cannot hold.
extension BertConfig {
    /// Parameters of `BertModel(self, pooler:)`: embeddings (word, position, token type,
    /// layer norm), per layer four attention projections, the feed-forward pair and two
    /// layer norms, and the pooler.
    public func parameterCount(pooler: Bool) -> Int? {
        let H = hiddenSize, F = intermediateSize
        let m = MemoryBudget.self
        let embeddings = m.sum([m.product(vocabSize, H), m.product(maxPositions, H), m.product(typeVocabSize, H), m.product(2, H)])
        let attention = m.sum([H, 1]).flatMap { m.product(4, $0, H) }
        let feedForward = m.sum([m.product(H, F), F, m.product(F, H), H])
        let layer = m.sum([attention, feedForward, m.product(4, H)])
        let layers = layer.flatMap { m.product($0, layerCount) }
        return m.sum([embeddings, layers, pooler ? m.sum([H, 1]).flatMap { m.product($0, H) } : 0])
    }

    /// Float32 weights of the encoder (the pooler included).
    public var weightBytes: Int? { parameterCount(pooler: true).flatMap { MemoryBudget.product($0, 4) } }

    /// A lower estimate of masked-LM training memory: weights, gradients and AdamW's two
    /// moments, plus the activations a micro-batch of `rows` × `length` tokens keeps for the
    /// backward pass (about 10 hidden-size and 2 feed-forward-size floats per token and
    /// layer, the attention scores of each head) and the vocabulary logits of the masked
    /// positions. Kept low on purpose: it refuses only what cannot fit.
    public func trainingBytes(rows: Int, length: Int, maskProbability: Float = 0.15) -> Int? {
        let m = MemoryBudget.self
        let tokens = m.product(rows, length)
        let perTokenLayer = m.sum([m.product(10, hiddenSize), m.product(2, intermediateSize), m.product(headCount, length)])
        let activations = m.sum([
            perTokenLayer.flatMap { p in tokens.flatMap { m.product(p, $0, layerCount) } },
            tokens.flatMap { m.product($0, 4, hiddenSize) },
            tokens.flatMap { t in Self.masked(t, maskProbability).flatMap { m.product($0, vocabSize, 2) } },
        ])
        let state = parameterCount(pooler: true).flatMap { m.product($0, 4) }
        return m.sum([state, activations]).flatMap { m.product($0, 4) }
    }

    /// The masked positions among `tokens`, nil when too large to count.
    static func masked(_ tokens: Int, _ probability: Float) -> Int? {
        let x = (Double(tokens) * Double(probability)).rounded(.up)
        return x.isFinite && x >= 0 && x < 9e18 ? Int(x) : nil
    }

    /// Refuses a model whose weights alone exceed the machine's memory.
    func requireWeightsFit() throws(BertConfigError) {
        do {
            try MemoryBudget.require(weightBytes, for: "a BERT of vocab_size \(vocabSize), hidden_size \(hiddenSize), num_hidden_layers \(layerCount), intermediate_size \(intermediateSize), max_position_embeddings \(maxPositions), type_vocab_size \(typeVocabSize)")
        } catch {
            throw BertConfigError(message: error.message)
        }
    }
}
