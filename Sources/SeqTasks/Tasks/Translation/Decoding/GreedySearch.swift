import Foundation
import SeqModels
import SeqNN
import SeqTensor

/// Greedy (or top-k sampled) decoding of a batch of sentences on the KV cache: one token
/// per sentence per step; a sentence leaves the batch (its cache rows dropped) as soon as
/// it emits `</s>` or reaches its cap, so later steps only compute unfinished rows.
public enum GreedySearch {
    /// `sources`: ids without specials (`</s>` is appended here). Returns the generated ids
    /// of each sentence, `</s>` excluded.
    public static func run(_ model: Translator, sources: [[Int32]], options: DecodingOptions) -> [[Int32]] {
        guard !sources.isEmpty else { return [] }
        return withoutGradients {
            let eos = TranslationVocabulary.eos
            let start = DecodingStart(model, sources: sources, options: options)
            let (encoded, caps, caches) = (start.encoded, start.caps, start.caches)
            var active = Array(sources.indices)
            var tokens = [Int32](repeating: TranslationVocabulary.bos, count: sources.count)
            var out = [[Int32]](repeating: [], count: sources.count)
            var generator = RandomGenerator(seed: options.seed)
            var position = 0
            while !active.isEmpty {
                var logits = model.step(tokens, position: position, source: encoded, caches: caches)
                position += 1
                let V = logits.shape[1]
                var keep: [Int32] = [], next: [Int32] = []
                logits.withUnsafeMutableBufferPointer { buf in
                    let best = options.sampleTopK > 0 ? []
                        : StepScores.argmaxRows(buf.baseAddress!, rows: active.count, V, forbidEOS: options.ignoreEOS)
                    for (i, row) in active.enumerated() {
                        let token: Int32
                        if options.sampleTopK > 0 {
                            let p = buf.baseAddress! + i * V
                            StepScores.forbid(p, eos: options.ignoreEOS)
                            token = sample(p, V, topK: options.sampleTopK, temperature: options.temperature, generator: &generator)
                        } else {
                            token = best[i]
                        }
                        if token != eos { out[row].append(token) }
                        if token != eos && out[row].count < caps[row] {
                            keep.append(Int32(i))
                            next.append(token)
                        }
                    }
                }
                if keep.count < active.count && !keep.isEmpty {
                    for cache in caches { cache.reorder(keep) }
                }
                active = keep.map { active[Int($0)] }
                tokens = next
            }
            return out
        }
    }

    /// A token drawn from the `topK` most likely at `temperature`.
    static func sample(_ row: UnsafePointer<Float>, _ V: Int, topK: Int, temperature: Float,
                       generator: inout RandomGenerator) -> Int32 {
        let best = StepScores.top(row, V, topK)
        guard let first = best.first else { return TranslationVocabulary.eos }
        let weights = best.map { Foundation.exp(($0.value - first.value) / max(temperature, 1e-6)) }
        var u = generator.nextFloat() * weights.reduce(0, +)
        for (w, c) in zip(weights, best) {
            u -= w
            if u <= 0 { return c.index }
        }
        return best.last!.index
    }
}
