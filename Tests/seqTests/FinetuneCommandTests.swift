import Foundation
import Testing

/// The command-line contract of seq finetune, evaluate and predict for the fine-tuning
/// tasks: exit codes (0 success, 1 bad input, 2 bad usage), the last stdout line's JSON
/// keys, one JSON line per input, and another task's model refused in one sentence. The
/// starting model is a 1-layer × 16 BERT that `seq pretrain` writes in a few steps.
@Suite(.serialized) struct FinetuneCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func bundled(_ name: String) -> String { root.appendingPathComponent("corpora/finetune/" + name).path }

    static func directory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seq-finetune-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A tiny pretrained BERT, then a sentiment model fine-tuned from it for 3 steps.
    static func sentimentModel(in dir: URL) throws -> (start: URL, run: URL, summary: [String: Any]) {
        let corpus = dir.appendingPathComponent("corpus.txt")
        try String(repeating: "the film was warm and the hotel was dull\n", count: 20).write(to: corpus, atomically: true, encoding: .utf8)
        let start = dir.appendingPathComponent("pretrained")
        let p = try CLI.run(["pretrain", corpus.path, "--tokenizer", root.appendingPathComponent("vocab/default").path, "--layers", "1",
                             "--hidden", "16", "--heads", "2", "--ffn", "32", "--max-length", "16", "--batch-size", "4",
                             "--max-steps", "1", "--eval-rows", "2", "--threads", "1", "--out", start.path])
        #expect(p.status == 0, "\(p.stderr)")
        let run = dir.appendingPathComponent("sentiment")
        let r = try CLI.run(["finetune", "--task", "sentiment", "--init", start.path, "--max-steps", "3", "--batch-size", "4",
                             "--max-length", "32", "--eval-every", "2", "--threads", "1", "--out", run.path])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.lastLine.utf8)) as? [String: Any] ?? [:]
        return (start, run, summary)
    }

    @Test func finetuneEvaluatePredictContract() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (start, run, summary) = try Self.sentimentModel(in: dir)
        for key in ["steps", "examples_per_s", "tokens_per_s", "best_accuracy", "best_dev", "out", "model"] {
            #expect(summary[key] != nil, "finetune's summary lacks \(key): \(summary.keys.sorted())")
        }
        #expect(summary["steps"] as? Int == 3)
        // What to run next names the dev file the model was chosen on, ready to paste.
        let dev = try #require(summary["dev"] as? String)
        #expect((summary["next"] as? [String] ?? []).contains { $0.hasSuffix("--data \(dev)") }, "\(summary["next"] ?? "none")")
        let model = try #require(summary["model"] as? String)
        #expect(model == run.appendingPathComponent("best").path)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model).appendingPathComponent("config.json"))) as? [String: Any]
        #expect(config?["architectures"] as? [String] == ["BertForSequenceClassification"])
        #expect(config?["id2label"] as? [String: String] == ["0": "0", "1": "1"])

        let e = try CLI.run(["evaluate", "--task", "sentiment", "--model", model, "--data", Self.bundled("sentiment.dev.tsv"), "--threads", "1"])
        #expect(e.status == 0, "\(e.stderr)")
        let figures = try JSONSerialization.jsonObject(with: Data(e.lastLine.utf8)) as? [String: Any] ?? [:]
        let accuracy = try #require(figures["accuracy"] as? Double)
        #expect((0...1).contains(accuracy) && figures["examples"] as? Int == 120)

        let p = try CLI.run(["predict", "--task", "sentiment", "--model", model, "--threads", "1"], stdin: Data("a warm film\nthe hotel was dull\n".utf8))
        #expect(p.status == 0, "\(p.stderr)")
        let lines = p.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(["0", "1"].contains(o?["label"] as? String ?? "") && (o?["probabilities"] as? [String: Double])?.count == 2)
        }

        // Another task's command refuses the model in one sentence (exit 1).
        for args in [["evaluate", "--task", "pos", "--model", model, "--data", Self.bundled("pos.dev.conllu")],
                     ["evaluate", "--task", "nli", "--model", model, "--data", Self.bundled("nli.dev.tsv")],
                     ["predict", "--task", "qa", "--model", model]] {
            let r = try CLI.run(args)
            #expect(r.status == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("but seq"), "\(r.stderr)")
            #expect(r.stderr.components(separatedBy: model).count == 2, "the model's path once: \(r.stderr)")
        }
        // A starting model given to predict: not a fine-tuned head.
        let s = try CLI.run(["predict", "--task", "sentiment", "--model", start.path], stdin: Data("x\n".utf8))
        #expect(s.status == 1 && s.stderr.contains("BertForSequenceClassification"), "\(s.stderr)")

        // A label the model does not know, with its file and line; skipped on request.
        let bad = dir.appendingPathComponent("bad.tsv")
        try "sentence\tlabel\nfine \t1\nodd \t7\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["evaluate", "--task", "sentiment", "--model", model, "--data", bad.path])
        #expect(refused.status == 1 && refused.stderr.contains("bad.tsv:3:"), "\(refused.stderr)")
        let skipped = try CLI.run(["evaluate", "--task", "sentiment", "--model", model, "--data", bad.path, "--on-bad-input", "skip"])
        #expect(skipped.status == 0 && skipped.stderr.contains("bad.tsv:3:"), "\(skipped.stderr)")

        // The same --out again is refused without --resume; --resume continues.
        let again = try CLI.run(["finetune", "--task", "sentiment", "--init", start.path, "--out", run.path])
        #expect(again.status == 2, "\(again.stderr)")
        let resumed = try CLI.run(["finetune", "--task", "sentiment", "--out", run.path, "--resume", "--max-steps", "4", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let r2 = try JSONSerialization.jsonObject(with: Data(resumed.lastLine.utf8)) as? [String: Any]
        #expect(r2?["steps"] as? Int == 4 && r2?["resumed_from_step"] as? Int == 3)
    }

    @Test func badUsageAndBadInputExitCodes() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for args in [["finetune", "--task", "sentiment", "--epochs", "0"], ["finetune", "--task", "nosuch"],
                     ["finetune", "--task", "pos", "--warmup", "1.5"], ["evaluate", "--task", "qa", "--data", "x.json"],
                     ["predict", "--task", "sentiment", "--model", "m", "--format", "conllu"]] {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
        }
        let missing = try CLI.run(["finetune", "--task", "sentiment", "--init", dir.path, "--train", dir.appendingPathComponent("none.tsv").path,
                                   "--out", dir.appendingPathComponent("o").path])
        #expect(missing.status == 1, "\(missing.stderr)")
        let empty = dir.appendingPathComponent("empty.conllu")
        try Data().write(to: empty)
        let e = try CLI.run(["evaluate", "--task", "pos", "--model", dir.path, "--data", empty.path])
        #expect(e.status == 1, "\(e.stderr)")
    }
}
