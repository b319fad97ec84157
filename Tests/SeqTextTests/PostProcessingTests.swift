import Testing
@testable import SeqText

/// Truncation (longest-first, only-second with stride for extractive QA), padding, masks.
struct PostProcessingTests {
    func tokenizer(truncation: Truncation? = nil, padding: Padding? = nil) throws -> Tokenizer {
        let words = ["a", "b", "c", "d", "e", "f", "g", "h", "q", "r"]
        let vocab = Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words)
        return try Tokenizer.bert(vocabulary: vocab).with(truncation: truncation, padding: padding)
    }

    @Test func longestFirst() throws {
        let t = try tokenizer(truncation: Truncation(maxLength: 7))
        let e = t.encode("a b c d e", pair: "q r")
        // 7 - 3 specials = 4 tokens: the longer sequence loses tokens first
        #expect(e.tokens == ["[CLS]", "a", "b", "[SEP]", "q", "r", "[SEP]"])
    }

    @Test func onlySecondWithStrideMakesWindows() throws {
        let t = try tokenizer(truncation: Truncation(maxLength: 8, strategy: .onlySecond, stride: 1))
        let e = t.encode("q", pair: "a b c d e f g h")
        // 8 - 3 specials - 1 question token = 4 context tokens per window, stride 1
        #expect(e.tokens == ["[CLS]", "q", "[SEP]", "a", "b", "c", "d", "[SEP]"])
        #expect(e.overflowing.map { Array($0.tokens[3..<($0.tokens.count - 1)]) } == [["d", "e", "f", "g"], ["g", "h"]])
        #expect(e.overflowing[0].offsets[3] == .init(6, 7))
        #expect(e.overflowing[0].typeIds == [0, 0, 0, 1, 1, 1, 1, 1])
    }

    @Test func fixedPadding() throws {
        let t = try tokenizer(padding: Padding(length: 6))
        let e = t.encode("a b")
        #expect(e.ids == [2, 5, 6, 3, 0, 0])
        #expect(e.attentionMask == [1, 1, 1, 1, 0, 0])
        #expect(e.tokens.last == "[PAD]")
    }

    @Test func batchPadsToLongest() throws {
        let t = try tokenizer(padding: Padding(length: nil))
        let es = t.encodeBatch(["a", "a b c"])
        #expect(es.map(\.count) == [5, 5])
        #expect(es[0].attentionMask == [1, 1, 1, 0, 0])
    }
}
