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
