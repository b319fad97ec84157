import Foundation
import SeqModels
import SeqNN
import SeqTensor

/// Beam search as fairseq (and the PyTorch reference) does it, on the KV cache: each step
/// scores every live hypothesis's extensions, keeps the best 2k candidates per sentence;
/// a `</s>` among the first k finishes a hypothesis with score / length^α; the first k
/// others live on. A sentence is done when it has k finished hypotheses, or at its cap
/// (its live hypotheses are then finished as they stand); done sentences leave the batch.
/// With `ignoreEOS`, the k best extensions live on and the best at the cap wins.
public enum BeamSearch {
    struct Hypothesis {
        var tokens: [Int32]
        var score: Float
    }

    public static func run(_ model: Translator, sources: [[Int32]], options: DecodingOptions) -> [[Int32]] {
        guard !sources.isEmpty else { return [] }
        let k = max(1, options.beam)
        return withoutGradients {
            let eos = TranslationVocabulary.eos
            let start = DecodingStart(model, sources: sources, options: options)
            let (encoded, caps, caches) = (start.encoded, start.caps, start.caches)
            var beams = sources.map { _ in [Hypothesis(tokens: [], score: 0)] }
            var finished = sources.map { _ in [(score: Double, tokens: [Int32])]() }
            var live = Array(sources.indices)
            var tokens = [Int32](repeating: TranslationVocabulary.bos, count: sources.count)
            var position = 0
            func normalised(_ score: Float, length: Int) -> Double {
                Double(score) / pow(Double(max(length, 1)), options.lengthPenalty)
            }
            while !live.isEmpty {
                var logits = model.step(tokens, position: position, source: encoded, caches: caches)
                position += 1
                let R = logits.shape[0], V = logits.shape[1]
                var rows: [Int32] = [], nextTokens: [Int32] = [], nextLive: [Int] = []
                logits.withUnsafeMutableBufferPointer { buf in
                    let scored = StepScores.candidates(buf.baseAddress!, rows: R, V, forbidEOS: options.ignoreEOS,
                                                       width: options.ignoreEOS ? k : 2 * k)
                    var firstRow = 0
                    for s in live {
                        let hyps = beams[s]
                        var candidates: [(score: Float, beam: Int, token: Int32)] = []
                        for (j, h) in hyps.enumerated() {
                            let lse = scored.logSumExp[firstRow + j]
                            for c in scored.top(firstRow + j) {
                                candidates.append((h.score + c.value - lse, j, c.index))
                            }
                        }
                        candidates.sort { $0.score > $1.score }
                        var alive: [(beam: Int, hypothesis: Hypothesis, token: Int32)] = []
                        for (rank, c) in candidates.prefix(options.ignoreEOS ? k : 2 * k).enumerated() {
                            if c.token == eos {
                                if rank < k { finished[s].append((normalised(c.score, length: hyps[c.beam].tokens.count + 1), hyps[c.beam].tokens)) }
                                continue
                            }
                            alive.append((c.beam, Hypothesis(tokens: hyps[c.beam].tokens + [c.token], score: c.score), c.token))
                            if alive.count == k { break }
                        }
                        if position >= caps[s] {
                            for a in alive { finished[s].append((normalised(a.hypothesis.score, length: a.hypothesis.tokens.count), a.hypothesis.tokens)) }
                        } else if finished[s].count < k && !alive.isEmpty {
                            nextLive.append(s)
                            beams[s] = alive.map(\.hypothesis)
                            for a in alive {
                                rows.append(Int32(firstRow + a.beam))
                                nextTokens.append(a.token)
                            }
                        }
                        firstRow += hyps.count
                    }
                }
                if !nextLive.isEmpty { for cache in caches { cache.reorder(rows) } }
                live = nextLive
                tokens = nextTokens
            }
            return finished.map { f in f.max { $0.score < $1.score }?.tokens ?? [] }
        }
    }
}
