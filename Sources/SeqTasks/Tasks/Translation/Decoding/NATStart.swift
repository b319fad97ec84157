import Foundation
import SeqCore
import SeqModels
import SeqNN
import SeqTensor

/// What the non-autoregressive decoders begin with: the sources encoded once (each +
/// `</s>`, padded), each sentence's cap, and — for the models with a length predictor — the
/// `lengthBeam` candidate lengths of each sentence (consecutive rows), clamped to 1...cap so
/// that a predicted 0 or a length beyond the cap never reaches the decoder.
struct NATStart {
    let source: TokenBatch
    let encoded: EncodedSource
    let caps: [Int]
    /// [B·lengthBeam] candidate lengths (empty for CTC).
    let lengths: [Int]

    init(_ model: Translator, sources: [[Int32]], options: DecodingOptions, lengthBeam: Int) {
        source = TokenBatch.padding(sources.map { $0 + [TranslationVocabulary.eos] }, pad: TranslationVocabulary.pad)
        encoded = model.encode(source, context: .evaluation())
        caps = sources.map { max(1, min(options.cap(sourceTokens: $0.count), model.config.maxPositions)) }
        guard model.config.predictsLength else { lengths = []; return }
        if options.ignoreEOS {
            // The benchmark's fixed work: the caps the autoregressive rows generate, downwards.
            lengths = caps.flatMap { cap in (0..<lengthBeam).map { max(1, cap - $0) } }
            return
        }
        let logits = model.lengthLogits(encoded, sourceValid: source.valid)
        let classes = logits.shape[1]
        let values = logits.scalars
        lengths = caps.enumerated().flatMap { b, cap in
            Self.candidates(Array(values[(b * classes)..<((b + 1) * classes)]), beam: lengthBeam, cap: cap)
        }
    }

    /// The `beam` most likely lengths (ties: the shorter), each clamped to 1...cap.
    static func candidates(_ scores: [Float], beam: Int, cap: Int) -> [Int] {
        let order = scores.indices.sorted { (scores[$0], -$0) > (scores[$1], -$1) }
        return (0..<beam).map { k in min(max(order[min(k, order.count - 1)], 1), cap) }
    }

    /// Per row of `logits` [R, V]: the most likely token other than `<pad>`, `</s>` and
    /// `forbidden` (never targets of a NAT decoder), with its log-probability — or 0 without
    /// `logProbs`: one-pass decoders that choose nothing by score skip the softmax, which
    /// costs about as much as the output projection.
    static func predictions(_ logits: Tensor, forbidden: [Int32], logProbs: Bool = true) -> [MaskPredict.Prediction] {
        let V = logits.shape[1], R = logits.shape[0]
        var out = [MaskPredict.Prediction](repeating: (0, 0), count: R)
        var allowed = [Bool](repeating: true, count: V)
        for id in [TranslationVocabulary.pad, TranslationVocabulary.eos] + forbidden where Int(id) < V { allowed[Int(id)] = false }
        let permitted = allowed
        logits.withUnsafeBufferPointer { z in
            let zp = SendablePointer(UnsafeMutablePointer(mutating: z.baseAddress!))
            out.withUnsafeMutableBufferPointer { o in
                let op = SendablePointer(o.baseAddress!)
                permitted.withUnsafeBufferPointer { a in
                    let ap = a.baseAddress!
                    let allowedPointer = SendablePointer(UnsafeMutablePointer(mutating: ap))
                    parallelFor(R, grain: 16) { rows in
                        for r in rows {
                            let row = zp.p + r * V
                            // The row's first maximum is the answer unless it is a token
                            // never generated (rare): then the scalar scan over allowed ids.
                            var best = Kernels.rowArgmax(row, count: V)
                            var bestValue = row[best]
                            if !allowedPointer.p[best] {
                                best = -1
                                bestValue = -Float.infinity
                                for j in 0..<V where row[j] > bestValue && allowedPointer.p[j] { best = j; bestValue = row[j] }
                            }
                            guard logProbs else { op.p[r] = (Int32(max(best, 0)), 0); continue }
                            op.p[r] = (Int32(max(best, 0)), bestValue - Kernels.rowLogSumExp(row, count: V))
                        }
                    }
                }
            }
        }
        return out
    }
}

/// One-pass decoders: vanilla NAT (the source copied uniformly to each candidate length,
/// the candidate of best mean log-probability kept) and CTC (the source upsampled, the best
/// token per position, repeats merged and blanks dropped; or, with `ctcBeam` > 1, CTC prefix
/// beam search).
public enum OnePassDecoding {
    public static func vanilla(_ model: Translator, sources: [[Int32]], options: DecodingOptions) -> [[Int32]] {
        // One candidate length needs no scores to choose by.
        let rows = vanillaCandidates(model, sources: sources, options: options, scored: options.lengthBeam > 1)
        return MaskPredict.best(rows.map(\.scores), beam: max(1, options.lengthBeam)).map { rows[$0].tokens }
    }

    /// Every candidate of vanilla NAT: `options.lengthBeam` consecutive rows per sentence.
    public static func vanillaCandidates(_ model: Translator, sources: [[Int32]], options: DecodingOptions,
                                         scored: Bool = true) -> [(tokens: [Int32], scores: [Float])] {
        guard !sources.isEmpty else { return [] }
        let L = max(1, options.lengthBeam)
        return withoutGradients {
            let start = NATStart(model, sources: sources, options: options, lengthBeam: L)
            let inputs = start.lengths.enumerated().map { r, n in
                SourceCopy.uniform(sources[r / L] + [TranslationVocabulary.eos], targetLength: n)
            }
            let input = TokenBatch.padding(inputs, pad: TranslationVocabulary.pad)
            // Rows are right-padded, so the real positions come row by row, n of each.
            let logits = model.decodeParallel(input, source: model.repeating(start.encoded, times: L), fromSource: true,
                                              outputRows: Translator.realRows(input), context: .evaluation())
            let p = NATStart.predictions(logits, forbidden: [Int32(model.config.bosID)], logProbs: scored)
            var next = 0
            return start.lengths.map { n in
                defer { next += n }
                let row = p[next..<(next + n)]
                return (row.map(\.token), row.map(\.logProb))
            }
        }
    }

    public static func ctc(_ model: Translator, sources: [[Int32]], options: DecodingOptions) -> [[Int32]] {
        guard !sources.isEmpty else { return [] }
        return withoutGradients {
            let start = NATStart(model, sources: sources, options: options, lengthBeam: 1)
            let ratio = model.config.upsample ?? 2, blank = Int32(model.config.blankID ?? model.config.bosID)
            let input = TokenBatch.padding(sources.map { SourceCopy.upsampled($0 + [TranslationVocabulary.eos], ratio: ratio) },
                                           pad: TranslationVocabulary.pad)
            let logits = model.decodeParallel(input, source: start.encoded, fromSource: true, outputRows: Translator.realRows(input),
                                              context: .evaluation())
            let counts = sources.indices.map { b in input.valid[(b * input.length)..<((b + 1) * input.length)].reduce(0) { $0 + Int($1) } }
            if options.ctcBeam > 1 {
                return prefixBeam(logits, rows: counts, blank: blank, beam: options.ctcBeam).enumerated().map { b, tokens in
                    Array(tokens.prefix(start.caps[b]))
                }
            }
            let p = NATStart.predictions(logits, forbidden: [], logProbs: false)
            var next = 0
            return sources.indices.map { b in
                let n = counts[b]
                defer { next += n }
                return Array(collapse(p[next..<(next + n)].map(\.token), blank: blank).prefix(start.caps[b]))
            }
        }
    }

    /// CTC prefix beam search of each sentence, whose `rows[b]` positions follow each other
    /// in `logits` [ΣT, V]; `<pad>` and `</s>` are never emitted, as in the greedy collapse.
    static func prefixBeam(_ logits: Tensor, rows: [Int], blank: Int32, beam: Int) -> [[Int32]] {
        let V = logits.shape[1]
        var normalized = [Float](repeating: 0, count: logits.shape[0] * V)
        logits.withUnsafeBufferPointer { x in normalized.withUnsafeMutableBufferPointer { y in
            Kernels.logSoftmaxForward(x.baseAddress!, y.baseAddress!, rows: logits.shape[0], cols: V)
        } }
        let logProbs = normalized
        let offsets = rows.reduce(into: [0]) { $0.append($0.last! + $1) }
        var out = [[Int32]](repeating: [], count: rows.count)
        let forbidden: Set<Int32> = [TranslationVocabulary.pad, TranslationVocabulary.eos]
        out.withUnsafeMutableBufferPointer { o in
            let op = SendablePointer(o.baseAddress!)
            parallelFor(rows.count) { sentences in
                for b in sentences {
                    op.p[b] = CTCPrefixBeam.search(logProbs: Array(logProbs[(offsets[b] * V)..<(offsets[b + 1] * V)]),
                                                   positions: rows[b], vocabulary: V, blank: blank, beam: beam,
                                                   forbidden: forbidden).tokens
                }
            }
        }
        return out
    }

    /// CTC's collapse: repeated neighbours merged, then blanks dropped.
    public static func collapse(_ path: [Int32], blank: Int32) -> [Int32] {
        var out: [Int32] = [], previous: Int32? = nil
        for id in path {
            if id != previous && id != blank { out.append(id) }
            previous = id
        }
        return out
    }
}
