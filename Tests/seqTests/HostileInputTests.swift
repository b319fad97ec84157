import Foundation
import Testing
import SeqTensor
import SeqTestSupport

/// The hostile sweep's findings, one per class, against the built binary: each gives exit
/// 1 (bad input) or 2 (bad usage) with one sentence, never a crash or a Foundation dump,
/// and a failed write is never a success.
@Suite struct HostileInputTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func vocabFile(in dir: URL, _ tokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"]) throws -> String {
        let path = dir.appendingPathComponent("vocab.txt").path
        try Data((tokens.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func tokenizeToAFullDiskIsAnError() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = try Self.vocabFile(in: dir)
        let r = try CLI.run(["tokenize", "--tokenizer", vocab], stdin: Data(String(repeating: "a b\n", count: 20_000).utf8), stdoutFile: "/dev/full")
        #expect(r.status == 1)
        #expect(r.stderr.contains("<stdout>") && r.stderr.contains("No space left"), "\(r.stderr)")
    }

    @Test func vocabTrainSummaryToAFullDiskIsAnError() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("c.txt")
        try Data(String(repeating: "the cat sat on the mat\n", count: 50).utf8).write(to: corpus)
        let r = try CLI.run(["vocab", "train", corpus.path, "--out", dir.appendingPathComponent("v").path, "--size", "60"], stdoutFile: "/dev/full")
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("<stdout>"))
    }

    @Test(arguments: [["--layers", "100000"], ["--batch-size", "100000000"], ["--hidden", "1000000000", "--heads", "1"],
                      ["--max-positions", "144115188075855872", "--max-length", "128"]])
    func pretrainSizesBeyondMemoryAreUsageErrors(flags: [String]) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = try Self.vocabFile(in: dir)
        let r = try CLI.run(["pretrain", "--tokenizer", vocab, "--max-steps", "1", "--out", dir.appendingPathComponent("run").path] + flags)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("memory"), "\(r.stderr)")
    }

    @Test func pretrainOutThatIsAFileIsRefusedBeforeTraining() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = try Self.vocabFile(in: dir)
        let file = dir.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        for out in [file.path, file.appendingPathComponent("sub").path] {
            let r = try CLI.run(["pretrain", "--tokenizer", vocab, "--max-steps", "1", "--out", out])
            #expect(r.status == 1, "\(r.stderr)")
            #expect(r.stderr.contains(out) && !r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("pretrain:"), "\(r.stderr)")
        }
    }

    @Test(arguments: [["--runs", "0"], ["--runs", "10000000"], ["--repeats", "0"], ["--warmup", "-1"]])
    func benchCountsOutOfRangeAreUsageErrors(flags: [String]) throws {
        let r = try CLI.run(["bench", "embed-latency", "--model", "/nonexistent"] + flags)
        #expect(r.status == 2, "\(r.stderr)")
    }

    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func embedToAFullDiskIsAnError() throws {
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.path], stdin: Data("hello\n".utf8), stdoutFile: "/dev/full")
        #expect(r.status == 1)
        #expect(r.stderr.contains("<stdout>"), "\(r.stderr)")
    }

    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func embedAcceptsAPathToConfigJSON() throws {
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.appendingPathComponent("config.json").path], stdin: Data("hello\n".utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("[") && r.stdout.split(separator: "\n").count == 1)
    }

    /// A 4 MB line without a single space after its first words still embeds (the cut
    /// needs whitespace; without it the whole line is read, which must still work), and a
    /// 4 MB line of words gives the vector of its first 128 tokens.
    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func longLinesEmbedAsTheirHead() throws {
        let words = String(repeating: "the harbor at dawn ", count: 200_000)
        let head = String(repeating: "the harbor at dawn ", count: 40)
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.path], stdin: Data((words + "\n" + head + "\n").utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        // The same 128 tokens; rows of a batch may differ in the last float bits.
        func vector(_ line: Substring?) -> [Double] {
            (try? JSONSerialization.jsonObject(with: Data((line ?? "").utf8)) as? [Double]) ?? []
        }
        let a = vector(lines.first), b = vector(lines.last)
        #expect(a.count == 384 && b.count == 384)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    /// Weights that compute NaN are refused with exit 1: JSON has no NaN, so printing
    /// `[nan,…]` would hand the reader invalid output.
    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func nanWeightsAreAnErrorNotInvalidJSON() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Checkpoints.miniLM!
        for name in ["config.json", "vocab.txt", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let archive = try Safetensors.read(source.appendingPathComponent("model.safetensors"))
        let tensors = archive.ordered.map { entry in
            (name: entry.name, tensor: entry.name.hasSuffix("embeddings.LayerNorm.weight") ? Tensor(repeating: .nan, shape: entry.tensor.shape) : entry.tensor)
        }
        try Safetensors.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        let r = try CLI.run(["embed", "--model", dir.path], stdin: Data("hello\n".utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("non-finite"), "\(r.stderr)")
        #expect(!r.stdout.contains("nan"))
    }

    /// Found by the hostile sweep's rows for train-translation: a --d-model of 10⁹ trapped in
    /// an allocation and 100,000 layers ran out of memory, both after training a vocabulary
    /// on the whole corpus; a --vocab-size of 10¹² trained for minutes. All are usage errors
    /// now, before any work.
    @Test(arguments: [["--d-model", "1000000000"], ["--encoder-layers", "100000"], ["--decoder-layers", "9223372036854775807"],
                      ["--vocab-size", "1000000000000"]])
    func trainTranslationSizesBeyondMemoryAreUsageErrors(flags: [String]) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["train-translation", "--out", dir.appendingPathComponent("run").path] + flags)
        #expect(r.status == 2, "\(flags): \(r.stderr)")
        #expect(r.stderr.contains("memory") || r.stderr.contains("at most"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path))
    }

    /// `--out` under a regular file: finetune and train-translation trained, then failed to
    /// save with "NSCocoaErrorDomain error 512"; now one sentence before any work.
    @Test func outputUnderAFileIsRefusedBeforeTraining() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("file")
        try Data("x\n".utf8).write(to: file)
        let out = file.appendingPathComponent("sub").path
        for args in [["finetune", "--task", "sentiment", "--init", dir.path, "--out", out], ["train-translation", "--max-steps", "1", "--out", out]] {
            let r = try CLI.run(args)
            #expect(r.status == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("cannot create the --out directory") && !r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("training"),
                    "\(args): \(r.stderr)")
        }
    }
}
