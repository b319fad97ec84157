import SeqNN
import SeqTensor

/// One class per token: last hidden state → dropout → `classifier` [num_labels, hidden], as
/// transformers' BertForTokenClassification (POS tagging).
public final class BertForTokenClassification: BertHeadModel {
    public static let architecture = "BertForTokenClassification"
    public static let usesPooler = false
    public let bert: BertModel
    public let config: BertConfig
    public let classifier: BertClassifier

    public init(encoder: BertModel, config: BertConfig, generator: inout RandomGenerator) {
        bert = encoder
        self.config = config
        classifier = BertClassifier(config, generator: &generator)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("bert", bert, body)
        visit("classifier", classifier, body)
    }

    /// [B·T, num_labels], row b·T + t.
    public func logits(_ batch: BertBatch, context: ForwardContext) -> Tensor {
        let hidden = bert.encode(batch, context: context)
        return classifier(hidden.reshape([batch.batchSize * batch.length, config.hiddenSize]), context)
    }
}
