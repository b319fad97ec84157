import SeqNN
import SeqTensor

/// dropout → `classifier` [num_labels, hidden]: the head transformers' sequence and token
/// classification models share (dropout is `hidden_dropout_prob`, as with
/// `classifier_dropout` unset).
public final class BertClassifier: Module {
    public let dropout: Dropout
    public let linear: Linear

    public init(_ config: BertConfig, generator: inout RandomGenerator) {
        dropout = Dropout(config.hiddenDropout)
        linear = Linear(inFeatures: config.hiddenSize, outFeatures: max(config.labels?.count ?? 2, 1),
                        std: config.initializerRange, generator: &generator)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) { linear.forEachParameter(body) }

    /// [N, hidden] → [N, num_labels].
    public func callAsFunction(_ x: Tensor, _ context: ForwardContext) -> Tensor { linear(dropout(x, context)) }
}
