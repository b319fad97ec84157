import Foundation
import SeqModels
import SeqText

/// Text in, text out: encodes lines, cuts over-long sources into pieces the model can
/// take, groups sentences of similar length into batches, runs greedy or beam search, and
/// puts the detokenized translations back in input order. An empty line gives an empty line.
public final class SentenceTranslator {
    public let model: Translator
    public let vocabulary: TranslationVocabulary
    public var options: DecodingOptions
    /// Sentences decoded together.
    public var batchSize: Int
    /// Longest source piece, in tokens: longer lines are translated in pieces of this many
    /// tokens and the translations joined with a space.
    public let pieceTokens: Int
    /// Noisy parallel decoding: the autoregressive model that scores a vanilla or
    /// mask-predict model's `options.lengthBeam` candidates (nil: their own mean log-probability).
    public var teacher: Translator?
    let encoder: LineEncoder

    public init(model: Translator, vocabulary: TranslationVocabulary, options: DecodingOptions = DecodingOptions(),
                batchSize: Int = 64, pieceTokens: Int = 200) {
        self.model = model
        self.vocabulary = vocabulary
        self.options = options
        self.batchSize = max(1, batchSize)
        // The source with its </s> and the target's cap must both fit the positions.
        let byCap = Int(Double(model.config.maxPositions - options.lengthSlack) / max(options.maxLengthRatio, 1))
        // CTC's decoder reads the source (with </s>) upsampled.
        let byUpsampling = model.config.decoder == .natCTC ? model.config.maxPositions / (model.config.upsample ?? 1) - 1 : Int.max
        self.pieceTokens = max(1, min(pieceTokens, model.config.maxPositions - 1, byCap, byUpsampling))
        encoder = vocabulary.source.makeLineEncoder()
    }

    /// Most pieces one line is translated in (20,000 tokens at the default piece size, a
    /// 10,000-word line whole); the rest of a longer line is left out, with a warning,
    /// since a 20 MB line would otherwise take hours. Its text is cut before encoding too.
    public static let maxPieces = 100

    /// What happened to a line too long for one pass.
    public enum LongLine: Equatable, Sendable {
        /// Translated whole, in this many pieces joined with a space.
        case split(pieces: Int)
        /// Only its first `keptTokens` source tokens were translated (in `maxPieces` pieces).
        case truncated(keptTokens: Int)
    }

    /// The source ids of a line in pieces of at most `pieceTokens`, and whether the line
    /// was cut short to `maxPieces` of them.
    public func pieces(of line: String) -> (pieces: [[Int32]], truncated: Bool) {
        let budget = pieceTokens * Self.maxPieces
        // Every source token covers at least one byte, and a BPE token rarely more than a
        // dozen: the head of a huge line is enough to fill the budget.
        let headBytes = budget * 16
        var text = line
        var cut = false
        if line.utf8.count > headBytes {
            let end = line.utf8.index(line.utf8.startIndex, offsetBy: headBytes)
            var head = line[..<end]
            if let space = head.lastIndex(where: { $0 == " " || $0 == "\t" }) { head = head[..<space] }
            text = String(head)
            cut = true
        }
        var ids = vocabulary.encodeSource(text, encoder: encoder)
        if ids.count > budget { ids.removeLast(ids.count - budget); cut = true }
        guard ids.count > pieceTokens else { return (ids.isEmpty ? [] : [ids], cut) }
        return (stride(from: 0, to: ids.count, by: pieceTokens).map { Array(ids[$0..<min(ids.count, $0 + pieceTokens)]) }, cut)
    }

    /// Translations of `lines`, in order; `longLine` hears of each line (by index) that was
    /// translated in pieces or cut short.
    public func translate(_ lines: [String], longLine: ((Int, LongLine) -> Void)? = nil) -> [String] {
        let cut = lines.map(pieces(of:))
        for (i, c) in cut.enumerated() {
            if c.truncated {
                longLine?(i, .truncated(keptTokens: c.pieces.reduce(0) { $0 + $1.count }))
            } else if c.pieces.count > 1 {
                longLine?(i, .split(pieces: c.pieces.count))
            }
        }
        let encoded = cut.map(\.pieces)
        let outputs = translate(ids: encoded.flatMap { $0 })
        var next = 0
        return encoded.map { p in
            defer { next += p.count }
            return outputs[next..<(next + p.count)].map(vocabulary.decodeTarget).filter { !$0.isEmpty }.joined(separator: " ")
        }
    }

    /// Generated ids for each source (ids without specials), batching sources of similar
    /// length together.
    public func translate(ids sources: [[Int32]]) -> [[Int32]] {
        var out = [[Int32]](repeating: [], count: sources.count)
        let order = sources.indices.sorted { (sources[$0].count, $0) < (sources[$1].count, $1) }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let chunk = Array(order[start..<min(order.count, start + batchSize)])
            for (i, ids) in zip(chunk, decode(chunk.map { sources[$0] })) { out[i] = ids }
        }
        return out
    }

    /// One batch, in the order given (no sorting): the decoding benchmark's batches.
    public func decode(_ batch: [[Int32]]) -> [[Int32]] {
        if let teacher, model.config.predictsLength {
            return NoisyParallelDecoding.run(model, teacher: teacher, sources: batch, options: options)
        }
        return switch model.config.decoder {
        case .autoregressive:
            options.beam > 1 ? BeamSearch.run(model, sources: batch, options: options)
                : GreedySearch.run(model, sources: batch, options: options)
        case .natCMLM: MaskPredict.run(model, sources: batch, options: options)
        case .natVanilla: OnePassDecoding.vanilla(model, sources: batch, options: options)
        case .natCTC: OnePassDecoding.ctc(model, sources: batch, options: options)
        }
    }
}
