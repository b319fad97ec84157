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
    /// Non-autoregressive models: the length loss's weight beside the token loss (fairseq's
    /// `length_loss_factor`, 0.1). Optional so settings saved before it existed still load.
    public var lengthLossWeight: Float?
    /// Mask-predict: refinement passes and length candidates when validation BLEU decodes.
    public var evalIterations: Int?
    public var evalLengthBeam: Int?
    /// Mask-predict: glancing training's ratio λ (Qian et al. 2021), nil or 0 for uniform
    /// masks: a first pass predicts every target token from a fully masked input, then λ × (the
    /// tokens it got wrong) target tokens are shown to the decoder and the rest are masked
    /// and learned. The better the model, the fewer it sees.
    public var glancing: Float?

    public init(model: TranslatorConfig) { self.model = model }

    public func problem() -> String? {
        if let p = model.problem() { return p }
        if maxTokens < 1 { return "--max-tokens must be at least 1, got \(maxTokens)" }
        if maxLength < 2 || maxLength > model.maxPositions { return "the length limit must be in 2...\(model.maxPositions), got \(maxLength)" }
        if !(0..<1).contains(labelSmoothing) { return "--label-smoothing must be in [0, 1), got \(labelSmoothing)" }
        if model.decoder == .natCTC && (maxLength + 1) * (model.upsample ?? 1) > model.maxPositions {
            return "the length limit \(maxLength) upsampled ×\(model.upsample ?? 1) exceeds the model's \(model.maxPositions) positions"
        }
        if let w = lengthLossWeight, !(w >= 0 && w.isFinite) { return "--length-loss-weight must be a non-negative number, got \(w)" }
        if let g = glancing {
            if !(0...1).contains(g) { return "--glancing must be in [0, 1], got \(g)" }
            if g > 0 && model.decoder != .natCMLM { return "--glancing trains nat-cmlm models; this one is \(model.decoder.rawValue)" }
        }
        if evalSentences < 0 || evalBatchSize < 1 { return "validation sentences must be ≥ 0 and their batch ≥ 1" }
        return nil
    }
}
