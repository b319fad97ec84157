import Dispatch
import Foundation

/// Options shared by the WordPiece and BPE trainers (Hugging Face's defaults for
/// `BertWordPieceTokenizer.train`: min frequency 2, alphabet limited to 1000 characters).
public struct TrainerOptions: Sendable {
    public var vocabularySize: Int
    public var minFrequency: Int = 2
    public var limitAlphabet: Int? = 1000
    public var specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    public var continuingSubwordPrefix = "##"
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }
}

/// Counts the words of a corpus as a tokenizer's normalizer and pre-tokenizer see them,
/// streaming the file in chunks over several threads: memory is bounded by the word
/// statistics, not by the corpus.
public struct CorpusWords {
    /// Distinct words (UTF-8) sorted bytewise, and their counts.
    public var words: [[UInt8]] = []
    public var counts: [Int] = []

    public static func count(fd: Int32, tokenizer: Tokenizer, threads: Int) throws -> CorpusWords {
        let t = max(1, threads)
        let encoders = (0..<t).map { _ in tokenizer.makeLineEncoder() }
        let counters = UnsafeMutablePointer<WordCounter>.allocate(capacity: t)
        counters.initialize(repeating: WordCounter(), count: t)
        defer { counters.deinitialize(count: t); counters.deallocate() }
        let stream = LineStream(fd: fd)
        let box = UnsafeSendable((counters, encoders))
        try stream.forEachBatch { buf, lines in
            let groups = t == 1 || lines.count < 64 ? 1 : t
            let b = UnsafeSendable(buf)
            DispatchQueue.concurrentPerform(iterations: groups) { g in
                let lo = lines.count * g / groups, hi = lines.count * (g + 1) / groups
                let enc = box.value.1[g]
                for r in lines[lo..<hi] {
                    enc.forEachWord(UnsafeBufferPointer(rebasing: b.value[r])) { w in box.value.0[g].add(w) }
                }
            }
        }
        for g in 1..<t { counters[0].merge(counters[g]) }
        var pairs = [([UInt8], Int)]()
        pairs.reserveCapacity(counters[0].count)
        counters[0].forEach { w, c in pairs.append((Array(w), c)) }
        pairs.sort { $0.0.lexicographicallyPrecedes($1.0) }
        return CorpusWords(words: pairs.map(\.0), counts: pairs.map(\.1))
    }
}

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
