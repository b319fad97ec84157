import Foundation
import SeqCore
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// A word tagger at work (POS): words joined by spaces are encoded with offsets, each
/// word's first subword carries its tag (loss and prediction there only, as in
/// transformers' token-classification examples), the other subwords and [CLS]/[SEP] -100.
public final class Tagger {
    public let model: BertForTokenClassification
    public let tokenizer: Tokenizer
    public let maxLength: Int
    public let padID: Int32

    public init(model: BertForTokenClassification, tokenizer: Tokenizer, maxLength: Int) {
        self.model = model
        self.maxLength = min(maxLength, model.config.maxPositions)
        self.tokenizer = tokenizer.with(truncation: Truncation(maxLength: self.maxLength), padding: nil)
        padID = tokenizer.id(of: "[PAD]") ?? Int32(model.config.padTokenID)
    }

    public var labels: [String] { model.labels }

    /// The encoding of `words` and, per word, the position of its first subword (nil when
    /// the word gave no token, e.g. past truncation or made only of characters the
    /// tokenizer drops).
    public func align(_ words: [String]) -> (ids: [Int32], typeIDs: [Int32], firstSubword: [Int?]) {
        // Only the words that reach the truncated encoding matter: encode a head of the
        // sentence, doubled until it fills the encoding or is the whole sentence. The
        // tokenizer splits at spaces, so a head's tokens are the whole sentence's first
        // tokens, and a huge line costs a few hundred words of work, not millions.
        var count = min(words.count, max(maxLength, 1))
        var (e, starts) = encode(words[..<count])
        while count < words.count && e.ids.count < maxLength {
            count = min(words.count, 2 * count)
            (e, starts) = encode(words[..<count])
        }
        var first = [Int?](repeating: nil, count: words.count)
        var word = 0
        for (t, offset) in e.offsets.enumerated() where e.sequenceIds[t] != nil && offset.end > offset.start {
            // The word whose span holds the token's start (words are in order, so scan on).
            while word + 1 < starts.count && starts[word + 1] <= offset.start { word += 1 }
            if first[word] == nil { first[word] = t }
        }
        return (e.ids, e.typeIds, first)
    }

    /// The words joined by spaces, encoded, and each word's first scalar offset.
    func encode(_ words: ArraySlice<String>) -> (Encoding, [Int]) {
        var text = "", starts: [Int] = [], scalars = 0
        for (i, w) in words.enumerated() {
            if i > 0 { text += " "; scalars += 1 }
            starts.append(scalars)
            text += w
            scalars += w.unicodeScalars.count
        }
        return (tokenizer.encode(text), starts)
    }

    /// Training rows: tag indices at first subwords; a tag not in the model's set is refused
    /// or skipped (the sentence) by `handler`.
    public func features(_ sentences: [TaggedSentence], path: String, handler: inout BadInputHandler) throws(InputProblem) -> [FineTuningFeature] {
        let index = Dictionary(labels.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
        var out: [FineTuningFeature] = []
        sentences: for s in sentences {
            let a = align(s.words)
            var targets = [Int32](repeating: -100, count: a.ids.count)
            for (w, tag) in s.tags.enumerated() {
                guard let k = index[tag] else {
                    try handler.reject(InputProblem(file: path, line: s.line + w, message: "UPOS tag '\(tag)' is not one of the model's tags (\(labels.joined(separator: " ")))"))
                    continue sentences
                }
                if let p = a.firstSubword[w] { targets[p] = k }
            }
            out.append(FineTuningFeature(ids: a.ids, typeIDs: a.typeIDs, targets: targets))
        }
        return out
    }

    /// The tag index of each word of each sentence, in order; -1 for a word with no token.
    public func tag(_ sentences: [[String]], batchSize: Int = 64) -> [[Int]] {
        let aligned = sentences.map(align)
        var out = [[Int]](repeating: [], count: sentences.count)
        for members in inferenceBatches(lengths: aligned.map(\.ids.count), batchSize: batchSize) {
            let rows = members.map { FineTuningFeature(ids: aligned[$0].ids, typeIDs: aligned[$0].typeIDs, targets: []) }
            let T = rows.map(\.ids.count).max() ?? 0
            let batch = BertBatch.padding(rows, to: T, padID: padID)
            let best = withoutGradients { model.logits(batch, context: .evaluation()).argmax(axis: -1) }
            for (row, m) in members.enumerated() {
                out[m] = aligned[m].firstSubword.map { p in p.map { Int(best[row * T + $0]) } ?? -1 }
            }
        }
        return out
    }
}

/// POS tagging: cross-entropy at first subwords, mean over the words of the step; dev
/// accuracy over words (a word the model cannot see, past truncation, counts as wrong).
public final class TaggingObjective: FineTuningObjective {
    public let tagger: Tagger
    public let dev: [TaggedSentence]
    public var model: BertForTokenClassification { tagger.model }
    public var selection: MetricSelection { MetricSelection(metric: "accuracy", higherIsBetter: true) }

    public init(tagger: Tagger, dev: [TaggedSentence]) {
        self.tagger = tagger
        self.dev = dev
    }

    public func normalizers(of rows: [FineTuningFeature]) -> [String: Double] {
        ["tokens": Double(rows.reduce(0) { $0 + $1.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } })]
    }

    public func loss(_ batch: BertBatch, rows: [FineTuningFeature], totals: [String: Double], context: ForwardContext) -> TaskLoss {
        let n = max(totals["tokens"] ?? 1, 1)
        var targets = [Int32](repeating: -100, count: batch.batchSize * batch.length)
        for (r, row) in rows.enumerated() { for (t, k) in row.targets.enumerated() { targets[r * batch.length + t] = k } }
        let logits = model.logits(batch, context: context)
        let loss = logits.crossEntropy(targets: targets, divisor: Float(n))
        let correct = zip(logits.argmax(axis: -1), targets).reduce(0) { $0 + ($1.1 >= 0 && $1.0 == $1.1 ? 1 : 0) }
        return TaskLoss(loss: loss, terms: [LossTerm("tagging", sum: Double(loss.item) * n, normalizer: "tokens")],
                        counts: ["correct": Double(correct)], tokens: rows.reduce(0) { $0 + $1.ids.count })
    }

    public func evaluate(parallel: DataParallel, reducer: GradientReducer) throws -> [String: Double]? {
        guard !dev.isEmpty else { return nil }
        let mine = Array(dev[parallel.share(of: dev.count)])
        let index = Dictionary(tagger.labels.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var correct = 0.0, words = 0.0
        for (s, predicted) in zip(mine, tagger.tag(mine.map(\.words))) {
            for (tag, p) in zip(s.tags, predicted) {
                words += 1
                if let k = index[tag], k == p { correct += 1 }
            }
        }
        let totals = reducer.sum([correct, words, Double(mine.count)])
        return ["accuracy": totals[1] > 0 ? totals[0] / totals[1] : 0, "words": totals[1], "examples": totals[2]]
    }
}
