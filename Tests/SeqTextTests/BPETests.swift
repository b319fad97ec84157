import Foundation
import Testing
@testable import SeqText

/// BPE on toy vocabularies (expected by hand from the merge ranks), byte fallback, and the
/// byte-level family through a tokenizer.json round trip.
struct BPETests {
    @Test func ranksDecideTheMergeOrder() throws {
        let vocab = Vocabulary(tokens: ["<unk>", "a", "b", "c", "ab", "bc", "abc"])
        // "bc" ranks before "ab": a b c → a bc; (a, bc) is no merge.
        let bpe = try BPE(vocabulary: vocab, merges: [("b", "c"), ("a", "b")], unknownToken: "<unk>")
        let t = Tokenizer(normalizer: nil, preTokenizer: .whitespaceSplit, model: .bpe(bpe), postProcessor: nil)
        #expect(t.encode("abc ab").tokens == ["a", "bc", "ab"])
        #expect(t.encode("abc ab").offsets == [.init(0, 1), .init(1, 3), .init(4, 6)])
        let bpe2 = try BPE(vocabulary: vocab, merges: [("a", "b"), ("b", "c"), ("ab", "c")], unknownToken: "<unk>")
        let t2 = Tokenizer(normalizer: nil, preTokenizer: .whitespaceSplit, model: .bpe(bpe2), postProcessor: nil)
        #expect(t2.encode("abc").tokens == ["abc"])
    }

    @Test func unknownAndByteFallback() throws {
        var tokens = ["<unk>", "a", "b"]
        tokens += (0..<256).map { BPE.byteToken(UInt8($0)) }
        let vocab = Vocabulary(tokens: tokens)
        let plain = try BPE(vocabulary: vocab, merges: [], unknownToken: "<unk>", fuseUnknown: true)
        let t = Tokenizer(normalizer: nil, preTokenizer: nil, model: .bpe(plain), postProcessor: nil)
        #expect(t.encode("aé€b").tokens == ["a", "<unk>", "b"])
        let fallback = try BPE(vocabulary: vocab, merges: [], unknownToken: "<unk>", byteFallback: true)
        let t2 = Tokenizer(normalizer: nil, preTokenizer: nil, model: .bpe(fallback), postProcessor: nil,
                           decoder: .byteFallback)
        let e = t2.encode("aé")
        #expect(e.tokens == ["a", "<0xC3>", "<0xA9>"])
        #expect(e.offsets == [.init(0, 1), .init(1, 2), .init(1, 2)])
        #expect(t2.decode(e.ids) == "aé")
    }

    @Test func byteLevelTrainWriteReadDecode() throws {
        let text = (0..<200).map { "the cat sat on the mat, the end \($0 % 7) ünïcödé 🙂" }.joined(separator: "\n")
        let words = try corpusWords(text, tokenizer: BPETrainer.counterTokenizer())
        var options = TrainerOptions(vocabularySize: 300)
        options.minFrequency = 2
        let trained = try BPETrainer.train(words, options: options)
        let reread = try Tokenizer.fromJSON(data: trained.jsonData())
        let line = "the cat sat on the mat ünïcödé 🙂!"
        let a = trained.encode(line), b = reread.encode(line)
        #expect(a.ids == b.ids)
        #expect(a.offsets == b.offsets)
        #expect(a.tokens.contains("Ġthe"))
        #expect(reread.decode(b.ids) == line)
    }
}

/// Words of `text` as the trainers count them.
func corpusWords(_ text: String, tokenizer: Tokenizer, threads: Int = 2) throws -> CorpusWords {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("seq-corpus-\(UUID().uuidString).txt")
    try Data(text.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let fd = open(url.path, O_RDONLY)
    defer { close(fd) }
    return try CorpusWords.count(fd: fd, tokenizer: tokenizer, threads: threads)
}

/// BPE-dropout: off reproduces plain BPE, 1 skips every merge, in between the pieces vary
/// from draw to draw but always spell the word, and a seed reproduces a run.
struct BPEDropoutTests {
    static let vocab = Vocabulary(tokens: ["<unk>", "a", "b", "c", "d", "ab", "cd", "abcd"])
    static let merges = [("a", "b"), ("c", "d"), ("ab", "cd")]

    static func tokenizer(dropout: Float, seed: UInt64 = 0) throws -> Tokenizer {
        let bpe = try BPE(vocabulary: vocab, merges: merges, unknownToken: "<unk>", dropout: dropout, dropoutSeed: seed)
        return Tokenizer(normalizer: nil, preTokenizer: .whitespaceSplit, model: .bpe(bpe), postProcessor: nil)
    }

    @Test func zeroAndOne() throws {
        #expect(try Self.tokenizer(dropout: 0).encode("abcd abcd").tokens == ["abcd", "abcd"])
        #expect(try Self.tokenizer(dropout: 1).encode("abcd").tokens == ["a", "b", "c", "d"])
        #expect(throws: BPE.Error.self) { try BPE(vocabulary: Self.vocab, merges: Self.merges, dropout: 1.5) }
    }

    @Test func variesSpellsTheWordAndReproduces() throws {
        let text = Array(repeating: "abcd", count: 200).joined(separator: " ")
        let a = try Self.tokenizer(dropout: 0.5, seed: 7).encode(text)
        let b = try Self.tokenizer(dropout: 0.5, seed: 7).encode(text)
        #expect(a.tokens == b.tokens)
        // Regroup the pieces by word through the offsets; each word spells "abcd".
        var words: [String] = [], current = "", lastEnd = -1
        for (t, o) in zip(a.tokens, a.offsets) {
            if o.start != lastEnd && !current.isEmpty { words.append(current); current = "" }
            current += t
            lastEnd = o.end
        }
        words.append(current)
        #expect(words.count == 200 && words.allSatisfy { $0 == "abcd" })
        let segmentations = Set(stride(from: 0, to: a.tokens.count, by: 1).map { a.tokens[$0] })
        #expect(segmentations.count > 2, "dropout 0.5 over 200 words should produce several different pieces")
        let c = try Self.tokenizer(dropout: 0.5, seed: 8).encode(text)
        #expect(c.tokens != a.tokens)
    }

    @Test func tokenizerJSONKeepsTheRate() throws {
        let t = try Self.tokenizer(dropout: 0.25)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-dropout-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try t.jsonData().write(to: url)
        guard case .bpe(let m) = try Tokenizer.load(path: url.path).model else { Issue.record("not BPE"); return }
        #expect(m.dropout == 0.25)
    }
}
