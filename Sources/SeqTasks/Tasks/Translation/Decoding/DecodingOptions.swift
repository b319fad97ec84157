import SeqTensor

/// How sentences are generated: greedy (beam 1) or beam search, the length cap, the length
/// penalty, optional sampling, and the benchmark's EOS switch.
public struct DecodingOptions: Sendable, Equatable {
    /// Hypotheses kept per sentence; 1 = greedy.
    public var beam = 1
    /// Each output is capped at Int(ratio × source tokens) + `lengthSlack` generated tokens
    /// (the reference's int(1.5·n_src)+10).
    public var maxLengthRatio = 1.5
    public var lengthSlack = 10
    /// fairseq's length penalty: a finished hypothesis scores log P / length^α (length
    /// counting `</s>`); 0 = no normalisation, 1 = per-token average.
    public var lengthPenalty = 1.0
    /// Never stop on `</s>` (its logit is −∞): every sentence runs to its cap, as the
    /// decoding benchmark needs for fixed work.
    public var ignoreEOS = false
    /// Sample (greedy only) from the `sampleTopK` most likely tokens at `temperature`
    /// instead of taking the most likely; 0 = off.
    public var sampleTopK = 0
    public var temperature: Float = 1
    public var seed: UInt64 = 0
    /// Mask-predict: decoder passes (K).
    public var iterations = 10
    /// Vanilla NAT and mask-predict: candidate lengths decoded per sentence (L).
    public var lengthBeam = 3
    /// CTC: prefixes kept by prefix beam search; 1 = the best path collapsed (one pass, no search).
    public var ctcBeam = 1

    public init() {}

    /// Generated tokens allowed for a source of `sourceTokens` ids (specials excluded).
    public func cap(sourceTokens: Int) -> Int { Int(maxLengthRatio * Double(sourceTokens)) + lengthSlack }
}
