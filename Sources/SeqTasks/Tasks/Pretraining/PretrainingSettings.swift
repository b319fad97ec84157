import SeqCore
import SeqModels
import SeqNN

/// The pretraining recipe: the model, the data and the masking, the seed. Saved in every
/// checkpoint beside the trainer's settings; `--resume` continues with these.
public struct PretrainingSettings: Codable, Equatable, Sendable {
    public var model: BertConfig
    /// Rows per micro-batch on each process.
    public var batchSize: Int = 32
    /// Tokens per row, [CLS] and [SEP] included.
    public var sequenceLength: Int = 128
    public var maskProbability: Float = 0.15
    public var wholeWordMasking: Bool = false
    public var nextSentencePrediction: Bool = false
    /// Seeds the model's initialisation, the masks and the NSP pairs (the trainer's copy
    /// seeds dropout).
    public var seed: UInt64 = 0
    /// Held-out rows for evaluation.
    public var evalRows: Int = 64

    public init(model: BertConfig) { self.model = model }

    /// The first problem with these settings, as one sentence naming the option.
    public func problem() -> String? {
        if let problem = model.problem() { return problem }
        if batchSize < 1 { return "the batch size must be at least 1, got \(batchSize)" }
        if sequenceLength < 3 { return "the sequence length must be at least 3 ([CLS], one token, [SEP]), got \(sequenceLength)" }
        if sequenceLength > model.maxPositions {
            return "the sequence length \(sequenceLength) exceeds the model's \(model.maxPositions) positions"
        }
        if nextSentencePrediction && sequenceLength < 5 { return "next-sentence prediction needs a sequence length of at least 5" }
        if !(maskProbability > 0 && maskProbability <= 1) { return "the mask probability must be in (0, 1], got \(maskProbability)" }
        if evalRows < 0 { return "the held-out row count must be non-negative, got \(evalRows)" }
        do {
            try MemoryBudget.require(model.trainingBytes(rows: batchSize, length: sequenceLength, maskProbability: maskProbability),
                                     for: "training a \(model.layerCount)-layer × \(model.hiddenSize) BERT (vocabulary \(model.vocabSize)) on batches of \(batchSize) × \(sequenceLength) tokens")
        } catch {
            return error.message
        }
        return nil
    }
}

/// The model-size presets of `seq pretrain` (the reference script's table).
public enum ModelPreset: String, CaseIterable, Codable, Sendable {
    case tiny, small, base

    public func config(vocabSize: Int) -> BertConfig {
        switch self {
        case .tiny: .tiny(vocabSize: vocabSize)
        case .small: .small(vocabSize: vocabSize)
        case .base: .base(vocabSize: vocabSize)
        }
    }
}
