import Foundation

/// Corpus BLEU exactly as sacreBLEU's default `BLEU().corpus_score(hyps, [refs])`
/// (sacrebleu 2.x `metrics/bleu.py`): one reference per line, each line `rstrip()`ped and
/// tokenized with `Tokenizer13a`, case kept, n-grams up to 4 with counts clipped by the
/// reference, statistics summed over the corpus, then the brevity penalty and the geometric
/// mean of the four precisions with "exp" smoothing (mteval-v13a's: the k-th order with no
/// match counts as 1 / 2^k matches), effective order off.
///
/// Signature: `BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:seq`.
public enum BLEU {
    public static let maxOrder = 4
    public static let signature = "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:seq"

    /// A line's sufficient statistics; a corpus adds them up.
    public struct Statistics: Sendable, Equatable {
        /// Tokens in the hypothesis, and in the reference.
        public var sysLen = 0
        public var refLen = 0
        /// Per order 1...4: clipped n-gram matches, and n-grams in the hypothesis.
        public var correct = [Int](repeating: 0, count: BLEU.maxOrder)
        public var total = [Int](repeating: 0, count: BLEU.maxOrder)

        public init() {}

        public static func += (a: inout Statistics, b: Statistics) {
            a.sysLen += b.sysLen
            a.refLen += b.refLen
            for n in 0..<BLEU.maxOrder {
                a.correct[n] += b.correct[n]
                a.total[n] += b.total[n]
            }
        }
    }

    /// What sacreBLEU's `BLEUScore` reports.
    public struct Score: Sendable, Equatable {
        /// 0...100.
        public var score: Double
        /// Per order, in percent; a smoothed value where an order had no match.
        public var precisions: [Double]
        /// Brevity penalty: 1 when the hypotheses are at least as long as the references.
        public var bp: Double
        public var sysLen: Int
        public var refLen: Int
        public var counts: [Int]
        public var totals: [Int]
    }

    /// The statistics of one hypothesis against one reference.
    public static func statistics(hypothesis: String, reference: String) -> Statistics {
        statistics(hypothesis: PythonText.scalars(hypothesis), reference: PythonText.scalars(reference))
    }

    static func statistics(hypothesis: [UInt32], reference: [UInt32]) -> Statistics {
        var vocabulary = TokenVocabulary()
        let hyp = vocabulary.ids(Tokenizer13a.tokenize(scalars: PythonText.rstripped(hypothesis)))
        let ref = vocabulary.ids(Tokenizer13a.tokenize(scalars: PythonText.rstripped(reference)))
        var stats = Statistics()
        stats.sysLen = hyp.count
        stats.refLen = ref.count
        for n in 1...maxOrder {
            let hypCounts = ngramCounts(hyp, order: n)
            guard !hypCounts.isEmpty else { continue }
            let refCounts = ngramCounts(ref, order: n)
            var correct = 0, total = 0
            for (gram, count) in hypCounts {
                total += count
                if let r = refCounts[gram] { correct += min(count, r) }
            }
            stats.correct[n - 1] = correct
            stats.total[n - 1] = total
        }
        return stats
    }

    /// sacreBLEU's `BLEU.compute_bleu` with smooth "exp", effective order off.
    public static func score(_ stats: Statistics) -> Score {
        let sysLen = stats.sysLen, refLen = stats.refLen
        var bp = 1.0
        if sysLen < refLen {
            bp = sysLen > 0 ? exp(1 - Double(refLen) / Double(sysLen)) : 0.0
        }
        var precisions = [Double](repeating: 0, count: maxOrder)
        if !stats.correct.contains(where: { $0 != 0 }) {
            return Score(score: 0, precisions: precisions, bp: bp, sysLen: sysLen, refLen: refLen,
                         counts: stats.correct, totals: stats.total)
        }
        var smoothMteval = 1.0
        for n in 0..<maxOrder {
            if stats.total[n] == 0 { break }
            if stats.correct[n] == 0 {
                smoothMteval *= 2
                precisions[n] = 100.0 / (smoothMteval * Double(stats.total[n]))
            } else {
                precisions[n] = 100.0 * Double(stats.correct[n]) / Double(stats.total[n])
            }
        }
        // Python's sum() from 0, left to right; my_log floors log(0) at -9999999999.
        var logSum = 0.0
        for p in precisions { logSum += p == 0 ? -9_999_999_999 : log(p) }
        let score = bp * exp(logSum / Double(maxOrder))
        return Score(score: score, precisions: precisions, bp: bp, sysLen: sysLen, refLen: refLen,
                     counts: stats.correct, totals: stats.total)
    }

    /// Corpus BLEU of `hypotheses` against `references`, line by line.
    public static func corpusScore(hypotheses: [String], references: [String]) -> Score {
        precondition(hypotheses.count == references.count, "one reference per hypothesis")
        var total = Statistics()
        for (h, r) in zip(hypotheses, references) { total += statistics(hypothesis: h, reference: r) }
        return score(total)
    }

    /// The sacreBLEU-style summary line: `BLEU|… = 41.8 70.0/47.4/35.3/25.0 (BP = 1.000 …)`.
    public static func summary(_ s: Score) -> String {
        let ratio = s.refLen > 0 ? Double(s.sysLen) / Double(s.refLen) : 0
        let precisions = s.precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
        return "\(signature) = \(String(format: "%.2f", s.score)) \(precisions) "
            + "(BP = \(String(format: "%.3f", s.bp)) ratio = \(String(format: "%.3f", ratio)) "
            + "hyp_len = \(s.sysLen) ref_len = \(s.refLen))"
    }

    /// Token strings to small integers, shared by a hypothesis and its reference.
    struct TokenVocabulary {
        var ids: [ArraySlice<UInt32>: UInt32] = [:]

        mutating func ids(_ tokenized: [UInt32]) -> [UInt32] {
            PythonText.splitRanges(tokenized).map { r in
                let token = tokenized[r]
                if let id = ids[token] { return id }
                let id = UInt32(ids.count)
                ids[token] = id
                return id
            }
        }
    }

    struct Gram: Hashable {
        var hi: UInt64
        var lo: UInt64
    }

    /// Counts of the n-grams of one order, each packed as up to four 32-bit token ids.
    static func ngramCounts(_ ids: [UInt32], order n: Int) -> [Gram: Int] {
        guard ids.count >= n else { return [:] }
        var counts: [Gram: Int] = [:]
        counts.reserveCapacity(ids.count - n + 1)
        for i in 0...(ids.count - n) {
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            words.0 = UInt64(ids[i])
            if n > 1 { words.1 = UInt64(ids[i + 1]) }
            if n > 2 { words.2 = UInt64(ids[i + 2]) }
            if n > 3 { words.3 = UInt64(ids[i + 3]) }
            counts[Gram(hi: words.0 << 32 | words.1, lo: words.2 << 32 | words.3), default: 0] += 1
        }
        return counts
    }
}
