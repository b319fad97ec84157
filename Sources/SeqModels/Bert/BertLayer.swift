import SeqNN
import SeqTensor

/// One post-LN encoder layer as BERT has it: attention → dense → dropout → LayerNorm(+x),
/// then intermediate dense → activation → dense → dropout → LayerNorm(+h).
public final class BertLayer: Module {
    public let attention: MultiHeadAttention
    public let attentionNorm: LayerNorm
    public let intermediate: Linear
    public let output: Linear
    public let outputNorm: LayerNorm
    public let dropout: Dropout
    public let activation: FeedForward.Activation

    public init(_ config: BertConfig, generator: inout RandomGenerator) {
        let C = config.hiddenSize, std = config.initializerRange
        attention = MultiHeadAttention(width: C, headCount: config.headCount, dropout: config.attentionDropout, generator: &generator)
        attentionNorm = LayerNorm(dimension: C, epsilon: config.layerNormEpsilon)
        intermediate = Linear(inFeatures: C, outFeatures: config.intermediateSize, std: std, generator: &generator)
        output = Linear(inFeatures: config.intermediateSize, outFeatures: C, std: std, generator: &generator)
        outputNorm = LayerNorm(dimension: C, epsilon: config.layerNormEpsilon)
        dropout = Dropout(config.hiddenDropout)
        activation = FeedForward.Activation(huggingFace: config.hiddenActivation) ?? .gelu
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("attention.self.query", attention.query, body)
        visit("attention.self.key", attention.key, body)
        visit("attention.self.value", attention.value, body)
        visit("attention.output.dense", attention.output, body)
        visit("attention.output.LayerNorm", attentionNorm, body)
        visit("intermediate.dense", intermediate, body)
        visit("output.dense", output, body)
        visit("output.LayerNorm", outputNorm, body)
    }

    public func callAsFunction(_ x: Tensor, mask: AttentionMask?, context: ForwardContext) -> Tensor {
        let attended = attention(x, mask: mask, context: context)
        let h = attentionNorm(dropout(attended, context) + x)
        let f = output(activation(intermediate(h)))
        return outputNorm(dropout(f, context) + h)
    }
}
