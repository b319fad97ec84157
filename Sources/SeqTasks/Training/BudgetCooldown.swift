/// A linear cool-down of the learning rate over the last share of a run's budget, the
/// "decay" phase of warmup-stable-decay schedules (Hägele et al. 2024): the schedule's rate
/// is multiplied by 1 until `1 − fraction` of the budget is spent, then falls linearly to 0
/// at its end. The budget is whichever limit comes first — steps or wall-clock minutes — so
/// a run stopped by `--max-minutes` still ends annealed, which an inverse-square-root
/// schedule alone never is (checkpoint averaging only approximates it).
public struct BudgetCooldown: Sendable, Equatable {
    /// The share of the budget spent cooling down, in [0, 1]; 0 is off.
    public var fraction: Double

    public init(fraction: Double) { self.fraction = fraction }

    /// The first problem with the fraction, as one sentence naming the option.
    public func problem() -> String? {
        fraction >= 0 && fraction <= 1 ? nil : "--cooldown must be a share of the budget in [0, 1], got \(fraction)"
    }

    /// How much of the budget is spent: the larger of the steps' and the clock's share, or
    /// nil without either limit.
    public static func progress(step: Int, stepLimit: Int?, elapsedSeconds: Double, maxMinutes: Double?) -> Double? {
        var p: Double?
        if let stepLimit, stepLimit > 0 { p = Double(step) / Double(stepLimit) }
        if let maxMinutes, maxMinutes > 0 { p = max(p ?? 0, elapsedSeconds / (maxMinutes * 60)) }
        return p.map { min(max($0, 0), 1) }
    }

    /// The multiplier of the scheduled rate at `progress` (nil progress: no budget, 1).
    public func scale(progress: Double?) -> Float {
        guard fraction > 0, let progress else { return 1 }
        let start = 1 - fraction
        if progress <= start { return 1 }
        return Float(max(0, (1 - progress) / fraction))
    }
}
