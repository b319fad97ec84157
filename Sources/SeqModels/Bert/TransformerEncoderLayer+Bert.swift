import SeqNN
import SeqTensor

extension TransformerEncoderLayer.ParameterNames {
    /// transformers' `BertLayer` keys: `attention.self.query`, `attention.output.dense`,
    /// `attention.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`.
    public static let bert = Self(
        query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
        attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
        feedForwardUp: "intermediate.dense", feedForwardDown: "output.dense", feedForwardNorm: "output.LayerNorm")
}

extension TransformerEncoderLayer {
    /// BERT's encoder layer: post-LN, the config's activation and epsilon, hidden dropout
    /// after the attention output and after the feed-forward output, attention-probability
    /// dropout inside attention, and none between the two dense layers (BERT has none there).
    public convenience init(bert config: BertConfig, generator: inout RandomGenerator) {
        self.init(width: config.hiddenSize, heads: config.headCount, hidden: config.intermediateSize,
                  activation: FeedForward.Activation(huggingFace: config.hiddenActivation) ?? .gelu,
                  dropout: config.hiddenDropout, attentionDropout: config.attentionDropout, activationDropout: 0,
                  norm: .post, epsilon: config.layerNormEpsilon, std: config.initializerRange,
                  names: .bert, generator: &generator)
    }
}
