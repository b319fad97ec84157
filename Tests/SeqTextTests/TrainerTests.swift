import Foundation
import Testing
@testable import SeqText

/// The WordPiece trainer: tokenizers' WordPieceTrainer algorithm on tiny corpora (expected
/// vocabularies worked out by hand), determinism across threads.
struct TrainerTests {
    func counter() throws -> Tokenizer {
        try Tokenizer.bert(vocabulary: Vocabulary(tokens: ["[UNK]", "[CLS]", "[SEP]"]))
    }

    @Test func mergesMostFrequentPairsFirst() throws {
        // "ab" ×3 and "abc" ×2: pairs (a, ##b) = 5, (##b, ##c) = 2 → first merge "ab",
        // then (ab, ##c) = 2 → "abc".
        let text = "ab ab ab abc abc"
        let words = try corpusWords(text, tokenizer: try counter())
        #expect(words.words.map { String(decoding: $0, as: UTF8.self) } == ["ab", "abc"])
        #expect(words.counts == [3, 2])
        var o = TrainerOptions(vocabularySize: 100)
        o.specialTokens = ["[UNK]", "[CLS]", "[SEP]"]
        let v = WordPieceTrainer.train(words, options: o)
        #expect(v.tokens == ["[UNK]", "[CLS]", "[SEP]", "a", "b", "c", "##b", "##c", "ab", "abc"])
    }

    @Test func minFrequencyStopsMerging() throws {
        let words = try corpusWords("xy ab ab", tokenizer: try counter())
        var o = TrainerOptions(vocabularySize: 100)
        o.specialTokens = []
        let v = WordPieceTrainer.train(words, options: o)
        #expect(v.id("ab") != nil)
        #expect(v.id("xy") == nil)   // seen once: below min frequency 2
    }

    @Test func deterministicAcrossThreads() throws {
        var lines = [String]()
        for i in 0..<3000 { lines.append("word\(i % 97) token\(i % 13) naïve Straße \(i)") }
        let text = lines.joined(separator: "\n")
        let o = TrainerOptions(vocabularySize: 400)
        let v1 = WordPieceTrainer.train(try corpusWords(text, tokenizer: try counter(), threads: 1), options: o)
        let v2 = WordPieceTrainer.train(try corpusWords(text, tokenizer: try counter(), threads: 2), options: o)
        #expect(v1.tokens == v2.tokens)
        #expect(v1.count > 100 && v1.count <= 400)
        #expect(Array(v1.tokens.prefix(5)) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    }

    @Test func alphabetLimitKeepsMostFrequentCharacters() throws {
        let words = try corpusWords("aaa bbb c", tokenizer: try counter())
        var o = TrainerOptions(vocabularySize: 100)
        o.limitAlphabet = 2
        o.specialTokens = []
        let v = WordPieceTrainer.train(words, options: o)
        #expect(v.id("c") == nil)
        #expect(v.id("a") != nil && v.id("b") != nil)
    }
}
