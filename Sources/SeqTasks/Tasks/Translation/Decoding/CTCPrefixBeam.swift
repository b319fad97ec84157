import Foundation

/// CTC prefix beam search (Graves 2012, §7.5; Hannun et al. 2014 without a language model):
/// instead of the best path, the output sequences (prefixes) whose probability — summed over
/// every alignment that collapses to them — is highest. Each prefix keeps two log-probabilities
/// over the positions read so far: of its alignments ending in a blank, and of those ending in
/// its last token; the split is what lets "a a" (two tokens, a blank between) and "a" (one
/// token, repeated) be told apart. After each position the `beam` most probable prefixes are
/// kept. With a beam as wide as the number of prefixes it is exact, which the tests check
/// against the sum over all alignments.
public enum CTCPrefixBeam {
    /// The most probable output of one sentence, from `logProbs` [T, V] (row-major,
    /// log-softmax per position). Extensions at a position are tried for the `beam` most
    /// likely tokens there other than the blank and `forbidden` (a prefix's own last token
    /// is always considered for repeats). Returns the tokens and their log-probability.
    public static func search(logProbs: [Float], positions T: Int, vocabulary V: Int, blank: Int32, beam: Int,
                              forbidden: Set<Int32> = []) -> (tokens: [Int32], logProb: Float) {
        precondition(logProbs.count == T * V && beam >= 1 && Int(blank) < V, "CTC prefix beam: [T, V] log-probabilities and beam ≥ 1")
        var beams: [Prefix: Mass] = [Prefix(): Mass(blank: 0, token: -.infinity)]
        for t in 0..<T {
            let row = t * V
            let pBlank = logProbs[row + Int(blank)]
            let extensions = topTokens(logProbs, row: row, count: V, k: beam, excluding: forbidden.union([blank]))
            var next: [Prefix: Mass] = [:]
            next.reserveCapacity(beams.count * (extensions.count + 1))
            for (prefix, mass) in beams {
                let total = logAdd(mass.blank, mass.token)
                // Stay: a blank after anything, or the last token repeated (merged).
                var stay = next[prefix, default: .empty]
                stay.blank = logAdd(stay.blank, total + pBlank)
                if let last = prefix.tokens.last {
                    stay.token = logAdd(stay.token, mass.token + logProbs[row + Int(last)])
                }
                next[prefix] = stay
                // Grow by one token; the same token as the last only after a blank.
                for c in extensions {
                    let p = logProbs[row + Int(c)]
                    let from = c == prefix.tokens.last ? mass.blank : total
                    guard from > -.infinity else { continue }
                    let grown = prefix.appending(c)
                    var m = next[grown, default: .empty]
                    m.token = logAdd(m.token, from + p)
                    next[grown] = m
                }
            }
            beams = Dictionary(uniqueKeysWithValues: best(next, count: beam))
        }
        let (prefix, mass) = best(beams, count: 1)[0]
        return (prefix.tokens, logAdd(mass.blank, mass.token))
    }

    /// An output sequence so far.
    struct Prefix: Hashable {
        var tokens: [Int32] = []
        func appending(_ c: Int32) -> Prefix { Prefix(tokens: tokens + [c]) }
    }

    /// Log-probabilities of a prefix's alignments ending in a blank and in its last token.
    struct Mass {
        var blank: Float
        var token: Float
        static let empty = Mass(blank: -.infinity, token: -.infinity)
    }

    /// The `count` most probable prefixes; ties go to the shorter, then the smaller ids, so
    /// the search is deterministic.
    static func best(_ beams: [Prefix: Mass], count: Int) -> [(Prefix, Mass)] {
        let scored = beams.map { ($0.key, $0.value, logAdd($0.value.blank, $0.value.token)) }
        let sorted = scored.sorted { a, b in
            if a.2 != b.2 { return a.2 > b.2 }
            if a.0.tokens.count != b.0.tokens.count { return a.0.tokens.count < b.0.tokens.count }
            return a.0.tokens.lexicographicallyPrecedes(b.0.tokens)
        }
        return sorted.prefix(count).map { ($0.0, $0.1) }
    }

    /// The `k` largest entries of row `row` of `values`, skipping `excluding`, by index.
    static func topTokens(_ values: [Float], row: Int, count V: Int, k: Int, excluding: Set<Int32>) -> [Int32] {
        var top: [(Float, Int32)] = []
        top.reserveCapacity(k + 1)
        for j in 0..<V {
            let v = values[row + j]
            if top.count == k, let smallest = top.last, v <= smallest.0 { continue }
            if excluding.contains(Int32(j)) { continue }
            let at = top.firstIndex { v > $0.0 } ?? top.count
            top.insert((v, Int32(j)), at: at)
            if top.count > k { top.removeLast() }
        }
        return top.map(\.1)
    }

    /// log(exp(a) + exp(b)) without overflow; −∞ is the log of zero.
    static func logAdd(_ a: Float, _ b: Float) -> Float {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        let m = max(a, b)
        return m + Foundation.log1p(Foundation.exp(-abs(a - b)))
    }
}
