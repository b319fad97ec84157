import SeqModels
import SeqNN

/// Everything that determines a pretraining run's arithmetic: the model, the data recipe,
/// the optimizer and schedule, the seed. Saved in every checkpoint; `--resume` continues
/// with these (limits, threads and logging may change between invocations).
public struct PretrainingSettings: Codable, Equatable, Sendable {
    public var model: BertConfig
    /// Rows per micro-batch.
    public var batchSize: Int = 32
    /// Tokens per row, [CLS] and [SEP] included.
    public var sequenceLength: Int = 128
    /// Micro-batches per optimizer step (their gradients are averaged).
    public var accumulationSteps: Int = 1
    public var learningRate: Float = 1e-4
    public var warmupSteps: Int = 100
    /// Where the linear decay reaches 0.
    public var totalSteps: Int = 10_000
    public var weightDecay: Double = 0.01
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var adamEpsilon: Double = 1e-6
    /// Gradient-norm clipping (0: off).
    public var clipNorm: Float = 1.0
    public var maskProbability: Float = 0.15
    public var wholeWordMasking: Bool = false
    public var nextSentencePrediction: Bool = false
    public var seed: UInt64 = 0
    /// Held-out rows for evaluation.
    public var evalRows: Int = 64

    public init(model: BertConfig) { self.model = model }

    public var schedule: LRSchedule {
        .linearWarmupLinearDecay(peak: learningRate, warmupSteps: warmupSteps, totalSteps: max(totalSteps, warmupSteps + 1))
    }

    /// Tokens per optimizer step (every position of every row, as the reference counts).
    public var tokensPerStep: Int { batchSize * sequenceLength * accumulationSteps }

    /// The first problem with these settings, as one sentence naming the option.
    public func problem() -> String? {
        do { try model.validate() } catch { return error.message }
        if batchSize < 1 { return "the batch size must be at least 1, got \(batchSize)" }
        if sequenceLength < 3 { return "the sequence length must be at least 3 ([CLS], one token, [SEP]), got \(sequenceLength)" }
        if sequenceLength > model.maxPositions {
            return "the sequence length \(sequenceLength) exceeds the model's \(model.maxPositions) positions"
        }
        if nextSentencePrediction && sequenceLength < 5 { return "next-sentence prediction needs a sequence length of at least 5" }
        if accumulationSteps < 1 { return "gradient accumulation must be at least 1 micro-batch, got \(accumulationSteps)" }
        if !(learningRate >= 0) || !learningRate.isFinite { return "the learning rate must be a non-negative number, got \(learningRate)" }
        if warmupSteps < 0 || totalSteps < 1 { return "warmup must be ≥ 0 and the schedule length ≥ 1 step" }
        if !(weightDecay >= 0) { return "weight decay must be non-negative, got \(weightDecay)" }
        if !(clipNorm >= 0) { return "the clipping norm must be non-negative (0 = off), got \(clipNorm)" }
        if !(maskProbability > 0 && maskProbability <= 1) { return "the mask probability must be in (0, 1], got \(maskProbability)" }
        if evalRows < 0 { return "the held-out row count must be non-negative, got \(evalRows)" }
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
