import SeqNN

/// The shape of the learning-rate schedule (its peak and lengths are in `TrainerSettings`).
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    /// Linear warmup, then linear decay to 0 at `totalSteps` (BERT, fine-tuning).
    case linear
    /// Linear warmup, then peak·√warmup/√step (fairseq's inverse_sqrt, translation).
    case inverseSqrt = "inverse-sqrt"
    /// Linear warmup, then the peak.
    case constant
    /// Linear warmup, then a half cosine down to 0 at `totalSteps`.
    case cosine
}

/// Everything the trainer needs to turn gradients into updates, the same for every task:
/// batch and accumulation, AdamW, schedule, clipping, seed. Saved in every checkpoint;
/// `--resume` continues with these.
public struct TrainerSettings: Codable, Equatable, Sendable {
    /// Rows per micro-batch on each process (the global micro-batch is this × processes).
    public var batchSize: Int = 32
    /// Micro-batches per optimizer step.
    public var accumulationSteps: Int = 1
    public var learningRate: Float = 1e-4
    public var schedule: ScheduleKind = .linear
    public var warmupSteps: Int = 100
    /// Where linear or cosine decay reaches 0.
    public var totalSteps: Int = 10_000
    public var weightDecay: Double = 0.01
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var adamEpsilon: Double = 1e-6
    /// Gradient-norm clipping (0: off).
    public var clipNorm: Float = 1.0
    public var seed: UInt64 = 0

    public init() {}

    public var learningRateSchedule: LRSchedule {
        let total = max(totalSteps, warmupSteps + 1)
        switch schedule {
        case .linear: return .linearWarmupLinearDecay(peak: learningRate, warmupSteps: warmupSteps, totalSteps: total)
        case .inverseSqrt: return .inverseSquareRoot(peak: learningRate, warmupSteps: warmupSteps)
        case .constant: return .linearWarmup(peak: learningRate, warmupSteps: warmupSteps)
        case .cosine: return .cosineWarmup(peak: learningRate, warmupSteps: warmupSteps, totalSteps: total)
        }
    }

    /// The first problem with these settings, as one sentence naming the option.
    public func problem() -> String? {
        if batchSize < 1 { return "the batch size must be at least 1, got \(batchSize)" }
        if accumulationSteps < 1 { return "gradient accumulation must be at least 1 micro-batch, got \(accumulationSteps)" }
        if !(learningRate >= 0) || !learningRate.isFinite { return "the learning rate must be a non-negative number, got \(learningRate)" }
        if warmupSteps < 0 || totalSteps < 1 { return "warmup must be ≥ 0 and the schedule length ≥ 1 step" }
        if !(weightDecay >= 0) || !weightDecay.isFinite { return "weight decay must be a non-negative number, got \(weightDecay)" }
        if !(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1) { return "Adam's betas must be in [0, 1), got \(beta1), \(beta2)" }
        if !(adamEpsilon > 0) || !adamEpsilon.isFinite { return "Adam's epsilon must be a positive number, got \(adamEpsilon)" }
        if !(clipNorm >= 0) || !clipNorm.isFinite { return "the clipping norm must be a non-negative number (0 = off), got \(clipNorm)" }
        return nil
    }
}
