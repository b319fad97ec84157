import Foundation
import Testing
@testable import SeqText

/// Seeded random lines built from awkward pieces (invalid UTF-8, NUL, CR, controls, combining
/// marks, CJK, emoji, surrogates, special tokens, over-long words) and random bytes: the
/// tokenizer never crashes, writes one line per line, and, when the reference venv is there,
/// agrees with Hugging Face tokenizers on every line.
struct FuzzTests {
    static func lines(seed: UInt64, count: Int) -> [UInt8] {
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let pieces: [[UInt8]] = [
            [0x61], [0x42], [0x20], [0x09], [0x0D], [0x00], [0xFF], [0xC3], [0xA9], [0xE2, 0x80, 0x8B], [0xE4, 0xB8, 0xAD],
            [0xF0, 0x9F, 0x98, 0x80], Array("[SEP]".utf8), Array("[CLS".utf8), Array("##".utf8), [0x2E], [0x2C],
            [0xCC, 0x81], [0xE0, 0xB8, 0x81], [0xEF, 0xBC, 0xA1], [0xC4, 0xB0], [0xED, 0xA0, 0x80], [0xF4, 0x90],
            [0x7F], [0xC2, 0x85], [0xE3, 0x80, 0x80], [UInt8](repeating: 0x78, count: 120), Array("naïve".utf8),
        ]
        var out = [UInt8]()
        for _ in 0..<count {
            for _ in 0..<(next() % 31) { out += pieces[next() % pieces.count] }
            out.append(0x0A)
            if next() % 10 < 3 {
                for _ in 0..<(next() % 21) { let b = UInt8(1 + next() % 255); if b != 0x0A { out.append(b) } }
                out.append(0x0A)
            }
        }
        return out
    }

    @Test func randomLinesNeverBreakTheContract() throws {
        let vocab = Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##a", "##b", "x", "##x"])
        let tok = try Tokenizer.bert(vocabulary: vocab)
        let input = Self.lines(seed: 42, count: 3000)
        let expectedLines = input.filter { $0 == 0x0A }.count
        for format in [BatchTokenizer.Format.ids, .tokens, .offsets] {
            let out = SeqTextTokenizerFacade(tokenizer: tok).run(input, format: format, special: true, threads: 2)
            #expect(out.filter { $0 == "\n" }.count == expectedLines)
        }
    }

    @Test(.enabled(if: TestPaths.miniLM != nil && TestPaths.referencePython != nil,
                   "reference venv or MiniLM tokenizer not found (run ../shared/ref/setup.sh)"))
    func randomLinesMatchHuggingFace() throws {
        let tok = try Tokenizer.load(path: TestPaths.miniLM!.appendingPathComponent("tokenizer.json").path)
        let input = Self.lines(seed: 7, count: 2000)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("seq-fuzz-\(UUID().uuidString).txt")
        try Data(input).write(to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (mode, format) in [("ids", BatchTokenizer.Format.ids), ("offsets", .offsets)] {
            let ours = SeqTextTokenizerFacade(tokenizer: tok).run(input, format: format, special: true)
            let theirs = try ReferenceRunner.dump(tmp, mode)
            let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
            let b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(a.count == b.count)
            for (i, (x, y)) in zip(a, b).enumerated() where x != y {
                Issue.record("fuzz line \(i + 1) --\(mode): seq \(x) | HF \(y)")
                break
            }
        }
    }
}

/// Runs `../shared/ref/tokenize_ref.py dump` with the reference venv.
enum ReferenceRunner {
    static func dump(_ input: URL, _ mode: String, tokenizer: String? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestPaths.referencePython!)
        p.arguments = [TestPaths.shared.appendingPathComponent("ref/tokenize_ref.py").path]
            + (tokenizer.map { ["--tokenizer", $0] } ?? []) + ["dump", "--\(mode)"]
        p.standardInput = try FileHandle(forReadingFrom: input)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Other normalizer and pre-tokenizer pipelines (the general path, not the compiled BERT one),
/// as tokenizer.json variants of MiniLM's, against tokenizers run live on the hard cases and
/// the fuzz lines.
@Suite(.enabled(if: TestPaths.miniLM != nil && TestPaths.referencePython != nil,
                "reference venv or MiniLM tokenizer not found (run ../shared/ref/setup.sh)"))
struct PipelineVariantTests {
    static var variants: [(String, [String: Any], [String: Any])] { [
        ("NFKC+Lowercase / Whitespace", ["type": "Sequence", "normalizers": [["type": "NFKC"], ["type": "Lowercase"]]],
         ["type": "Whitespace"]),
        ("NFD+StripAccents+Lowercase / WhitespaceSplit+Punctuation+Digits",
         ["type": "Sequence", "normalizers": [["type": "NFD"], ["type": "StripAccents"], ["type": "Lowercase"]]],
         ["type": "Sequence", "pretokenizers": [["type": "WhitespaceSplit"], ["type": "Punctuation", "behavior": "Isolated"],
                                                ["type": "Digits", "individual_digits": true]]]),
        ("NFC / BertPreTokenizer", ["type": "NFC"], ["type": "BertPreTokenizer"]),
        ("NFKD+Lowercase / Digits", ["type": "Sequence", "normalizers": [["type": "NFKD"], ["type": "Lowercase"]]],
         ["type": "Digits", "individual_digits": false]),
    ] }

    @Test(arguments: 0..<4)
    func variantMatchesHuggingFace(_ index: Int) throws {
        let (name, normalizer, preTokenizer) = Self.variants[index]
        let base = try Data(contentsOf: TestPaths.miniLM!.appendingPathComponent("tokenizer.json"))
        var root = try #require(try JSONSerialization.jsonObject(with: base) as? [String: Any])
        root["normalizer"] = normalizer
        root["pre_tokenizer"] = preTokenizer
        root["truncation"] = NSNull()
        root["padding"] = NSNull()
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("seq-variant-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: root).write(to: json)
        defer { try? FileManager.default.removeItem(at: json) }
        let tok = try Tokenizer.load(path: json.path)
        let input = try [UInt8](Data(contentsOf: TestPaths.fixture("hard_cases.txt"))) + [0x0A] + FuzzTests.lines(seed: 11, count: 1000)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("seq-variant-in-\(UUID().uuidString).txt")
        try Data(input).write(to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (mode, format) in [("ids", BatchTokenizer.Format.ids), ("offsets", .offsets)] {
            let ours = SeqTextTokenizerFacade(tokenizer: tok).run(input, format: format, special: true)
            let theirs = try ReferenceRunner.dump(tmp, mode, tokenizer: json.path)
            let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
            let b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(a.count == b.count, "\(name)")
            for (i, (x, y)) in zip(a, b).enumerated() where x != y {
                Issue.record("\(name) line \(i + 1) --\(mode): seq \(x) | HF \(y)")
                break
            }
        }
    }
}
