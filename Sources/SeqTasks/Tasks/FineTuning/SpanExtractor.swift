import Foundation
import SeqCore
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// An extractive reader at work: [CLS] question [SEP] context-window [SEP], the context cut
/// into windows of at most `maxLength` tokens sharing `docStride` tokens, start and end
/// logits per token, the best span found by n-best decoding over every window and mapped
/// back to the original context through the tokens' offsets.
public final class SpanExtractor {
    public let model: BertForQuestionAnswering
    public let tokenizer: Tokenizer
    let windowing: Tokenizer
    public let maxLength: Int
    public let docStride: Int
    public let maxAnswerLength: Int
    /// Candidates per window for the start and for the end (transformers' n_best_size).
    public var nBest = 20
    /// Questions longer than this many tokens are cut (so a window keeps room for context).
    public let maxQuestionTokens = 64
    public let padID: Int32

    public init(model: BertForQuestionAnswering, tokenizer: Tokenizer, maxLength: Int, docStride: Int, maxAnswerLength: Int) {
        self.model = model
        self.maxLength = min(maxLength, model.config.maxPositions)
        self.docStride = min(docStride, self.maxLength / 2)
        self.maxAnswerLength = maxAnswerLength
        self.tokenizer = tokenizer.with(truncation: nil, padding: nil)
        windowing = tokenizer.with(truncation: Truncation(maxLength: self.maxLength, strategy: .onlySecond, stride: self.docStride), padding: nil)
        padID = tokenizer.id(of: "[PAD]") ?? Int32(model.config.padTokenID)
    }

    /// One window: its tokens, and for each token its span in the context (nil outside it).
    public struct Window: Sendable {
        public var ids: [Int32]
        public var typeIDs: [Int32]
        public var context: [Encoding.Offset?]
    }

    /// The question, cut to `maxQuestionTokens` tokens.
    func shortened(_ question: String) -> String {
        let e = tokenizer.encode(question, addSpecialTokens: false)
        guard e.count > maxQuestionTokens else { return question }
        let end = e.offsets[maxQuestionTokens - 1].end
        return String(String.UnicodeScalarView(question.unicodeScalars.prefix(end)))
    }

    public func windows(question: String, context: String) -> [Window] {
        let e = windowing.encode(shortened(question), pair: context)
        return ([e] + e.overflowing).map { w in
            Window(ids: w.ids, typeIDs: w.typeIds, context: w.offsets.indices.map { w.sequenceIds[$0] == 1 ? w.offsets[$0] : nil })
        }
    }

    /// Training rows of one question: each window with, for every distinct reference answer,
    /// its start and end token, or [CLS] (0, 0) when that answer is not wholly inside the
    /// window (as transformers' run_qa does for its one answer) — targets [s₁, e₁, s₂, e₂, …].
    /// Questions annotated by several people (SQuAD's dev set, SQuADShifts) disagree on span
    /// boundaries; training on every answer at once (the loss averages over them) teaches the
    /// spread instead of one annotator's choice, at the cost of one forward pass.
    public func trainingFeatures(_ example: SQuADExample) -> [FineTuningFeature] {
        var seen = Set<SQuADExample.Answer>()
        let answers = example.answers.filter { seen.insert($0).inserted }
        guard !answers.isEmpty else { return [] }
        return windows(question: example.question, context: example.context).map { w in
            let inside = w.context.indices.filter { w.context[$0] != nil }
            let targets = answers.flatMap { Self.tokenSpan(of: $0, inside: inside, context: w.context) ?? [0, 0] }
            return FineTuningFeature(ids: w.ids, typeIDs: w.typeIDs, targets: targets)
        }
    }

    /// The first and last token of `answer` when it lies wholly inside the window whose
    /// context tokens are `inside`; nil otherwise.
    static func tokenSpan(of answer: SQuADExample.Answer, inside: [Int], context: [Encoding.Offset?]) -> [Int32]? {
        let startChar = answer.start, endChar = answer.start + answer.text.unicodeScalars.count
        guard let first = inside.first, let last = inside.last, context[first]!.start <= startChar, context[last]!.end >= endChar,
              let s = inside.first(where: { context[$0]!.end > startChar }),
              let e = inside.last(where: { context[$0]!.start < endChar }), e >= s else { return nil }
        return [Int32(s), Int32(e)]
    }

    /// A predicted answer: its text, its span in the context (Unicode scalars), and its
    /// score (start logit + end logit).
    public struct Answer: Sendable, Equatable {
        public var text: String
        public var start: Int
        public var end: Int
        public var score: Float
    }

    /// The best span of each (question, context), in order.
    public func answer(_ items: [(question: String, context: String)], batchSize: Int = 32) -> [Answer] {
        var windows: [(item: Int, window: Window)] = []
        for (i, item) in items.enumerated() {
            for w in self.windows(question: item.question, context: item.context) { windows.append((i, w)) }
        }
        var logits = [(start: [Float], end: [Float])](repeating: ([], []), count: windows.count)
        for members in inferenceBatches(lengths: windows.map(\.window.ids.count), batchSize: batchSize) {
            let rows = members.map { FineTuningFeature(ids: windows[$0].window.ids, typeIDs: windows[$0].window.typeIDs, targets: []) }
            let T = rows.map(\.ids.count).max() ?? 0
            let (s, e) = withoutGradients { model.logits(BertBatch.padding(rows, to: T, padID: padID), context: .evaluation()) }
            let ss = s.scalars, es = e.scalars
            for (r, m) in members.enumerated() { logits[m] = (Array(ss[(r * T)..<(r * T + T)]), Array(es[(r * T)..<(r * T + T)])) }
        }
        var best = [Answer?](repeating: nil, count: items.count)
        for (k, (item, window)) in windows.enumerated() {
            guard let span = Self.bestSpan(start: logits[k].start, end: logits[k].end, context: window.context,
                                           nBest: nBest, maxAnswerLength: maxAnswerLength) else { continue }
            if let b = best[item], b.score >= span.score { continue }
            let scalars = Array(items[item].context.unicodeScalars)
            let text = String(String.UnicodeScalarView(scalars[span.start..<span.end]))
            best[item] = Answer(text: text, start: span.start, end: span.end, score: span.score)
        }
        return best.map { $0 ?? Answer(text: "", start: 0, end: 0, score: -.infinity) }
    }

    /// n-best decoding of one window: the `nBest` highest start and end logits among context
    /// tokens, pairs with start ≤ end and at most `maxAnswerLength` tokens, the highest
    /// start + end; returned as a character span of the context.
    public static func bestSpan(start: [Float], end: [Float], context: [Encoding.Offset?], nBest: Int,
                                maxAnswerLength: Int) -> (start: Int, end: Int, score: Float)? {
        let candidates = context.indices.filter { $0 < start.count && context[$0] != nil }
        let starts = candidates.sorted { (start[$0], -$0) > (start[$1], -$1) }.prefix(nBest)
        let ends = candidates.sorted { (end[$0], -$0) > (end[$1], -$1) }.prefix(nBest)
        var best: (start: Int, end: Int, score: Float)?
        for s in starts {
            for e in ends where e >= s && e - s + 1 <= maxAnswerLength {
                let score = start[s] + end[e]
                if best == nil || score > best!.score { best = (context[s]!.start, context[e]!.end, score) }
            }
        }
        return best
    }
}

/// Extractive QA: (CE(start) + CE(end)) / 2 per window, averaged over the window's reference
/// answers (a soft target putting 1/k on each of k answers' tokens: with one answer, the plain
/// cross-entropy), mean over the step's windows; dev exact match and F1 (0–100) as the
/// official SQuAD v1.1 script computes them.
public final class QuestionAnsweringObjective: FineTuningObjective {
    public let reader: SpanExtractor
    public let dev: [SQuADExample]
    public var model: BertForQuestionAnswering { reader.model }
    public var selection: MetricSelection { MetricSelection(metric: "f1", higherIsBetter: true) }

    public init(reader: SpanExtractor, dev: [SQuADExample]) {
        self.reader = reader
        self.dev = dev
    }

    public func normalizers(of rows: [FineTuningFeature]) -> [String: Double] { ["sequences": Double(rows.count)] }

    /// Target distributions [B, T] over start (`which` 0) or end (1) tokens: 1/k on each of
    /// a row's k answers.
    static func softTargets(_ rows: [FineTuningFeature], length T: Int, which: Int) -> Tensor {
        var q = [Float](repeating: 0, count: rows.count * T)
        for (r, row) in rows.enumerated() {
            let k = row.targets.count / 2
            for j in 0..<k { q[r * T + Int(row.targets[2 * j + which])] += 1 / Float(k) }
        }
        return Tensor(shape: [rows.count, T], scalars: q)
    }

    public func loss(_ batch: BertBatch, rows: [FineTuningFeature], totals: [String: Double], context: ForwardContext) -> TaskLoss {
        let n = max(totals["sequences"] ?? 1, 1)
        let (s, e) = model.logits(batch, context: context)
        let loss: Tensor
        // One answer per window (SQuAD's training set): the fused cross-entropy, cheaper and
        // bit-identical to what single-answer runs always computed.
        if rows.allSatisfy({ $0.targets.count == 2 }) {
            loss = (s.crossEntropy(targets: rows.map { $0.targets[0] }, divisor: Float(n))
                    + e.crossEntropy(targets: rows.map { $0.targets[1] }, divisor: Float(n))) * 0.5
        } else {
            let qs = Self.softTargets(rows, length: batch.length, which: 0), qe = Self.softTargets(rows, length: batch.length, which: 1)
            loss = ((s.logSoftmax(axis: -1) * qs).sum() + (e.logSoftmax(axis: -1) * qe).sum()) * (-0.5 / Float(n))
        }
        // A window counts as right when its predicted span is any of its reference spans.
        let predictedStarts = s.argmax(axis: -1), predictedEnds = e.argmax(axis: -1)
        let correct = rows.indices.reduce(0) { sum, r in
            let t = rows[r].targets
            let hit = stride(from: 0, to: t.count, by: 2).contains { predictedStarts[r] == t[$0] && predictedEnds[r] == t[$0 + 1] }
            return sum + (hit ? 1 : 0)
        }
        return TaskLoss(loss: loss, terms: [LossTerm("span", sum: Double(loss.item) * n, normalizer: "sequences")],
                        counts: ["correct": Double(correct)], tokens: rows.reduce(0) { $0 + $1.ids.count })
    }

    public func evaluate(parallel: DataParallel, reducer: GradientReducer) throws -> [String: Double]? {
        guard !dev.isEmpty else { return nil }
        let mine = Array(dev[parallel.share(of: dev.count)])
        let answers = reader.answer(mine.map { ($0.question, $0.context) })
        var em = 0.0, f1 = 0.0
        for (q, a) in zip(mine, answers) {
            let r = SQuADScore.score(prediction: a.text, groundTruths: q.answers.map(\.text))
            em += r.exactMatch
            f1 += r.f1
        }
        let t = reducer.sum([em, f1, Double(mine.count)])
        return ["exact_match": t[2] > 0 ? 100 * t[0] / t[2] : 0, "f1": t[2] > 0 ? 100 * t[1] / t[2] : 0, "examples": t[2]]
    }
}
