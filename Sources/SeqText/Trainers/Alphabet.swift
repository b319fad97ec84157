/// The characters a trainer keeps: the `limit` most frequent (weighted by word counts),
/// in code point order.
struct Alphabet {
    var kept: [UInt32]

    init(_ corpus: CorpusWords, limit: Int?, initial: [UInt32] = []) {
        var freq = [UInt32: Int]()
        for (w, c) in zip(corpus.words, corpus.counts) {
            for s in UTF8Decoding.scalars(w) { freq[s, default: 0] += c }
        }
        for s in initial { freq[s] = Int.max }
        var chars = freq.map { ($0.key, $0.value) }
        if let limit, chars.count > limit {
            chars.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            chars = Array(chars.prefix(limit))
        }
        kept = chars.map(\.0).sorted()
    }
}
