import Foundation
import Testing

/// `seq tokenize` and `seq vocab train` as a user runs them: stdout, stderr, exit status, on
/// empty, malformed, huge (10 MB line), non-UTF-8 and unterminated input. They use the
/// vocabulary the project ships (vocab/default), so they need nothing outside the package.
struct TokenizeTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let vocab = packageRoot.appendingPathComponent("vocab/default").path

    func tokenize(_ input: Data, _ extra: [String] = []) throws -> CLIResult {
        try CLI.run(["tokenize", "--tokenizer", Self.vocab] + extra, stdin: input)
    }

    @Test func emptyInputGivesEmptyOutput() throws {
        let r = try tokenize(Data())
        #expect(r.status == 0)
        #expect(r.stdout == "")
    }

    @Test func oneLinePerInputLineAndNoTrailingNewline() throws {
        let r = try tokenize(Data("the harbor\n\n   \nlast line without newline".utf8), ["--tokens"])
        #expect(r.status == 0)
        #expect(r.stdout == "[CLS] the harbor [SEP]\n[CLS] [SEP]\n[CLS] [SEP]\n[CLS] last line without newline [SEP]\n"
                || r.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 5)
        #expect(r.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 5)
        let ids = try tokenize(Data("the harbor".utf8), ["--no-special"])
        #expect(!ids.stdout.contains(" 2 ") && ids.stdout.hasSuffix("\n"))
    }

    @Test func invalidUTF8AndNULAreDecodedLikePython() throws {
        // \xff → U+FFFD and NUL are removed by BERT's clean-up; offsets count the U+FFFD.
        let r = try tokenize(Data([0x61, 0xFF, 0x62, 0x00, 0x63, 0x0A]), ["--offsets", "--no-special"])
        #expect(r.status == 0)
        let clean = try tokenize(Data("abc\n".utf8), ["--tokens", "--no-special"])
        let dirty = try tokenize(Data([0x61, 0xFF, 0x62, 0x00, 0x63, 0x0A]), ["--tokens", "--no-special"])
        #expect(dirty.stdout == clean.stdout)
        #expect(r.stdout.hasPrefix("0-"))
        #expect(r.stdout.hasSuffix("-5\n"))
    }

    @Test func tenMegabyteLine() throws {
        var line = Data()
        let word = Data("harbor ".utf8)
        for _ in 0..<(10_000_000 / word.count) { line.append(word) }
        let r = try tokenize(line + Data("\nx\n".utf8), ["--threads", "2"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines[0].split(separator: " ").count == 10_000_000 / word.count + 2)
    }

    @Test func threadsKeepOrder() throws {
        var text = ""
        for i in 0..<5000 { text += "line \(i) the quiet harbor\n" }
        let one = try tokenize(Data(text.utf8), ["--threads", "1", "--offsets"])
        let two = try tokenize(Data(text.utf8), ["--threads", "2", "--offsets"])
        #expect(one.stdout == two.stdout)
        #expect(one.status == 0)
    }

    @Test func missingTokenizerIsBadInput() throws {
        let r = try CLI.run(["tokenize", "--tokenizer", "/nonexistent/tokenizer.json"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/tokenizer.json"))
    }

    @Test func malformedTokenizerJSONIsBadInput() throws {
        let f = FileManager.default.temporaryDirectory.appendingPathComponent("seq-bad-\(UUID().uuidString).json")
        try Data("{\"model\": {\"type\": \"WordPiece\"}}".utf8).write(to: f)
        defer { try? FileManager.default.removeItem(at: f) }
        let r = try CLI.run(["tokenize", "--tokenizer", f.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(f.path) && r.stderr.contains("expected"))
        try Data("not json".utf8).write(to: f)
        #expect(try CLI.run(["tokenize", "--tokenizer", f.path]).status == 1)
    }

    @Test func badUsageIsAUsageError() throws {
        let r = try tokenize(Data(), ["--threads", "0"])
        #expect(r.status == 2)   // bad usage (DESIGN.md's contract)
        #expect(r.stderr.contains("--threads"))
    }

    @Test func vocabTrainEmptyCorpusAndMissingCorpus() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-vocab-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // An empty corpus (stdin) trains nothing: exit 1 naming it, no vocabulary written
        // (it once wrote the five special tokens and exited 0).
        let r = try CLI.run(["vocab", "train", "-", "--size", "100", "--out", dir.path])
        #expect(r.status == 1 && r.stderr.contains("-: no words to train a vocabulary on"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("vocab.txt").path))
        let missing = try CLI.run(["vocab", "train", "/nonexistent/corpus.txt", "--out", dir.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/corpus.txt"))
    }

    @Test func vocabTrainIsDeterministicAndReadable() throws {
        let corpus = Self.packageRoot.appendingPathComponent("corpora/default.txt").path
        let a = FileManager.default.temporaryDirectory.appendingPathComponent("seq-vocab-a-\(UUID().uuidString)")
        let b = FileManager.default.temporaryDirectory.appendingPathComponent("seq-vocab-b-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let ra = try CLI.run(["vocab", "train", corpus, "--size", "500", "--out", a.path, "--threads", "1"])
        let rb = try CLI.run(["vocab", "train", corpus, "--size", "500", "--out", b.path, "--threads", "2"])
        #expect(ra.status == 0 && rb.status == 0)
        #expect(ra.stdout.split(separator: "\n").last?.hasPrefix("{") == true)
        let va = try Data(contentsOf: a.appendingPathComponent("vocab.txt"))
        #expect(va == (try Data(contentsOf: b.appendingPathComponent("vocab.txt"))))
        let t = try CLI.run(["tokenize", "--tokenizer", a.appendingPathComponent("tokenizer.json").path, "--tokens"],
                             stdin: Data("The quiet harbor.\n".utf8))
        #expect(t.stdout.hasPrefix("[CLS] the"))
    }

    @Test func vocabTrainHugeLineAndBinaryCorpus() throws {
        var data = Data()
        for _ in 0..<1_000_000 { data.append(contentsOf: Array("harbor ".utf8)) }
        data.append(contentsOf: [0xFF, 0xFE, 0x00, 0x0A, 0x61, 0x62])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-vocab-h-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["vocab", "train", "-", "--size", "50", "--out", dir.path], stdin: data)
        #expect(r.status == 0)
        let vocab = try String(contentsOf: dir.appendingPathComponent("vocab.txt"), encoding: .utf8)
        #expect(vocab.contains("harbor"))
    }
}
