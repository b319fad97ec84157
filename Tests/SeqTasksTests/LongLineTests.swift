import Testing
import SeqModels
import SeqTasks
import SeqTensor
import SeqText

/// A line longer than one pass is cut into pieces of `pieceTokens`, at most `maxPieces` of
/// them: a longer one keeps exactly its head of maxPieces × pieceTokens tokens and says so,
/// and a line of megabytes is cut before it is encoded (it used to take minutes).
struct LongLineTests {
    static func makeTranslator() -> SentenceTranslator {
        let words = TranslationVocabulary.specials + (4..<30).map { "w\($0)" }
        let tokenizer = Tokenizer(normalizer: nil, preTokenizer: .whitespace,
                                  model: .wordPiece(try! WordPiece(vocabulary: Vocabulary(tokens: words), unknownToken: "<unk>")), postProcessor: nil)
        var g = RandomGenerator(seed: 1)
        let config = TranslatorConfig(vocabSize: 30, width: 16, encoderLayers: 1, decoderLayers: 1, heads: 2, feedForward: 16,
                                      dropout: 0, maxPositions: 64)
        let model = withoutGradients { Translator(config, generator: &g) }
        return SentenceTranslator(model: model, vocabulary: try! TranslationVocabulary(source: tokenizer))
    }

    static func line(words: Int) -> String { (0..<words).map { "w\(4 + $0 % 26)" }.joined(separator: " ") }

    @Test func aLongLineIsSplitWhole() {
        let t = Self.makeTranslator()
        let (pieces, truncated) = t.pieces(of: Self.line(words: 2 * t.pieceTokens + 1))
        #expect(!truncated)
        #expect(pieces.map(\.count) == [t.pieceTokens, t.pieceTokens, 1])
    }

    @Test func aHugeLineKeepsItsHeadAndSaysSo() {
        let t = Self.makeTranslator()
        let budget = t.pieceTokens * SentenceTranslator.maxPieces
        for words in [budget + 1, 400_000] {   // the second is 1.9 MB, cut before encoding
            let (pieces, truncated) = t.pieces(of: Self.line(words: words))
            #expect(truncated, "\(words) words")
            #expect(pieces.count == SentenceTranslator.maxPieces && pieces.allSatisfy { $0.count == t.pieceTokens })
            // The head, in order: w4 w5 … as the line starts.
            #expect(pieces[0].prefix(3) == [4, 5, 6])
        }
        var notes: [SentenceTranslator.LongLine] = []
        _ = t.translate(["w4 w5", Self.line(words: budget + 5)]) { i, note in #expect(i == 1); notes.append(note) }
        #expect(notes == [.truncated(keptTokens: budget)])
    }
}
