import SeqModels
import SeqNN
import SeqTensor

/// Noisy parallel decoding (Gu et al. 2018): a non-autoregressive model decodes N candidates
/// per sentence in parallel (its N most likely lengths), the autoregressive teacher scores
/// them all in one batched teacher-forced pass, and the candidate of the best mean teacher
/// log-probability per token (`</s>` included) is kept.
public enum NoisyParallelDecoding {
    public static func run(_ model: Translator, teacher: Translator, sources: [[Int32]], options: DecodingOptions) -> [[Int32]] {
        guard !sources.isEmpty else { return [] }
        let rows = model.config.decoder == .natCMLM ? MaskPredict.candidates(model, sources: sources, options: options)
            : OnePassDecoding.vanillaCandidates(model, sources: sources, options: options)
        let N = max(1, options.lengthBeam)
        let scores = teacherScores(teacher, sources: sources, candidates: rows.map(\.tokens), perSource: N)
        return MaskPredict.best(scores.map { [$0] }, beam: N).map { rows[$0].tokens }
    }

    /// Mean log P_teacher(candidate + `</s>` | source) per token; candidate rows come
    /// `perSource` consecutive rows per source.
    public static func teacherScores(_ teacher: Translator, sources: [[Int32]], candidates: [[Int32]], perSource N: Int) -> [Float] {
        precondition(candidates.count == sources.count * N, "\(candidates.count) candidates for \(sources.count) sources × \(N)")
        return withoutGradients {
            let source = TokenBatch.padding(sources.map { $0 + [TranslationVocabulary.eos] }, pad: TranslationVocabulary.pad)
            let memory = teacher.repeating(teacher.encode(source, context: .evaluation()), times: N)
            let input = TokenBatch.padding(candidates.map { [TranslationVocabulary.bos] + $0 }, pad: TranslationVocabulary.pad)
            let logProbs = teacher.decode(input, source: memory, context: .evaluation()).logSoftmax()
            let V = logProbs.shape[1], T = input.length
            return logProbs.withUnsafeBufferPointer { lp in
                candidates.enumerated().map { r, tokens in
                    let next = tokens + [TranslationVocabulary.eos]
                    var sum: Float = 0
                    for (t, id) in next.enumerated() { sum += lp[(r * T + t) * V + Int(id)] }
                    return sum / Float(next.count)
                }
            }
        }
    }
}
