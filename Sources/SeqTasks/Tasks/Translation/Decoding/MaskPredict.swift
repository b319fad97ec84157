import SeqModels
import SeqNN
import SeqTensor

/// Mask-predict decoding (Ghazvininejad et al. 2019; fairseq's cmlm `iterative_refinement`):
/// for each sentence, the L most likely lengths; each candidate starts fully masked; pass t
/// of K predicts every masked position, then the n = ⌊len·(K−t)/K⌋ least confident positions
/// are masked again (linear decay, none after the last pass); the candidate with the best
/// mean token log-probability is kept. All candidates of a batch go through the decoder
/// together, one forward per pass.
public enum MaskPredict {
    /// One position's prediction: the most likely allowed token and its log-probability.
    public typealias Prediction = (token: Int32, logProb: Float)

    /// The refinement loop over candidates of `lengths` (each ≥ 1). `predict` maps the
    /// decoder input (rows padded with `pad`, masked positions holding `mask`) and the flat
    /// positions (row·T + position) of the masked tokens to one prediction per masked
    /// position, in that order: only those need the output projection. `remasked` sees, after
    /// each pass but the last, the positions masked again in each row. Returns each row's
    /// tokens and log-probabilities.
    public static func refine(lengths: [Int], iterations K: Int, mask: Int32, pad: Int32,
                              predict: (TokenBatch, _ positions: [Int32]) -> [Prediction],
                              remasked: ((_ pass: Int, _ positions: [[Int]]) -> Void)? = nil) -> [(tokens: [Int32], scores: [Float])] {
        precondition(K >= 1 && lengths.allSatisfy { $0 >= 1 }, "mask-predict needs ≥ 1 pass and lengths ≥ 1")
        var tokens = lengths.map { [Int32](repeating: mask, count: $0) }
        var scores = lengths.map { [Float](repeating: 0, count: $0) }
        var masked = lengths.map { Array(0..<$0) }
        for pass in 1...K {
            let input = TokenBatch.padding(tokens, pad: pad)
            let positions = masked.enumerated().flatMap { r, ps in ps.map { Int32(r * input.length + $0) } }
            let predictions = predict(input, positions)
            var next = 0
            for r in tokens.indices {
                for p in masked[r] {
                    tokens[r][p] = predictions[next].token
                    scores[r][p] = predictions[next].logProb
                    next += 1
                }
            }
            if pass == K { break }
            masked = lengths.indices.map { r in leastConfident(scores[r], count: lengths[r] * (K - pass) / K) }
            // Nothing left to re-predict in any row: later passes would change nothing.
            if masked.allSatisfy(\.isEmpty) { break }
            for r in tokens.indices { for p in masked[r] { tokens[r][p] = mask } }
            remasked?(pass, masked)
        }
        return zip(tokens, scores).map { ($0, $1) }
    }

    /// The `count` positions of lowest score (ties: the earlier position), ascending.
    public static func leastConfident(_ scores: [Float], count: Int) -> [Int] {
        Array(scores.indices.sorted { (scores[$0], $0) < (scores[$1], $1) }.prefix(count)).sorted()
    }

    /// For each sentence (candidates `beam` consecutive rows), the row of the best mean
    /// log-probability (ties: the first).
    public static func best(_ scores: [[Float]], beam: Int) -> [Int] {
        stride(from: 0, to: scores.count, by: beam).map { start in
            var bestRow = start, bestMean = -Float.infinity
            for r in start..<min(scores.count, start + beam) {
                let mean = scores[r].reduce(0, +) / Float(max(scores[r].count, 1))
                if mean > bestMean { bestMean = mean; bestRow = r }
            }
            return bestRow
        }
    }

    /// Translations of `sources` (ids without specials) by a mask-predict model.
    public static func run(_ model: Translator, sources: [[Int32]], options: DecodingOptions) -> [[Int32]] {
        let rows = candidates(model, sources: sources, options: options)
        return best(rows.map(\.scores), beam: max(1, options.lengthBeam)).map { rows[$0].tokens }
    }

    /// Every candidate: `options.lengthBeam` consecutive rows per sentence.
    public static func candidates(_ model: Translator, sources: [[Int32]], options: DecodingOptions) -> [(tokens: [Int32], scores: [Float])] {
        guard !sources.isEmpty else { return [] }
        let L = max(1, options.lengthBeam)
        return withoutGradients {
            let start = NATStart(model, sources: sources, options: options, lengthBeam: L)
            let memory = model.repeating(start.encoded, times: L)
            let mask = Int32(model.config.maskID ?? model.config.bosID)
            return refine(lengths: start.lengths, iterations: max(1, options.iterations), mask: mask, pad: TranslationVocabulary.pad) { input, positions in
                NATStart.predictions(model.decodeParallel(input, source: memory, outputRows: positions, context: .evaluation()),
                                     forbidden: [mask])
            }
        }
    }
}
