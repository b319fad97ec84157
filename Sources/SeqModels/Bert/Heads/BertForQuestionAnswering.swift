import SeqNN
import SeqTensor

/// Extractive QA: last hidden state → `qa_outputs` [2, hidden] giving a start and an end
/// logit per token, as transformers' BertForQuestionAnswering (no dropout before the head;
/// its config has num_labels 2).
public final class BertForQuestionAnswering: BertHeadModel {
    public static let architecture = "BertForQuestionAnswering"
    public static let usesPooler = false
    public static let defaultLabels: [String]? = ["LABEL_0", "LABEL_1"]
    public let bert: BertModel
    public let config: BertConfig
    public let outputs: Linear

    public init(encoder: BertModel, config: BertConfig, generator: inout RandomGenerator) {
        bert = encoder
        self.config = config
        outputs = Linear(inFeatures: config.hiddenSize, outFeatures: 2, std: config.initializerRange, generator: &generator)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("bert", bert, body)
        visit("qa_outputs", outputs, body)
    }

    /// The logit of a padding position when padding is skipped: exp(−10⁴ − max) is 0 in
    /// Float, and unlike −∞ it stays finite under a zero soft target (0 · −10⁴ = 0).
    public static let paddingLogit: Float = -10_000

    /// Start and end logits, each [B, T].
    public func logits(_ batch: BertBatch, context: ForwardContext) -> (start: Tensor, end: Tensor) {
        let hidden = bert.encode(batch, context: context)
        let both = outputs(hidden.reshape([batch.batchSize * batch.length, config.hiddenSize]))   // [B·T, 2]
        let perRow = both.reshape([batch.batchSize, batch.length, 2]).permute([2, 0, 1])             // [2, B, T]
        let start = perRow.slice(axis: 0, 0..<1).reshape([batch.batchSize, batch.length])
        let end = perRow.slice(axis: 0, 1..<2).reshape([batch.batchSize, batch.length])
        // With padding skipped, a padding position's hidden state is zero and its logit would
        // be the bias alone, competing in the softmax with a value the model cannot lower:
        // padding is never an answer, so it is masked out (transformers leaves the padding's
        // computed logits in; `.computed` keeps that).
        if bert.paddingPositions == .skipped, batch.attentionMask.contains(0) {
            let pad = Tensor(shape: [batch.batchSize, batch.length], scalars: batch.attentionMask.map { $0 == 0 ? 1 : 0 })
            return (start.maskedFill(pad, with: Self.paddingLogit), end.maskedFill(pad, with: Self.paddingLogit))
        }
        return (start, end)
    }
}
