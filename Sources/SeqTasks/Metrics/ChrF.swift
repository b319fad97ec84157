/// Corpus chrF exactly as sacreBLEU's default `CHRF().corpus_score(hyps, [refs])`
/// (sacrebleu 2.x `metrics/chrf.py`): character n-grams of orders 1...6 over each line with
/// all (Python) whitespace removed, no word n-grams, beta 2, case kept. Per line and order the
/// statistics are [hypothesis n-grams, reference n-grams, clipped matches], where the
/// hypothesis count is 0 when the reference has no n-gram of that order. The corpus sums
/// the statistics, then averages precision and recall over the orders where both counts are
/// positive ("effective order", `eps_smoothing=False`) and takes F-beta of the averages.
///
/// Signature: `chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:seq`.
public enum ChrF {
    public static let charOrder = 6
    public static let beta = 2
    public static let signature = "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:seq"

    /// Per order 1...6: n-grams in the hypothesis, in the reference, and clipped matches.
    public struct Statistics: Sendable, Equatable {
        public var hyp = [Int](repeating: 0, count: ChrF.charOrder)
        public var ref = [Int](repeating: 0, count: ChrF.charOrder)
        public var match = [Int](repeating: 0, count: ChrF.charOrder)

        public init() {}

        public static func += (a: inout Statistics, b: Statistics) {
            for n in 0..<ChrF.charOrder {
                a.hyp[n] += b.hyp[n]
                a.ref[n] += b.ref[n]
                a.match[n] += b.match[n]
            }
        }
    }

    public static func statistics(hypothesis: String, reference: String) -> Statistics {
        statistics(hypothesis: PythonText.scalars(hypothesis), reference: PythonText.scalars(reference))
    }

    static func statistics(hypothesis: [UInt32], reference: [UInt32]) -> Statistics {
        let h = PythonText.removingSpaces(hypothesis)
        let r = PythonText.removingSpaces(reference)
        var stats = Statistics()
        for n in 1...charOrder {
            let refCount = max(0, r.count - n + 1)
            let hypCount = max(0, h.count - n + 1)
            stats.ref[n - 1] = refCount
            // sacreBLEU: `hyp_count if ref_ngrams else 0`.
            stats.hyp[n - 1] = refCount > 0 ? hypCount : 0
            guard refCount > 0, hypCount > 0 else { continue }
            let refGrams = ngramCounts(r, order: n)
            var match = 0
            for (gram, count) in ngramCounts(h, order: n) {
                if let c = refGrams[gram] { match += min(count, c) }
            }
            stats.match[n - 1] = match
        }
        return stats
    }

    /// sacreBLEU's `CHRF._compute_f_score` with `eps_smoothing=False`, in 0...100.
    public static func score(_ stats: Statistics) -> Double {
        let factor = Double(beta * beta)
        var avgPrec = 0.0, avgRec = 0.0
        var effectiveOrder = 0
        for n in 0..<charOrder {
            let nHyp = stats.hyp[n], nRef = stats.ref[n], nMatch = stats.match[n]
            if nHyp > 0 && nRef > 0 {
                avgPrec += Double(nMatch) / Double(nHyp)
                avgRec += Double(nMatch) / Double(nRef)
                effectiveOrder += 1
            }
        }
        if effectiveOrder == 0 {
            avgPrec = 0
            avgRec = 0
        } else {
            avgPrec /= Double(effectiveOrder)
            avgRec /= Double(effectiveOrder)
        }
        guard avgPrec + avgRec != 0 else { return 0 }
        var score = (1 + factor) * avgPrec * avgRec
        score /= (factor * avgPrec) + avgRec
        return 100 * score
    }

    public static func corpusScore(hypotheses: [String], references: [String]) -> Double {
        precondition(hypotheses.count == references.count, "one reference per hypothesis")
        var total = Statistics()
        for (h, r) in zip(hypotheses, references) { total += statistics(hypothesis: h, reference: r) }
        return score(total)
    }

    struct Gram: Hashable {
        var hi: UInt64
        var lo: UInt64
    }

    /// Counts of the character n-grams of one order, each packed as up to six 21-bit scalars.
    static func ngramCounts(_ s: [UInt32], order n: Int) -> [Gram: Int] {
        guard s.count >= n else { return [:] }
        var counts: [Gram: Int] = [:]
        counts.reserveCapacity(min(s.count - n + 1, 1 << 16))
        for i in 0...(s.count - n) {
            var lo: UInt64 = 0, hi: UInt64 = 0
            for k in 0..<min(n, 3) { lo = lo << 21 | UInt64(s[i + k]) }
            if n > 3 { for k in 3..<n { hi = hi << 21 | UInt64(s[i + k]) } }
            counts[Gram(hi: hi, lo: lo), default: 0] += 1
        }
        return counts
    }
}
