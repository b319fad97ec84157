import SeqNN
import SeqTensor

/// One class per sequence: pooled [CLS] → dropout → `classifier` [num_labels, hidden], as
/// transformers' BertForSequenceClassification (sentiment, NLI).
public final class BertForSequenceClassification: BertHeadModel {
    public static let architecture = "BertForSequenceClassification"
    public static let usesPooler = true
    public let bert: BertModel
    public let config: BertConfig
    public let classifier: BertClassifier

    public init(encoder: BertModel, config: BertConfig, generator: inout RandomGenerator) {
        precondition(encoder.pooler != nil, "sequence classification reads the pooled [CLS] state")
        bert = encoder
        self.config = config
        classifier = BertClassifier(config, generator: &generator)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("bert", bert, body)
        visit("classifier", classifier, body)
    }

    /// [B, num_labels].
    public func logits(_ batch: BertBatch, context: ForwardContext) -> Tensor {
        classifier(bert.pool(firstTokens: bert.encodeFirstTokens(batch, context: context)), context)
    }
}
