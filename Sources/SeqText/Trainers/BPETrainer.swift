/// Trains a byte-level BPE tokenizer (GPT-2 family): words from the ByteLevel pre-tokenizer,
/// initial alphabet the 256 bytes, ranked merges by pair frequency (tokenizers' `BpeTrainer`).
public enum BPETrainer {
    /// The tokenizer whose normalizer and pre-tokenizer give the words to count.
    /// `addPrefixSpace` treats a line's first word like the others (" word"), as the
    /// translation vocabularies do (tokenizers' `ByteLevel(add_prefix_space=True)`).
    public static func counterTokenizer(addPrefixSpace: Bool = false) -> Tokenizer {
        let vocab = Vocabulary(tokens: (0..<256).map { ByteLevel.token(ofBytes: [UInt8($0)]) })
        let bpe = try! BPE(vocabulary: vocab, merges: [], byteLevel: true)
        return Tokenizer(normalizer: nil, preTokenizer: .byteLevel(addPrefixSpace: addPrefixSpace, useRegex: true),
                         model: .bpe(bpe), postProcessor: nil, decoder: .byteLevel)
    }

    /// `specials` take the first ids, in order (GPT-2's `<|endoftext|>` by default; the
    /// translator's `<pad>`, `<s>`, `</s>`, `<unk>`).
    public static func train(_ corpus: CorpusWords, options: TrainerOptions, specials: [String] = ["<|endoftext|>"],
                             addPrefixSpace: Bool = false) throws -> Tokenizer {
        var vocab = Vocabulary(tokens: [])
        for s in specials { vocab.add(s) }
        var byteIds = [Int32](repeating: 0, count: 256)
        for b in 0..<256 { byteIds[b] = vocab.add(ByteLevel.token(ofBytes: [UInt8(b)])) }
        let words = corpus.words.map { $0.map { byteIds[Int($0)] } }
        var merger = PairMerger(words: words, counts: corpus.counts)
        let merges = merger.run(maxMerges: max(0, options.vocabularySize - vocab.count), minFrequency: options.minFrequency) { a, b in
            vocab.add(vocab.token(a)! + vocab.token(b)!)
        }
        let bpe = try BPE(vocabulary: vocab, merges: merges.map { (vocab.token($0.0)!, vocab.token($0.1)!) }, byteLevel: true)
        return Tokenizer(normalizer: nil, preTokenizer: .byteLevel(addPrefixSpace: addPrefixSpace, useRegex: true), model: .bpe(bpe),
                         postProcessor: nil, decoder: .byteLevel,
                         addedTokens: specials.map { AddedToken(content: $0, id: vocab.id($0)!) })
    }
}
