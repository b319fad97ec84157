import Foundation
import Testing
import SeqTestSupport

// seq distill and the non-autoregressive models through the binary, on the autoregressive
// model TranslateCommandTests trains once: distillation killed and resumed writes the same
// file as one run; hostile sources keep the line count; an empty source, a NAT teacher, a
// finished output and another job's partial file are refused; train-translation --model
// nat-cmlm / nat-ctc --init trains from the AR encoder (a mismatched shape refused); seq
// translate decodes the NAT models, keeps the line count, and --decoder nat refuses others.

@Suite(.serialized) struct NATCommandTests {
    static func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-nat-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Sources with an empty line, invalid UTF-8 and a line of `longLine` words (line 4),
    /// too long for the model.
    static func hostileSources(longLine words: Int) -> Data {
        var input = Data("the dog runs .\n\n".utf8)
        input.append(contentsOf: [0xC3, 0x28, 0xFF, 0x61, 0x0A])
        input.append(Data((Array(repeating: "dog cat", count: words / 2).joined(separator: " ") + "\n").utf8))
        input.append(Data((TranslateCommandTests.english + ["a cat sleeps .", "", "the man reads a book ."]).joined(separator: "\n").utf8))
        return input   // no newline at the end
    }

    static func summary(_ r: CLIResult) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.lastLine.utf8)) as! [String: Any]
    }

    @Test func distillKilledAndResumedWritesTheSameFileAsOneRun() throws {
        let f = try #require(TranslateCommandTests.fixture, "the fixture's training run failed")
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src.en")
        try Self.hostileSources(longLine: 2_000).write(to: src)
        let lines = 4 + 8 + 3
        func distill(_ out: URL, _ extra: [String] = []) throws -> CLIResult {
            try CLI.run(["distill", "--teacher", f.model.path, "--src", src.path, "--out", out.path, "--beam", "2", "--chunk", "3",
                         "--batch-size", "2", "--threads", "1"] + extra)
        }
        let one = dir.appendingPathComponent("one.de"), resumed = dir.appendingPathComponent("resumed.de")
        let full = try distill(one)
        #expect(full.status == 0, "\(full.stderr)")
        let s = try Self.summary(full)
        #expect(s["sentences"] as? Int == lines && s["output"] as? String == one.path && s["sentences_per_s"] is Double)
        #expect(full.stderr.contains("\(src.path):4:") && full.stderr.contains("in pieces"))
        let text = try String(contentsOf: one, encoding: .utf8)
        let outLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(outLines.count == lines + 1 && outLines.last == "", "one line per source line")
        #expect(outLines[1].isEmpty && outLines[lines - 2].isEmpty, "empty lines stay empty")

        // A run stopped after two chunks, then a torn write (half a line) as a kill leaves it.
        let stopped = try distill(resumed, ["--stop-after", "4"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(try Self.summary(stopped)["complete"] as? Bool == false)
        #expect(!FileManager.default.fileExists(atPath: resumed.path), "OUT appears only when complete")
        let partial = URL(fileURLWithPath: resumed.path + ".partial")
        let h = try FileHandle(forWritingTo: partial)
        try h.seekToEnd()
        try h.write(contentsOf: Data("Ein halber Sa".utf8))
        try h.close()
        // Another job's command is refused and leaves the partial file alone.
        let other = try CLI.run(["distill", "--teacher", f.model.path, "--src", src.path, "--out", resumed.path, "--beam", "3",
                                 "--chunk", "3", "--threads", "1"])
        #expect(other.status == 1 && other.stderr.contains("another job"), "\(other.stderr)")
        let rest = try distill(resumed)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(try Self.summary(rest)["resumed_from_line"] as? Int == 6)
        #expect(try Data(contentsOf: resumed) == Data(contentsOf: one))
        #expect(!FileManager.default.fileExists(atPath: partial.path) && !FileManager.default.fileExists(atPath: partial.path + ".json"))
        // A finished output is not overwritten.
        let again = try distill(resumed)
        #expect(again.status == 1 && again.stderr.contains("already exists"))
    }

    @Test func distillRefusesAnEmptySourceAndANonAutoregressiveTeacher() throws {
        let f = try #require(TranslateCommandTests.fixture)
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.en"), out = dir.appendingPathComponent("out.de")
        try Data().write(to: empty)
        let r = try CLI.run(["distill", "--teacher", f.model.path, "--src", empty.path, "--out", out.path, "--threads", "1"])
        #expect(r.status == 1 && r.stderr.contains(empty.path) && r.stderr.contains("empty"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["empty.en"], "nothing written")
        let nat = try Self.natModel(f, kind: "nat-cmlm", in: dir)
        let n = try CLI.run(["distill", "--teacher", nat.path, "--src", f.dir.appendingPathComponent("val.en").path, "--out", out.path])
        #expect(n.status == 1 && n.stderr.contains("autoregressive") && n.stderr.split(separator: "\n").count == 1, "\(n.stderr)")
        #expect(try CLI.run(["distill", "--teacher", f.model.path, "--src", empty.path, "--out", out.path, "--chunk", "0"]).status == 2)
        // --out below a regular file: one sentence with the system's reason, not Foundation's
        // "NSCocoaErrorDomain error 512" (the hostile sweep's finding).
        let file = dir.appendingPathComponent("file")
        try Data("x\n".utf8).write(to: file)
        let u = try CLI.run(["distill", "--teacher", f.model.path, "--src", f.dir.appendingPathComponent("val.en").path,
                             "--out", file.appendingPathComponent("sub").path, "--threads", "1"])
        #expect(u.status == 1 && u.stderr.contains("Not a directory") && !u.stderr.contains("NSCocoaErrorDomain")
                && u.stderr.split(separator: "\n").count == 1, "\(u.stderr)")
    }

    /// A NAT model of `kind` started from the fixture's encoder, trained a few steps.
    static func natModel(_ f: TranslateCommandTests.TrainedModel, kind: String, in dir: URL) throws -> URL {
        let out = dir.appendingPathComponent(kind)
        let r = try CLI.run(["train-translation", "--model", kind, "--init", f.model.path, "--src", f.dir.appendingPathComponent("train.en").path,
                             "--tgt", f.dir.appendingPathComponent("train.de").path, "--val-src", f.dir.appendingPathComponent("val.en").path,
                             "--val-tgt", f.dir.appendingPathComponent("val.de").path, "--out", out.path, "--max-tokens", "200",
                             "--max-steps", "4", "--warmup", "2", "--eval-every", "0", "--checkpoint-every", "0", "--eval-iterations", "2",
                             "--threads", "1"] + (kind == "nat-vanilla" ? ["--init-decoder"] : []))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains(kind == "nat-vanilla" ? "encoder, decoder layers and embeddings from" : "encoder and embeddings from"))
        let summary = try Self.summary(r)
        #expect(summary["best_bleu"] is Double, "validation BLEU decodes the NAT model")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(config["decoder"] as? String == kind)
        return out
    }

    @Test(arguments: ["nat-cmlm", "nat-ctc", "nat-vanilla"])
    func natModelsTrainFromTheEncoderAndTranslateHostileInput(kind: String) throws {
        let f = try #require(TranslateCommandTests.fixture)
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.natModel(f, kind: kind, in: dir)
        // Fewer words than the autoregressive test's 10,000 (debug builds decode every piece's
        // candidates in full); still cut into pieces.
        let r = try CLI.run(["translate", "--model", model.path, "--decoder", "nat", "--iterations", "3", "--batch-size", "3",
                             "--threads", "1"], stdin: Self.hostileSources(longLine: 1_000))
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 15 + 1 && lines.last == "", "\(lines.count) lines")
        #expect(lines[1].isEmpty && lines[13].isEmpty)
        #expect(r.stderr.contains("<stdin>:4:") && r.stderr.contains("in pieces"))
        // Noisy parallel decoding with the autoregressive model the NAT model started from.
        let npd = try CLI.run(["translate", "--model", model.path, "--npd-teacher", f.model.path, "--npd-candidates", "2",
                               "--iterations", "2", "--threads", "1"], stdin: Self.hostileSources(longLine: 20))
        if kind == "nat-ctc" {
            #expect(npd.status == 1 && npd.stderr.contains("nat-vanilla or nat-cmlm"), "\(npd.stderr)")
        } else {
            #expect(npd.status == 0, "\(npd.stderr)")
            #expect(npd.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 15 + 1)
        }
    }

    @Test func decoderNatRefusesOtherModelsAndInitRefusesAnotherShape() throws {
        let f = try #require(TranslateCommandTests.fixture)
        let ar = try CLI.run(["translate", "--model", f.model.path, "--decoder", "nat"], stdin: Data("the dog runs .\n".utf8))
        #expect(ar.status == 1 && ar.stderr.contains("autoregressive") && ar.stderr.split(separator: "\n").count == 1 && ar.stdout.isEmpty,
                "\(ar.stderr)")
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"model_type": "bert", "architectures": ["BertForMaskedLM"], "vocab_size": 30}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        let bert = try CLI.run(["translate", "--model", dir.path, "--decoder", "nat"], stdin: Data("hello\n".utf8))
        #expect(bert.status == 1 && bert.stderr.contains("not a translation model") && bert.stderr.split(separator: "\n").count == 1)
        let shape = try CLI.run(["train-translation", "--model", "nat-cmlm", "--init", f.model.path, "--d-model", "32",
                                 "--src", f.dir.appendingPathComponent("train.en").path, "--tgt", f.dir.appendingPathComponent("train.de").path,
                                 "--out", dir.appendingPathComponent("o").path, "--max-steps", "1", "--threads", "1"])
        #expect(shape.status == 1 && shape.stderr.contains(f.model.path) && shape.stderr.contains("64]") && shape.stderr.contains("32]"),
                "\(shape.stderr)")
        #expect(shape.stderr.split(separator: "\n").count == 1, "\(shape.stderr)")
        let decoderAlone = try CLI.run(["train-translation", "--model", "nat-cmlm", "--init-decoder", "--out", dir.appendingPathComponent("d").path])
        #expect(decoderAlone.status == 2 && decoderAlone.stderr.contains("give --init"), "\(decoderAlone.stderr)")
        #expect(try CLI.run(["translate", "--decoder", "sideways"]).status == 2)
        #expect(try CLI.run(["translate", "--iterations", "0"]).status == 2)
        #expect(try CLI.run(["translate", "--length-beam", "0"]).status == 2)
    }

    /// The NAT rows of seq bench decode: the AR rows' keys, the fixed work (lengths at the
    /// caps), every kind timed with random weights; a trained model of another kind refused.
    @Test func benchDecodeTimesTheNATModels() throws {
        let f = try #require(TranslateCommandTests.fixture)
        let configs = ["greedy:1", "dsgreedy:2", "vanilla:2", "cmlm2:1", "cmlm2l1:2", "ctc:1", "ctc3:2"]
        let r = try CLI.run(["bench", "decode", "--data", f.dir.path, "--sentences", "3", "--configs", configs.joined(separator: ","),
                             "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try Self.summary(r)
        let rows = try #require(json["configs"] as? [String: [String: Any]])
        for name in configs {
            for key in ["seconds", "cpu_seconds_per_wall_second", "sentences_per_s", "tokens_per_s", "generated_tokens", "decoder"] {
                #expect(rows[name]?[key] != nil, "missing \(name).\(key)")
            }
        }
        let sumCaps = try #require(json["sum_caps"] as? Int)
        for name in ["greedy:1", "dsgreedy:2", "vanilla:2", "cmlm2l1:2"] { #expect(rows[name]?["generated_tokens"] as? Int == sumCaps, "\(name)") }
        #expect(rows["dsgreedy:2"]?["layers"] as? String == "6+1" && rows["ctc:1"]?["decoder"] as? String == "nat-ctc")
        let wrong = try CLI.run(["bench", "decode", "--model", f.model.path, "--data", f.dir.path, "--sentences", "2", "--configs", "cmlm4:1"])
        #expect(wrong.status == 1 && wrong.stderr.contains("nat-cmlm"), "\(wrong.stderr)")
        #expect(try CLI.run(["bench", "decode", "--data", f.dir.path, "--configs", "cmlm:1"]).status != 0)
    }
}
