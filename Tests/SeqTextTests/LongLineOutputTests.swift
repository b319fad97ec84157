import Testing
import SeqText

/// A line whose output runs past the 1 MB spill point leaves `seq tokenize` in pieces (so a
/// 100 MB line needs no output buffer of its size): the pieces join to exactly what
/// `encode` gives for the whole line, in every format.
struct LongLineOutputTests {
    @Test func outputSpilledInPiecesEqualsTheWholeEncoding() throws {
        let vocab = Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##b", ",", "é"])
        let tokenizer = try Tokenizer.bert(vocabulary: vocab)
        // 60,000 repeats of 5 tokens: about 1.6 MB of ids, 3.4 MB of offsets.
        let text = String(repeating: "a bb , É ", count: 60_000)
        let encoding = tokenizer.encode(text)
        #expect(encoding.ids.count == 300_002)   // 5 tokens per repeat, plus [CLS] and [SEP]
        let facade = SeqTextTokenizerFacade(tokenizer: tokenizer)
        let bytes = Array(text.utf8) + [0x0A]
        #expect(facade.run(bytes, format: .ids, special: true) == encoding.ids.map(String.init).joined(separator: " ") + "\n")
        #expect(facade.run(bytes, format: .tokens, special: true) == encoding.tokens.joined(separator: " ") + "\n")
        #expect(facade.run(bytes, format: .offsets, special: true) == encoding.offsets.map(\.description).joined(separator: " ") + "\n")
    }
}
