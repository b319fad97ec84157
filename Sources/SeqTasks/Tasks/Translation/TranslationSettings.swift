import SeqModels

/// What a translation run computes, saved in its checkpoints (a resumed run keeps it).
public struct TranslationSettings: Codable, Equatable, Sendable {
    public var model: TranslatorConfig
    /// Tokens per global batch: sentences × max(longest source, longest target) ≤ this.
    public var maxTokens = 4096
    /// Pairs with a side longer than this many tokens (its special included) are left out.
    public var maxLength = 128
    public var labelSmoothing: Float = 0.1
    public var seed: UInt64 = 0
    /// Validation sentences decoded for BLEU at each evaluation (0: all).
    public var evalSentences = 0
    /// Sentences per batch when decoding for validation BLEU.
    public var evalBatchSize = 64

    public init(model: TranslatorConfig) { self.model = model }

    public func problem() -> String? {
        if let p = model.problem() { return p }
        if maxTokens < 1 { return "--max-tokens must be at least 1, got \(maxTokens)" }
        if maxLength < 2 || maxLength > model.maxPositions { return "the length limit must be in 2...\(model.maxPositions), got \(maxLength)" }
        if !(0..<1).contains(labelSmoothing) { return "--label-smoothing must be in [0, 1), got \(labelSmoothing)" }
        if evalSentences < 0 || evalBatchSize < 1 { return "validation sentences must be ≥ 0 and their batch ≥ 1" }
        return nil
    }
}
