/// Trains a WordPiece vocabulary as tokenizers' `WordPieceTrainer` does: BPE merges over
/// words split into a first character and `##`-prefixed continuation characters, the merged
/// symbols becoming the vocabulary (specials first, then the alphabet by code point).
public enum WordPieceTrainer {
    public static func train(_ corpus: CorpusWords, options: TrainerOptions) -> Vocabulary {
        var vocab = Vocabulary(tokens: [])
        for s in options.specialTokens { vocab.add(s) }
        let alphabet = Alphabet(corpus, limit: options.limitAlphabet)
        for c in alphabet.kept { vocab.add(UTF8Decoding.string([c])) }
        let prefix = options.continuingSubwordPrefix
        // Words as symbol ids: first character, then prefixed continuations; characters
        // outside the alphabet are left out.
        var first = [UInt32: Int32](), cont = [UInt32: Int32]()
        for c in alphabet.kept { first[c] = vocab.id(UTF8Decoding.string([c]))! }
        var words = [[Int32]]()
        words.reserveCapacity(corpus.words.count)
        for w in corpus.words {
            var symbols = [Int32]()
            var isFirst = true
            for c in UTF8Decoding.scalars(w) {
                defer { isFirst = false }
                guard let f = first[c] else { continue }
                if isFirst { symbols.append(f); continue }
                if let id = cont[c] { symbols.append(id); continue }
                let id = vocab.add(prefix + UTF8Decoding.string([c]))
                cont[c] = id
                symbols.append(id)
            }
            words.append(symbols)
        }
        var merger = PairMerger(words: words, counts: corpus.counts)
        let budget = max(0, options.vocabularySize - vocab.count)
        _ = merger.run(maxMerges: budget, minFrequency: options.minFrequency) { a, b in
            let ta = vocab.token(a)!, tb = vocab.token(b)!
            let joined = ta + (tb.hasPrefix(prefix) ? String(tb.dropFirst(prefix.count)) : tb)
            return vocab.add(joined)
        }
        return vocab
    }
}
