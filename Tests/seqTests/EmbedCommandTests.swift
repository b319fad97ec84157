import Foundation
import Testing
import SeqTestSupport

@Suite struct EmbedCommandTests {
    @Test func missingModelIsInputError() throws {
        let r = try CLI.run(["embed", "--model", "/nonexistent/model"], stdin: Data("hello\n".utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/model"))
        #expect(r.stdout.isEmpty)
    }

    @Test func badBatchSizeIsUsageError() throws {
        let r = try CLI.run(["embed", "--model", "x", "--batch-size", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--batch-size must be at least 1"))
    }

    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func oneUnitVectorPerLineIncludingEmptyAndInvalidUTF8() throws {
        // Empty line, invalid UTF-8, NUL byte, no trailing newline: four lines, four vectors.
        var input = Data("A man is playing a guitar.\n\n".utf8)
        input.append(contentsOf: [0xC3, 0x28, 0x61, 0x0A, 0x00, 0x62])
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.path, "--threads", "1"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 4)
        for line in lines {
            let v = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [Double]
            #expect(v.count == 384)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        let summary = try JSONSerialization.jsonObject(with: Data(r.stderr.split(separator: "\n").last!.utf8)) as! [String: Any]
        #expect(summary["sentences"] as? Int == 4)
    }

    /// `seq embed` streams: a line gets its vector while stdin stays open (not after 4,096
    /// lines or the end of input).
    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func aLineIsAnsweredWhileInputStaysOpen() throws {
        let r = try CLI.firstLineWhileInputStaysOpen(["embed", "--model", Checkpoints.miniLM!.path, "--threads", "1"],
                                                     input: Data("A man is playing a guitar.\n".utf8))
        #expect(r.line?.hasPrefix("[") == true, "no vector while stdin is open")
        #expect(r.status == 0)
    }

    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func emptyInputWritesNothing() throws {
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.path])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }
}

@Suite struct EmbedBadInputTests {
    static func temporaryModelDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-embed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func malformedConfigIsInputErrorNamingTheFile() throws {
        let dir = try Self.temporaryModelDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"hidden_size\": 16,".utf8).write(to: dir.appendingPathComponent("config.json"))
        let r = try CLI.run(["embed", "--model", dir.path], stdin: Data("hi\n".utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("config.json"))
        #expect(r.stdout.isEmpty)
    }

    @Test func configWithImpossibleShapeIsRefused() throws {
        let dir = try Self.temporaryModelDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = #"{"vocab_size": 10, "hidden_size": 10, "num_hidden_layers": 1, "num_attention_heads": 3, "intermediate_size": 8}"#
        try Data(config.utf8).write(to: dir.appendingPathComponent("config.json"))
        let r = try CLI.run(["embed", "--model", dir.path], stdin: Data("hi\n".utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("not divisible by num_attention_heads"))
    }

    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func truncatedWeightsAreRefused() throws {
        let dir = try Self.temporaryModelDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Checkpoints.miniLM!
        for name in ["config.json", "vocab.txt", "tokenizer.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let weights = try Data(contentsOf: source.appendingPathComponent("model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: dir.appendingPathComponent("model.safetensors"))
        let r = try CLI.run(["embed", "--model", dir.path], stdin: Data("hi\n".utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("model.safetensors"))
        #expect(r.stdout.isEmpty)
    }

    /// A 1 MB line of words is truncated to --max-length tokens and embedded like any other.
    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func hugeLineIsTruncatedNotFatal() throws {
        var input = Data(String(repeating: "a long line of words ", count: 50_000).utf8)
        input.append(Data("\nshort line\n".utf8))
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.path, "--max-length", "32"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 2)
    }
}
