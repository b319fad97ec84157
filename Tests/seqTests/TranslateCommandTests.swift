import Foundation
import Testing
import SeqTestSupport

// seq train-translation, seq translate, seq evaluate --model and seq bench decode through
// the binary: the JSON contracts, hostile input (the output keeps the input's line count),
// streaming (a line is answered while stdin stays open), and other kinds of model refused.

@Suite(.serialized) struct TranslateCommandTests {
    static let english = ["the dog runs .", "a cat sleeps .", "the man reads a book .", "a woman eats bread .",
                          "the child plays in the park .", "two dogs run .", "the old man sleeps .", "a small cat eats ."]
    static let german = ["der hund läuft .", "eine katze schläft .", "der mann liest ein buch .", "eine frau isst brot .",
                         "das kind spielt im park .", "zwei hunde laufen .", "der alte mann schläft .", "eine kleine katze isst ."]

    /// A small trained model directory shared by the tests (trained once, 30 steps).
    struct TrainedModel: Sendable {
        var dir: URL
        var model: URL
        /// The training run's last stdout line.
        var summaryLine: String
        var summary: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(summaryLine.utf8))) as? [String: Any] ?? [:] }
    }

    /// The fixture's directory: one per test process, removed when the process exits (the
    /// fixture outlives every test that uses it, so no test can remove it).
    static func fixtureDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("seq-mt-cli-\(getpid())")
    }

    static let fixture: TrainedModel? = {
        let dir = fixtureDirectory()
        try? FileManager.default.removeItem(at: dir)   // a previous process with the same id
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TranslateCommandTests.fixtureDirectory()) }
        func write(_ lines: [String], _ name: String) {
            try? (Array(repeating: lines, count: 6).flatMap { $0 }.joined(separator: "\n") + "\n")
                .write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        write(english, "train.en"); write(german, "train.de"); write(english, "val.en"); write(german, "val.de")
        let model = dir.appendingPathComponent("model")
        guard let r = try? CLI.run(["train-translation", "--src", dir.appendingPathComponent("train.en").path,
                                    "--tgt", dir.appendingPathComponent("train.de").path,
                                    "--val-src", dir.appendingPathComponent("val.en").path, "--val-tgt", dir.appendingPathComponent("val.de").path,
                                    "--out", model.path, "--preset", "tiny", "--d-model", "64", "--ffn", "128", "--vocab-size", "300",
                                    "--encoder-layers", "1", "--decoder-layers", "1", "--dropout", "0",
                                    "--max-tokens", "200", "--max-steps", "30", "--warmup", "20", "--lr", "0.005", "--eval-every", "15",
                                    "--average-last", "2", "--checkpoint-every", "10", "--threads", "1"]),
              r.status == 0 else { return nil }
        return TrainedModel(dir: dir, model: model, summaryLine: r.lastLine)
    }()

    @Test func trainingWritesTheModelAndTheSummary() throws {
        let f = try #require(Self.fixture, "the fixture's training run failed")
        for key in ["steps", "tgt_tokens_per_s", "best_bleu", "out"] { #expect(f.summary[key] != nil, "missing \(key)") }
        #expect(f.summary["steps"] as? Int == 30)
        #expect(f.summary["averaged_checkpoints"] as? Int == 2)
        for file in ["config.json", "model.safetensors", "tokenizer.json", "best/config.json", "metrics.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: f.model.appendingPathComponent(file).path), "\(file)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: f.model.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(config["model_type"] as? String == "seq-translator")
        #expect(config["decoder"] as? String == "autoregressive")
    }

    @Test func hostileInputKeepsTheLineCount() throws {
        let f = try #require(Self.fixture)
        func input(longLine: Bool) -> Data {
            var input = Data("the dog runs .\n\n".utf8)
            input.append(contentsOf: [0xC3, 0x28, 0xFF, 0x61, 0x0A])                       // invalid UTF-8
            if longLine { input.append(Data((Array(repeating: "dog cat", count: 5_000).joined(separator: " ") + "\n").utf8)) }   // 10,000 words
            input.append(Data("a cat sleeps .\r\n\n\n".utf8))
            input.append(contentsOf: [0x00, 0x0A])                                           // a NUL byte
            input.append(Data("no newline at the end".utf8))
            return input
        }
        let r = try CLI.run(["translate", "--model", f.model.path, "--beam", "1", "--threads", "1"], stdin: input(longLine: true))
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 9 + 1 && lines.last == "", "\(lines.count) lines")
        #expect(lines[1].isEmpty && lines[6].isEmpty && lines[5].isEmpty)
        // This small fixture takes short pieces, so the 10,000 words exceed the 100 pieces a
        // line may take: its head is translated and the warning says so.
        #expect(r.stderr.contains("<stdin>:4:") && r.stderr.contains("only its first") && r.stderr.contains("pieces of"), "\(r.stderr)")
        // Beam search, small batches: the same line count.
        let b = try CLI.run(["translate", "--model", f.model.path, "--beam", "3", "--batch-size", "2", "--threads", "1"], stdin: input(longLine: false))
        let beamLines = b.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(b.status == 0 && beamLines.count == 8 + 1, "\(b.stderr)")
    }

    @Test func aLineIsAnsweredWhileInputStaysOpen() throws {
        let f = try #require(Self.fixture)
        let r = try CLI.firstLineWhileInputStaysOpen(["translate", "--model", f.model.path, "--threads", "1"],
                                                     input: Data("the dog runs .\n".utf8))
        #expect(r.line != nil, "no answer while stdin is open")
        #expect(r.status == 0)
    }

    @Test func evaluateTranslatesAndScores() throws {
        let f = try #require(Self.fixture)
        let r = try CLI.run(["evaluate", "--task", "translate", "--model", f.model.path, "--src", f.dir.appendingPathComponent("val.en").path,
                             "--ref", f.dir.appendingPathComponent("val.de").path, "--beam", "2", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.lastLine.utf8)) as! [String: Any]
        #expect(json["bleu"] is Double && json["chrf"] is Double)
    }

    @Test func benchDecodeHasTheReferenceKeys() throws {
        let f = try #require(Self.fixture)
        let r = try CLI.run(["bench", "decode", "--model", f.model.path, "--data", f.dir.path, "--sentences", "5",
                             "--configs", "greedy:1,beam3:2", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.lastLine.utf8)) as! [String: Any]
        for key in ["mode", "weights", "stop_on_eos", "sentences", "src_tokens", "cap_rule", "sum_caps", "configs", "peak_rss_mib"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let configs = try #require(json["configs"] as? [String: [String: Any]])
        for name in ["greedy:1", "beam3:2"] {
            for key in ["seconds", "cpu_seconds_per_wall_second", "sentences_per_s", "tokens_per_s", "generated_tokens"] {
                #expect(configs[name]?[key] != nil, "missing \(name).\(key)")
            }
        }
    }

    @Test func anotherKindOfModelIsRefusedInOneSentence() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-mt-bert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(#"{"model_type": "bert", "architectures": ["BertForMaskedLM"], "vocab_size": 30}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        let r = try CLI.run(["translate", "--model", dir.path], stdin: Data("hello\n".utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("BertForMaskedLM") && r.stderr.contains("not a translation model"))
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty)
    }

    @Test func badUsageExitsTwo() throws {
        for args in [["translate", "--beam", "0"], ["translate", "--batch-size", "0"], ["train-translation", "--src", "a"],
                     ["train-translation", "--max-tokens", "0"], ["evaluate", "--task", "translate", "--model", "m"]] {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
        }
    }

    @Test func badTrainingInputNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-mt-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let a = dir.appendingPathComponent("a.txt"), b = dir.appendingPathComponent("b.txt"), empty = dir.appendingPathComponent("empty.txt")
        try Data("one\ntwo\n".utf8).write(to: a)
        try Data("eins\n".utf8).write(to: b)
        try Data().write(to: empty)
        let mismatch = try CLI.run(["train-translation", "--src", a.path, "--tgt", b.path, "--out", dir.appendingPathComponent("o1").path, "--vocab-size", "300"])
        #expect(mismatch.status == 1 && mismatch.stderr.contains(b.path) && mismatch.stderr.contains("lines"), "\(mismatch.stderr)")
        let none = try CLI.run(["train-translation", "--src", empty.path, "--tgt", empty.path, "--out", dir.appendingPathComponent("o2").path, "--vocab-size", "300"])
        #expect(none.status == 1 && none.stderr.contains(empty.path), "\(none.stderr)")
        let missing = try CLI.run(["translate", "--model", dir.appendingPathComponent("nothing").path], stdin: Data("x\n".utf8))
        #expect(missing.status == 1 && missing.stderr.contains("nothing"))
    }
}
