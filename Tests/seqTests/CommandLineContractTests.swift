import Foundation
import Testing

/// DESIGN.md's command-line contract: bad usage exits 2 and says what is valid, bad input
/// exits 1 with one sentence, the last stdout line of a summary is JSON, nothing half-written.
@Suite struct CommandLineContractTests {
    static func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func corpus(in dir: URL) throws -> String {
        let url = dir.appendingPathComponent("corpus.txt")
        try Data("the quiet harbor\nthe harbor at night\nquiet nights\n".utf8).write(to: url)
        return url.path
    }

    @Test func versionComesFromOneConstant() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout == "seq 0.1.0\n")
    }

    @Test func rootHelpListsOnlyPublicCommands() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        let listed = r.stdout.components(separatedBy: "SUBCOMMANDS:").last!
            .split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
                return line.split(separator: " ").first.map(String.init)
            }
        #expect(listed == ["bench", "tokenize", "vocab", "pretrain", "finetune", "embed", "evaluate", "predict", "train-translation", "translate", "distill", "See"])
        #expect(!r.stdout.contains("mlm-logits"))
    }

    @Test func helpForAnUnknownCommandIsAUsageError() throws {
        let r = try CLI.run(["help", "nosuch"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "Error: unknown command 'nosuch' for 'seq'; known: bench, tokenize, vocab, pretrain, finetune, embed, evaluate, predict, train-translation, translate, distill\n")
        let nested = try CLI.run(["help", "vocab", "nosuch"])
        #expect(nested.status == 2)
        #expect(nested.stderr.contains("known: train"))
        let known = try CLI.run(["help", "vocab", "train"])
        #expect(known.status == 0)
        #expect(known.stdout.contains("USAGE: seq vocab train"))
    }

    @Test func benchPresetIsAnEnum() throws {
        let r = try CLI.run(["bench", "train-step", "--preset", "huge"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("Please provide one of 'tiny', 'small' or 'base'."))
        #expect(r.stdout.isEmpty)
    }

    @Test(arguments: [["kernels", "--repeats", "0"], ["embed-latency", "--model", "/nonexistent", "--runs", "0"],
                      ["kernels", "--warmup=-1"]])
    func benchCountsMustBePositive(_ arguments: [String]) throws {
        let r = try CLI.run(["bench"] + arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains("must be at least"))
        #expect(r.stdout.isEmpty)
    }

    /// Every computing command takes the same --threads/--seed group, with the same bounds.
    @Test(arguments: [["tokenize", "--tokenizer", "/nonexistent"], ["vocab", "train", "-", "--out", "/nonexistent"],
                      ["embed", "--model", "/nonexistent"], ["bench", "kernels"], ["pretrain"]])
    func threadsAreBounded(_ command: [String]) throws {
        for bad in ["0", "100000"] {
            let r = try CLI.run(command + ["--threads", bad, "--seed", "3"])
            #expect(r.status == 2, "\(command) --threads \(bad): \(r.stderr)")
            #expect(r.stderr.contains("--threads must be in 1..."), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test func tokenizeAndVocabTrainTakeSeed() throws {
        let dir = try Self.scratch("seed")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("v")
        let v = try CLI.run(["vocab", "train", try Self.corpus(in: dir), "--size", "60", "--out", out.path, "--seed", "5", "--threads", "1"])
        #expect(v.status == 0, "\(v.stderr)")
        let t = try CLI.run(["tokenize", "--tokenizer", out.path, "--seed", "5", "--threads", "1", "--tokens"],
                            stdin: Data("the harbor\n".utf8))
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout == "[CLS] the harbor [SEP]\n")
    }

    /// The summary is built by an encoder: a path with a quote and a backslash survives.
    @Test func vocabTrainSummaryIsJSONForAnyPath() throws {
        let dir = try Self.scratch("json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a\"b\\c").path
        let r = try CLI.run(["vocab", "train", try Self.corpus(in: dir), "--size", "60", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.lastLine.utf8)) as? [String: Any])
        #expect(json["out"] as? String == out)
        #expect(json["model"] as? String == "wordpiece")
        #expect((json["vocab_size"] as? Int ?? 0) > 0)
        #expect(FileManager.default.fileExists(atPath: out + "/vocab.txt"))
        #expect(FileManager.default.fileExists(atPath: out + "/tokenizer.json"))
    }

    /// --out that is a file, or below a file: exit 1, one sentence naming it, the file untouched.
    @Test(arguments: ["", "/sub"])
    func vocabTrainIntoAFileFails(_ suffix: String) throws {
        let dir = try Self.scratch("outfile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("file")
        try Data("keep me".utf8).write(to: file)
        let r = try CLI.run(["vocab", "train", try Self.corpus(in: dir), "--size", "60", "--out", file.path + suffix])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("seq vocab train: \(file.path + suffix): cannot write the vocabulary ("))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep me")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["corpus.txt", "file"])
    }

    /// tokenizer.json cannot be replaced (a directory holds its name): vocab.txt, already
    /// renamed into place, gets its old content back, so the pair never mismatches, and no
    /// temporary file stays.
    @Test func vocabTrainNeverLeavesAMismatchedPair() throws {
        let dir = try Self.scratch("pair")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("tokenizer.json"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: out.appendingPathComponent("tokenizer.json/inside"))
        try Data("old vocabulary\n".utf8).write(to: out.appendingPathComponent("vocab.txt"))
        let r = try CLI.run(["vocab", "train", try Self.corpus(in: dir), "--size", "60", "--out", out.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot write the vocabulary (rename \(out.path)/tokenizer.json: Is a directory)"), "\(r.stderr)")
        #expect(try String(contentsOf: out.appendingPathComponent("vocab.txt"), encoding: .utf8) == "old vocabulary\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["tokenizer.json", "vocab.txt"])
    }

    /// A model directory's vocabulary belongs to its weights: `--out` on one is refused
    /// (exit 2) with nothing in it changed; an empty corpus trains nothing (exit 1, no files).
    @Test func vocabTrainRefusesAModelDirectoryAndAnEmptyCorpus() throws {
        let dir = try Self.scratch("model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: model.appendingPathComponent("config.json"))
        try Data("old vocabulary\n".utf8).write(to: model.appendingPathComponent("vocab.txt"))
        let r = try CLI.run(["vocab", "train", try Self.corpus(in: dir), "--size", "60", "--out", model.path])
        #expect(r.status == 2 && r.stderr.contains("holds a model (config.json)"), "\(r.stderr)")
        #expect(try String(contentsOf: model.appendingPathComponent("vocab.txt"), encoding: .utf8) == "old vocabulary\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: model.path).sorted() == ["config.json", "vocab.txt"])
        let empty = dir.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        let e = try CLI.run(["vocab", "train", empty.path, "--size", "60", "--out", dir.appendingPathComponent("v").path])
        #expect(e.status == 1 && e.stderr.contains("\(empty.path): no words to train a vocabulary on"), "\(e.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("v").path))
    }

    /// A read-only output directory (skipped as root, who may write anywhere).
    @Test(.enabled(if: geteuid() != 0, "root ignores directory permissions"))
    func vocabTrainIntoAReadOnlyDirectoryFails() throws {
        let dir = try Self.scratch("readonly")
        defer {
            chmod(dir.appendingPathComponent("out").path, 0o755)
            try? FileManager.default.removeItem(at: dir)
        }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        chmod(out.path, 0o555)
        let r = try CLI.run(["vocab", "train", try Self.corpus(in: dir), "--size", "60", "--out", out.path])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }
}
