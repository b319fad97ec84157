import Foundation

/// A learning-rate schedule: the rate for the update made after `step` completed updates
/// (step 0 is the first update), as Hugging Face's `LambdaLR` schedules and fairseq's
/// `step_update(num_updates)` define it. A value type, so a checkpoint can store it in a
/// config and `--resume` can recompute any step's rate.
public enum LRSchedule: Sendable, Equatable, Codable {
    /// `peak` at every step.
    case constant(peak: Float)
    /// transformers `get_constant_schedule_with_warmup`: `peak · step / warmup` during
    /// warmup, then `peak`.
    case linearWarmup(peak: Float, warmupSteps: Int)
    /// transformers `get_linear_schedule_with_warmup`: linear warmup from 0, then linear
    /// decay to 0 at `totalSteps`.
    case linearWarmupLinearDecay(peak: Float, warmupSteps: Int, totalSteps: Int)
    /// transformers `get_cosine_schedule_with_warmup`: linear warmup from 0, then
    /// `peak · max(0, ½(1 + cos(π · 2 · cycles · progress)))` with progress from 0 at the end
    /// of warmup to 1 at `totalSteps` (`cycles` 0.5 is one half-cosine down to 0).
    case cosineWarmup(peak: Float, warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5)
    /// fairseq `inverse_sqrt`: linear from `warmupInitial` to `peak` over `warmupSteps`
    /// updates, then `peak · √warmupSteps / √step`. fairseq's default `warmup_init_lr` is 0
    /// with a warmup (and `peak` without one).
    case inverseSquareRoot(peak: Float, warmupSteps: Int, warmupInitial: Float = 0)

    public func learningRate(atStep step: Int) -> Float {
        precondition(step >= 0, "learning-rate step must be non-negative, got \(step)")
        let s = Double(step)
        switch self {
        case let .constant(peak):
            return peak
        case let .linearWarmup(peak, warmup):
            if step < warmup { return Float(Double(peak) * s / Double(max(1, warmup))) }
            return peak
        case let .linearWarmupLinearDecay(peak, warmup, total):
            if step < warmup { return Float(Double(peak) * s / Double(max(1, warmup))) }
            return Float(Double(peak) * max(0, Double(total - step) / Double(max(1, total - warmup))))
        case let .cosineWarmup(peak, warmup, total, cycles):
            if step < warmup { return Float(Double(peak) * s / Double(max(1, warmup))) }
            let progress = Double(step - warmup) / Double(max(1, total - warmup))
            return Float(Double(peak) * max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress))))
        case let .inverseSquareRoot(peak, warmup, initial):
            if warmup <= 0 { return step == 0 ? peak : Float(Double(peak) / s.squareRoot()) }
            if step < warmup {
                let increment = (Double(peak) - Double(initial)) / Double(warmup)
                return Float(Double(initial) + s * increment)
            }
            return Float(Double(peak) * Double(warmup).squareRoot() / s.squareRoot())
        }
    }
}
