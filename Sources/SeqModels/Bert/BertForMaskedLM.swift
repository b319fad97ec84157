import SeqNN
import SeqTensor

/// The masked-LM head: dense → activation → LayerNorm → projection onto the vocabulary
/// through the word-embedding matrix (tied, one `Parameter`) plus a bias.
public final class BertMLMHead: Module {
    public let transform: Linear
    public let layerNorm: LayerNorm
    public let bias: Parameter
    /// The word embeddings, shared with the encoder: not registered here, so a checkpoint
    /// holds the matrix once (transformers re-ties `cls.predictions.decoder.weight`).
    let decoderWeight: Parameter
    let activation: FeedForward.Activation

    init(_ config: BertConfig, wordEmbeddings: Parameter, generator: inout RandomGenerator) {
        transform = Linear(inFeatures: config.hiddenSize, outFeatures: config.hiddenSize, std: config.initializerRange, generator: &generator)
        layerNorm = LayerNorm(dimension: config.hiddenSize, epsilon: config.layerNormEpsilon)
        bias = Parameter(Tensor(zeros: [config.vocabSize]))
        decoderWeight = wordEmbeddings
        activation = FeedForward.Activation(huggingFace: config.hiddenActivation) ?? .gelu
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("transform.dense", transform, body)
        visit("transform.LayerNorm", layerNorm, body)
        body("bias", bias)
    }

    /// hidden [N, C] → logits [N, V].
    public func callAsFunction(_ hidden: Tensor) -> Tensor {
        Tensor.linear(layerNorm(activation(transform(hidden))), weight: decoderWeight.value, bias: bias.value)
    }
}

/// One pretraining batch: token ids with some positions masked, and for those positions
/// the original ids to predict. Optionally next-sentence labels (one per sequence).
public struct MaskedLMBatch: Sendable {
    public var input: BertBatch
    /// Flat positions (b·T + t) whose token is predicted.
    public var maskedPositions: [Int32]
    /// The original token at each masked position.
    public var maskedTargets: [Int32]
    /// 0 = B follows A, 1 = B is random (transformers' convention); nil without NSP.
    public var nextSentenceLabels: [Int32]?

    public init(input: BertBatch, maskedPositions: [Int32], maskedTargets: [Int32], nextSentenceLabels: [Int32]? = nil) {
        precondition(maskedPositions.count == maskedTargets.count, "one target per masked position")
        self.input = input
        self.maskedPositions = maskedPositions
        self.maskedTargets = maskedTargets
        self.nextSentenceLabels = nextSentenceLabels
    }
}

/// The losses of one forward pass, by name, and what the metrics need.
public struct MaskedLMOutput {
    /// The scalar to differentiate: MLM loss (+ NSP loss when present).
    public var loss: Tensor
    public var mlmLoss: Float
    public var nspLoss: Float?
    /// Masked positions whose arg-max prediction equals the target.
    public var correct: Int
    public var predicted: Int
}

/// BERT with its pretraining heads, named as transformers' BertForMaskedLM
/// (`bert.*`, `cls.predictions.*`) or, with NSP, BertForPreTraining (adds the pooler and
/// `cls.seq_relationship`).
public final class BertForMaskedLM: Module {
    public let bert: BertModel
    public let mlm: BertMLMHead
    /// The next-sentence classifier on the pooled [CLS] state, when trained with NSP.
    public let nsp: Linear?

    public init(_ config: BertConfig, nextSentencePrediction: Bool = false, generator: inout RandomGenerator) {
        bert = BertModel(config, pooler: nextSentencePrediction, generator: &generator)
        mlm = BertMLMHead(config, wordEmbeddings: bert.embeddings.word.weight, generator: &generator)
        nsp = nextSentencePrediction
            ? Linear(inFeatures: config.hiddenSize, outFeatures: 2, std: config.initializerRange, generator: &generator)
            : nil
    }

    public var config: BertConfig { bert.config }

    /// The architecture name transformers loads this layout as.
    public var architecture: String { nsp == nil ? "BertForMaskedLM" : "BertForPreTraining" }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("bert", bert, body)
        visit("cls.predictions", mlm, body)
        if let nsp { visit("cls.seq_relationship", nsp, body) }
    }

    /// MLM logits at every position, [B, T, V] (what transformers' BertForMaskedLM returns).
    public func logits(_ batch: BertBatch, context: ForwardContext) -> Tensor {
        mlm(bert.encode(batch, context: context))
    }

    /// The pretraining loss. The vocabulary projection runs on masked positions only (as
    /// the original BERT does): with 15% masking that is ~7× less work in the largest
    /// matrix product of the model.
    ///
    /// Each loss is a mean: over the masked tokens and over the sequences of this batch, or,
    /// with `maskedTokens` and `sequences`, their sums divided by those counts (the counts
    /// over every process of a data-parallel step).
    public func loss(_ batch: MaskedLMBatch, context: ForwardContext, maskedTokens: Int? = nil,
                     sequences: Int? = nil) -> MaskedLMOutput {
        let hidden = bert.encode(batch.input, context: context)
        let C = config.hiddenSize
        let flat = hidden.reshape([batch.input.batchSize * batch.input.length, C])
        let logits = mlm(flat.indexSelect(batch.maskedPositions))
        var loss = logits.crossEntropy(targets: batch.maskedTargets, divisor: maskedTokens.map { Float($0) })
        let mlmLoss = loss.item
        let predictions = logits.argmax(axis: -1)
        let correct = zip(predictions, batch.maskedTargets).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        var nspLoss: Float? = nil
        if let nsp, let labels = batch.nextSentenceLabels {
            let nspLogits = nsp(bert.pool(hidden))
            let l = nspLogits.crossEntropy(targets: labels, divisor: sequences.map { Float($0) })
            nspLoss = l.item
            loss = loss + l
        }
        return MaskedLMOutput(loss: loss, mlmLoss: mlmLoss, nspLoss: nspLoss, correct: correct, predicted: batch.maskedTargets.count)
    }
}
