import Foundation
import Testing
@testable import SeqText

/// What a tokenizer file may hold: ids as Hugging Face reads them (integers only, bounded
/// so that the dense id table stays small), and vocab.txt duplicates resolved as HF does.
struct TokenizerFileLimitsTests {
    static func wordPieceJSON(vocab: String, added: String = "") -> Data {
        Data(#"{"added_tokens":[\#(added)],"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{\#(vocab)}}}"#.utf8)
    }

    /// HF's serde reader refuses 3.5, 3.0, true, -1 and 10¹²; a 10¹² id would also have
    /// allocated a 16 TB table.
    @Test(arguments: ["3.5", "3.0", "true", "-1", "1000000000000", "1e3", "\"3\"", "16777216"])
    func nonIntegerOrHugeVocabularyIdIsRefused(id: String) {
        let data = Self.wordPieceJSON(vocab: #""[UNK]":0,"a":\#(id)"#)
        #expect(throws: TokenizerFileError.self) { try Tokenizer.fromJSON(data: data, source: "t.json") }
        do { _ = try Tokenizer.fromJSON(data: data, source: "t.json") } catch {
            #expect("\(error)".contains("t.json"))
            #expect("\(error)".contains("integer id"))
        }
    }

    @Test(arguments: ["3.5", "1e12", "false"])
    func nonIntegerAddedTokenIdIsRefused(id: String) {
        let data = Self.wordPieceJSON(vocab: #""[UNK]":0,"a":1"#, added: #"{"id":\#(id),"content":"[X]"}"#)
        #expect(throws: TokenizerFileError.self) { try Tokenizer.fromJSON(data: data, source: "t.json") }
    }

    @Test func largestIntegerIdLoads() throws {
        let data = Self.wordPieceJSON(vocab: #""[UNK]":0,"a":7"#)
        let tok = try Tokenizer.fromJSON(data: data, source: "t.json")
        #expect(tok.largestId == 7)
        #expect(tok.encode("a", addSpecialTokens: false).ids == [7])
    }

    /// transformers' `load_vocab` fills a dict line by line, so the last line of a
    /// duplicated token wins; the earlier id still decodes to the token.
    @Test func vocabTxtDuplicateLinesResolveToTheLast() throws {
        let tokens = try VocabTxt.parse(Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\nx\nx\n##x\n".utf8), source: "v.txt")
        let tok = try Tokenizer.bert(vocabulary: Vocabulary(tokens: tokens))
        #expect(tok.encode("x", addSpecialTokens: false).ids == [5])
        #expect(tok.encode("xx", addSpecialTokens: false).ids == [5, 6])
        #expect(tok.token(of: 4) == "x")
    }

    @Test func vocabTxtErrorsNameTheFileAndLine() {
        #expect(throws: TokenizerFileError.self) { try VocabTxt.parse([], source: "v.txt") }
        do { _ = try VocabTxt.parse([0x61, 0x0A, 0xFF, 0x0A], source: "v.txt") } catch {
            #expect("\(error)" == "v.txt: line 2: expected UTF-8 text")
        }
    }

    @Test func largestIdCoversAddedAndPostProcessorTokens() throws {
        let tok = try Tokenizer.bert(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"]))
        #expect(tok.largestId == 4)
        let data = Self.wordPieceJSON(vocab: #""[UNK]":0,"a":1"#, added: #"{"id":9,"content":"[X]"}"#)
        #expect(try Tokenizer.fromJSON(data: data).largestId == 9)
    }
}
