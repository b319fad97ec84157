import Foundation
import Testing
@testable import SeqText

/// Exact agreement with Hugging Face tokenizers 0.23 on all-MiniLM-L6-v2's tokenizer. The
/// golden files next to hard_cases.txt were written by
/// `../shared/ref/tokenize_ref.py dump --ids|--tokens|--offsets [--no-special] < hard_cases.txt`.
@Suite(.enabled(if: TestPaths.miniLM != nil, "\(TestPaths.miniLMMissing)"))
struct MiniLMExactnessTests {
    static let tokenizer: Tokenizer? = TestPaths.miniLM.flatMap { try? Tokenizer.load(path: $0.appendingPathComponent("tokenizer.json").path) }

    func golden(_ name: String) throws -> String {
        try String(contentsOf: TestPaths.fixture(name), encoding: .utf8)
    }

    @Test(arguments: [("ids", BatchTokenizer.Format.ids, true), ("tokens", .tokens, true), ("offsets", .offsets, true),
                      ("ids-nospecial", .ids, false)])
    func hardCases(_ name: String, _ format: BatchTokenizer.Format, _ special: Bool) throws {
        let tok = try #require(Self.tokenizer)
        let input = try [UInt8](Data(contentsOf: TestPaths.fixture("hard_cases.txt")))
        let ours = SeqTextTokenizerFacade(tokenizer: tok).run(input, format: format, special: special)
        let expected = try golden("hard_cases.\(name).txt")
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(a.count == b.count)
        for (i, (x, y)) in zip(a, b).enumerated() where x != y {
            Issue.record("hard_cases.txt line \(i + 1): seq \(x) | HF \(y)")
        }
    }

    /// hard_cases.decoded.jsonl: `Tokenizer.decode(encode(line).ids)` of tokenizers 0.23, one
    /// JSON string per line (written with the reference venv's python, see bench/tokenizer/).
    @Test func decodeMatchesHuggingFace() throws {
        let tok = try #require(Self.tokenizer).with(truncation: nil, padding: nil)
        let input = try [UInt8](Data(contentsOf: TestPaths.fixture("hard_cases.txt")))
        var lines = input.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        if input.last == 0x0A { lines.removeLast() }
        let expected = try golden("hard_cases.decoded.jsonl").split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) as? String ?? ""
        }
        #expect(lines.count == expected.count)
        for (i, (line, want)) in zip(lines, expected).enumerated() {
            let text = String(decoding: line, as: UTF8.self)
            let got = tok.decode(tok.encode(text).ids)
            #expect(got == want, "hard_cases.txt line \(i + 1)")
        }
    }

    /// Overflowing windows as tokenizers 0.23 makes them (values printed by
    /// `enable_truncation(max_length=12, strategy="only_second", stride=2)` and
    /// `(max_length=10, strategy="longest_first", stride=1)` on MiniLM's tokenizer).
    @Test func truncationWindowsMatchHuggingFace() throws {
        let base = try #require(Self.tokenizer)
        let qa = base.with(truncation: Truncation(maxLength: 12, strategy: .onlySecond, stride: 2), padding: nil)
        let e = qa.encode("who sat?", pair: "the cat sat on the mat and the dog sat on the log today")
        #expect(e.tokens == ["[CLS]", "who", "sat", "?", "[SEP]", "the", "cat", "sat", "on", "the", "mat", "[SEP]"])
        #expect(e.offsets.map(\.description) == ["0-0", "0-3", "4-7", "7-8", "0-0", "0-3", "4-7", "8-11", "12-14", "15-18", "19-22", "0-0"])
        #expect(e.overflowing.map(\.tokens) == [
            ["[CLS]", "who", "sat", "?", "[SEP]", "the", "mat", "and", "the", "dog", "sat", "[SEP]"],
            ["[CLS]", "who", "sat", "?", "[SEP]", "dog", "sat", "on", "the", "log", "today", "[SEP]"]])
        #expect(e.overflowing[0].typeIds == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
        let lf = base.with(truncation: Truncation(maxLength: 10, strategy: .longestFirst, stride: 1), padding: nil)
        let f = lf.encode("a b c d e f g h", pair: "q r s")
        #expect(f.tokens == ["[CLS]", "a", "b", "c", "d", "[SEP]", "q", "r", "s", "[SEP]"])
        #expect(f.overflowing.map(\.tokens) == [["[CLS]", "d", "e", "f", "g", "[SEP]", "q", "r", "s", "[SEP]"],
                                                ["[CLS]", "g", "h", "[SEP]", "q", "r", "s", "[SEP]"]])
    }

    @Test func vocabTxtAndDirectoryGiveTheSameIds() throws {
        let dir = try #require(TestPaths.miniLM)
        let fromJSON = try #require(Self.tokenizer)
        let fromTxt = try Tokenizer.load(path: dir.appendingPathComponent("vocab.txt").path)
        let fromDir = try Tokenizer.load(path: dir.path)
        let input = try [UInt8](Data(contentsOf: TestPaths.fixture("hard_cases.txt")))
        let a = SeqTextTokenizerFacade(tokenizer: fromJSON).run(input, format: .offsets, special: true)
        #expect(SeqTextTokenizerFacade(tokenizer: fromTxt).run(input, format: .offsets, special: true) == a)
        #expect(SeqTextTokenizerFacade(tokenizer: fromDir).run(input, format: .ids, special: true)
                == SeqTextTokenizerFacade(tokenizer: fromJSON).run(input, format: .ids, special: true))
    }

    @Test func twoThreadsSameAsOne() throws {
        let tok = try #require(Self.tokenizer)
        var input = [UInt8]()
        for _ in 0..<50 { input += try [UInt8](Data(contentsOf: TestPaths.fixture("hard_cases.txt"))) + [0x0A] }
        let f = SeqTextTokenizerFacade(tokenizer: tok)
        #expect(f.run(input, format: .offsets, special: true, threads: 2) == f.run(input, format: .offsets, special: true, threads: 1))
    }

    @Test func encodeAPIMatchesTheReadme() throws {
        // MiniLM's tokenizer.json pads to 128; tokenize_ref.py turns that off, so do we here.
        let tok = try #require(Self.tokenizer).with(truncation: nil, padding: nil)
        let e = tok.encode("Café crème — naïve")
        #expect(e.tokens == ["[CLS]", "cafe", "cr", "##eme", "—", "naive", "[SEP]"])
        #expect(e.offsets.map(\.description) == ["0-0", "0-4", "5-7", "7-10", "11-12", "13-18", "0-0"])
        #expect(tok.decode(e.ids) == "cafe creme — naive")
    }

    /// The `minilm_golden.json` ids (../shared/ref/make_golden.py), incl. truncation to 128
    /// and a sentence pair with token type ids.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.shared.appendingPathComponent("ref/minilm_golden.json").path),
                   "../shared/ref/minilm_golden.json not found"))
    func minilmGoldenIds() throws {
        let base = try #require(Self.tokenizer)
        let dir = try #require(TestPaths.miniLM)
        _ = base
        let data = try Data(contentsOf: TestPaths.shared.appendingPathComponent("ref/minilm_golden.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        let tok = try Tokenizer.load(path: dir.appendingPathComponent("tokenizer.json").path)
            .with(truncation: Truncation(maxLength: 128), padding: nil)
        for c in cases {
            let expected = (c["input_ids"] as? [NSNumber] ?? []).map(\.int32Value)
            let types = (c["token_type_ids"] as? [NSNumber] ?? []).map(\.int32Value)
            let e: Encoding
            if let pair = c["text"] as? [String], pair.count == 2 {
                e = tok.encode(pair[0], pair: pair[1])
            } else if let text = c["text"] as? String {
                e = tok.encode(text)
            } else { continue }
            #expect(e.ids == expected, "\(c["name"] ?? "")")
            if !types.isEmpty { #expect(e.typeIds == types, "\(c["name"] ?? "")") }
        }
    }
}
