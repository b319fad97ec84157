import Testing
@testable import SeqText

/// WordPiece and the BERT pipeline on a toy vocabulary (expected values by hand, following
/// tokenizers' `WordPiece::tokenize`).
struct WordPieceTests {
    static let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "##a", "!",
                        "hello", "world", "a", "##b", "中", "cafe", ","]

    func bert(_ lowercase: Bool = true) throws -> Tokenizer {
        try Tokenizer.bert(vocabulary: Vocabulary(tokens: Self.vocab), lowercase: lowercase)
    }

    @Test func greedyLongestMatchFirst() throws {
        let e = try bert().encode("unaffable", addSpecialTokens: false)
        #expect(e.tokens == ["un", "##aff", "##able"])
        #expect(e.offsets == [.init(0, 2), .init(2, 5), .init(5, 9)])
    }

    @Test func unknownWordIsOneToken() throws {
        let e = try bert().encode("Hello unaffablex, world!", addSpecialTokens: false)
        #expect(e.tokens == ["hello", "[UNK]", ",", "world", "!"])
        #expect(e.offsets[1] == .init(6, 16))
    }

    @Test func longWordsBecomeUnknown() throws {
        let long = String(repeating: "a", count: 101)
        let e = try bert().encode("a \(long)", addSpecialTokens: false)
        #expect(e.tokens == ["a", "[UNK]"])
        #expect(e.offsets[1] == .init(2, 103))
    }

    @Test func accentsControlAndChinese() throws {
        let e = try bert().encode("Cafe\u{301}\u{0}中!", addSpecialTokens: false)
        #expect(e.tokens == ["cafe", "中", "!"])
        // the stripped mark and the removed NUL do not widen offsets (as in tokenizers)
        #expect(e.offsets == [.init(0, 4), .init(6, 7), .init(7, 8)])
    }

    @Test func specialTokensInTextAreMatched() throws {
        let e = try bert().encode("a[SEP]b", addSpecialTokens: false)
        #expect(e.tokens == ["a", "[SEP]", "[UNK]"])
        #expect(e.offsets == [.init(0, 1), .init(1, 6), .init(6, 7)])
    }

    @Test func pairsTypeIdsAndMask() throws {
        let e = try bert().encode("hello", pair: "world !")
        #expect(e.tokens == ["[CLS]", "hello", "[SEP]", "world", "!", "[SEP]"])
        #expect(e.typeIds == [0, 0, 0, 1, 1, 1])
        #expect(e.specialTokensMask == [1, 0, 1, 0, 0, 1])
        #expect(e.attentionMask == [1, 1, 1, 1, 1, 1])
    }

    @Test func decodeJoinsContinuations() throws {
        let t = try bert()
        let e = t.encode("unaffable , world!")
        #expect(t.decode(e.ids) == "unaffable, world!")
        #expect(t.decode(e.ids, skipSpecialTokens: false) == "[CLS] unaffable, world! [SEP]")
    }
}
