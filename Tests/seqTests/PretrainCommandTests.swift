import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `seq pretrain` as a user runs it: killed with SIGKILL and resumed, bad corpora, damaged
/// checkpoints, bad usage. A model of 1 layer × 16 on rows of 16 tokens keeps each run to
/// seconds in a debug build.
struct PretrainCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let vocab = root.appendingPathComponent("vocab/default").path

    static func directory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seq-pretrain-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func corpus(in dir: URL, lines: Int = 150) -> String {
        let text = try! String(contentsOf: root.appendingPathComponent("corpora/default.txt"), encoding: .utf8)
        let path = dir.appendingPathComponent("corpus.txt").path
        FileManager.default.createFile(atPath: path, contents: Data((text.split(separator: "\n").prefix(lines).joined(separator: "\n") + "\n").utf8))
        return path
    }

    static func tinyArgs(_ corpus: String, out: URL, steps: Int) -> [String] {
        ["pretrain", corpus, "--tokenizer", vocab, "--layers", "1", "--hidden", "16", "--heads", "2", "--ffn", "32",
         "--max-length", "16", "--batch-size", "4", "--max-steps", String(steps), "--checkpoint-every", "4",
         "--eval-every", "10", "--eval-rows", "2", "--warmup", "5", "--lr", "1e-3", "--threads", "1", "--seed", "7",
         "--log-every", "3", "--out", out.path]
    }

    /// A resumed run gives only what may change; the recipe is the checkpoint's.
    static func resumeArgs(_ corpus: String, out: URL, steps: Int) -> [String] {
        ["pretrain", corpus, "--max-steps", String(steps), "--checkpoint-every", "4", "--eval-every", "10", "--threads", "1",
         "--log-every", "3", "--out", out.path, "--resume"]
    }

    static func json(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    /// Starts `seq` with output discarded; once a checkpoint newer than those in `out` appears,
    /// waits `extra` seconds (landing inside a step, an evaluation or the next checkpoint
    /// write) and kills it with SIGKILL. Returns whether the kill landed before the run ended.
    static func killed(afterNewCheckpointIn out: URL, extra: Double, _ arguments: [String]) throws -> Bool {
        let before = Set(PretrainCheckpointFiles.checkpoints(out))
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        while p.isRunning && Set(PretrainCheckpointFiles.checkpoints(out)).subtracting(before).isEmpty { usleep(2000) }
        usleep(UInt32(extra * 1e6))
        let running = p.isRunning
        if running { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return running && p.terminationReason == .uncaughtSignal
    }

    /// An uninterrupted run against one killed with SIGKILL several times at arbitrary
    /// moments (inside steps, evaluations and checkpoint writes) and resumed each time: the
    /// final weights are the same bytes, and the metrics log reads as one run.
    @Test func sigkillAndResumeGiveTheSameWeights() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = Self.corpus(in: dir)
        let steps = 48
        let straightOut = dir.appendingPathComponent("straight")
        let straight = try CLI.run(Self.tinyArgs(corpus, out: straightOut, steps: steps))
        #expect(straight.status == 0, "\(straight.stderr)")

        let out = dir.appendingPathComponent("killed")
        var kills = 0
        for extra in [0.0, 0.004, 0.011, 0.023, 0.002] {
            let resume = !PretrainCheckpointFiles.checkpoints(out).isEmpty
            if try Self.killed(afterNewCheckpointIn: out, extra: extra, (resume ? Self.resumeArgs(corpus, out: out, steps: steps) : Self.tinyArgs(corpus, out: out, steps: steps))) {
                kills += 1
            }
        }
        #expect(kills >= 3, "the runs ended before they could be killed")
        let resume = !PretrainCheckpointFiles.checkpoints(out).isEmpty
        let last = try CLI.run((resume ? Self.resumeArgs(corpus, out: out, steps: steps) : Self.tinyArgs(corpus, out: out, steps: steps)))
        #expect(last.status == 0, "\(last.stderr)")
        let summary = Self.json(last.lastLine)
        #expect(summary["steps"] as? Int == steps)
        let a = try Data(contentsOf: straightOut.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
        #expect(a == b)
        #expect(Self.json(straight.lastLine)["eval_loss"] as? Double == summary["eval_loss"] as? Double)
        let steps1 = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { Self.json(String($0))["step"] as? Int }
        let steps0 = try String(contentsOf: straightOut.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { Self.json(String($0))["step"] as? Int }
        #expect(steps1 == steps0)
        // Nothing half-written is left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(!names.contains { $0.contains(".tmp-") || $0.contains(".del-") })
    }

    /// A kill during a checkpoint write leaves a hidden temporary directory; the previous
    /// checkpoint stays the newest complete one and `--resume` continues from it.
    @Test func halfWrittenCheckpointIsIgnored() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = Self.corpus(in: dir)
        let out = dir.appendingPathComponent("run")
        #expect(try CLI.run(Self.tinyArgs(corpus, out: out, steps: 8)).status == 0)
        // What a kill in the middle of writing checkpoint-12 leaves.
        let partial = out.appendingPathComponent(".checkpoint-12.tmp-4242")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        try Data("{\"vocab".utf8).write(to: partial.appendingPathComponent("config.json"))
        let r = try CLI.run(Self.resumeArgs(corpus, out: out, steps: 12))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("resuming \(out.path)/checkpoint-8 at step 8"))
        #expect(Self.json(r.lastLine)["resumed_from_step"] as? Int == 8)
        #expect(!FileManager.default.fileExists(atPath: partial.path))
    }

    @Test func damagedCheckpointIsRefused() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = Self.corpus(in: dir)
        let out = dir.appendingPathComponent("run")
        #expect(try CLI.run(Self.tinyArgs(corpus, out: out, steps: 4)).status == 0)
        let state = out.appendingPathComponent("checkpoint-4/training_state.safetensors")
        let bytes = try Data(contentsOf: state)
        try bytes.prefix(bytes.count - 100).write(to: state)
        let r = try CLI.run(Self.resumeArgs(corpus, out: out, steps: 8))
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("seq: \(out.path): \(state.path): not a readable training state"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        // The weights, intact, still load elsewhere: nothing was overwritten.
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint-4/model.safetensors").path))
    }

    /// Empty, blank-only and missing corpora fail with one sentence and exit 1; invalid
    /// UTF-8, no trailing newline and a single 10 MB line train, the last with bounded memory.
    @Test func badCorpora() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ bytes: [UInt8]) -> String {
            let path = dir.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            return path
        }
        func run(_ corpus: String, _ extra: [String] = [], steps: Int = 3) throws -> CLIResult {
            var args = Self.tinyArgs(corpus, out: dir.appendingPathComponent("out-\(UUID().uuidString)"), steps: steps)
            args.removeSubrange(2...3)   // train the vocabulary on the corpus itself
            return try CLI.run(args + ["--vocab-size", "200"] + extra)
        }
        for (name, bytes) in [("empty.txt", [UInt8]()), ("blank.txt", Array("\n\n \n\t\n".utf8))] {
            let path = write(name, bytes)
            for extra in [[], ["--tokenizer", Self.vocab]] {
                let r = try run(path, extra)
                #expect(r.status == 1, "\(name) \(extra)")
                // Progress lines may come first; the error is one sentence on the last line.
                #expect(r.stderr.split(separator: "\n").last == "seq: \(path): the corpus holds no text to train on (only empty lines or nothing at all)")
                #expect(r.stdout.isEmpty)
            }
        }
        let missing = dir.appendingPathComponent("missing.txt").path
        let m = try run(missing)
        #expect(m.status == 1 && m.stderr.split(separator: "\n").last!.hasPrefix("seq: \(missing): cannot open the corpus"), "\(m.stderr)")

        let invalid = write("invalid.txt", Array("the harbor \u{e9}t\u{e9}\n".utf8) + [0xFF, 0xFE, 0x20, 0x61, 0x00, 0x0A] + Array("no newline at the end".utf8))
        let i = try run(invalid)
        #expect(i.status == 0, "\(i.stderr)")
        #expect(Self.json(i.lastLine)["steps"] as? Int == 3)

        var big = [UInt8]()
        big.reserveCapacity(10_500_000)
        let words = ["harbor ", "lantern ", "meadow ", "quiet ", "river "].map { Array($0.utf8) }
        var k = 0
        while big.count < 10_000_000 { big += words[k % 5]; k = (k * 7 + 3) % 1_000_003 }
        let huge = write("huge.txt", big)
        let h = try run(huge, steps: 4)
        #expect(h.status == 0, "\(h.stderr)")
        let summary = Self.json(h.lastLine)
        #expect(summary["steps"] as? Int == 4)
        #expect((summary["peak_rss_mib"] as? Double ?? 1e9) < 300, "\(summary)")   // ~80 MiB measured
    }

    @Test func badUsageExitsTwo() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = Self.corpus(in: dir, lines: 20)
        let out = dir.appendingPathComponent("run")
        for bad in [["--batch-size", "0"], ["--heads", "3"], ["--max-length", "2"], ["--mask-prob", "0"], ["--preset", "huge"]] {
            let r = try CLI.run(Self.tinyArgs(corpus, out: out, steps: 2) + bad)
            #expect(r.status == 2, "\(bad): \(r.stderr)")
        }
        // Resume with nothing to resume is bad input; a fresh run over an existing one is refused.
        let none = try CLI.run(Self.resumeArgs(corpus, out: out, steps: 2))
        #expect(none.status == 1 && none.stderr.contains("no checkpoint-<step> directory to resume from"))
        #expect(try CLI.run(Self.tinyArgs(corpus, out: out, steps: 2)).status == 0)
        let again = try CLI.run(Self.tinyArgs(corpus, out: out, steps: 2))
        #expect(again.status == 2 && again.stderr.contains("already holds a run (checkpoint-2); pass --resume"))
        // A resumed run does not silently take other settings.
        let changed = try CLI.run(Self.resumeArgs(corpus, out: out, steps: 4) + ["--lr", "3e-4", "--seed", "9"])
        #expect(changed.status == 2 && changed.stderr.contains("remove --lr, --seed"), "\(changed.stderr)")
        // A model directory without checkpoints is not overwritten.
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: model.appendingPathComponent("config.json"))
        let over = try CLI.run(Self.tinyArgs(corpus, out: model, steps: 2))
        #expect(over.status == 2 && over.stderr.contains("already holds a model"), "\(over.stderr)")
        #expect(try String(contentsOf: model.appendingPathComponent("config.json"), encoding: .utf8) == "{}")
        // Two runs into one directory: the second is refused while the first holds the lock.
        let busy = dir.appendingPathComponent("busy")
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = Self.tinyArgs(corpus, out: busy, steps: 100_000)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        while p.isRunning && !FileManager.default.fileExists(atPath: busy.appendingPathComponent("metrics.jsonl").path) { usleep(2000) }
        let second = try CLI.run(Self.tinyArgs(corpus, out: busy, steps: 2))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(second.status == 1 && second.stderr.contains("\(busy.path): the directory is in use by another seq run"), "\(second.stderr)")
    }
}

extension PretrainCommandTests {
    /// Every command `seq pretrain` prints as a next step runs and succeeds: embedding with
    /// the model just written, resuming without naming the corpus again, and (when the
    /// reference Python environment exists) transformers loading the model.
    @Test func printedNextStepsRun() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let first = try CLI.run(Self.tinyArgs(Self.corpus(in: dir), out: out, steps: 3))
        #expect(first.status == 0, "\(first.stderr)")
        let next = try #require(Self.json(first.lastLine)["next"] as? [String])
        #expect(next.count == 3)
        #expect(first.stderr.contains("next:\n" + next.map { "  " + $0 + "\n" }.joined()))
        let venv = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/seq-ref/venv/bin")
        // setup.sh stamps the venv last, once every package imports (see TestPaths.referencePython).
        let installed = FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("python").path)
            && FileManager.default.fileExists(atPath: venv.deletingLastPathComponent().appendingPathComponent(".seq-ref-pins").path)
        for command in next {
            if command.hasPrefix("python") && !installed {
                print("skipping `\(command)`: no reference Python environment at \(venv.path) (bash ../shared/ref/setup.sh makes it)")
                continue
            }
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", command]
            shell.currentDirectoryURL = Self.root
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = venv.path + ":" + CLI.binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
            environment["SEQ"] = CLI.binary.path   // interop.py runs this build, not a release build
            shell.environment = environment
            let output = Pipe()
            shell.standardOutput = output
            shell.standardError = output
            try shell.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            shell.waitUntilExit()
            #expect(shell.terminationStatus == 0, "`\(command)` failed: \(text.suffix(2000))")
            if command.contains("seq embed") {
                let vector = try? JSONSerialization.jsonObject(with: Data(text.split(separator: "\n").first.map(String.init)?.utf8 ?? "".utf8))
                #expect((vector as? [Double])?.count == 16, "embed printed: \(text.prefix(300))")
            }
        }
        #expect(PretrainCheckpointFiles.checkpoints(out).contains("checkpoint-6"))
    }
}

/// Checkpoint directories of an output directory, without linking SeqTasks into this target.
enum PretrainCheckpointFiles {
    static func checkpoints(_ out: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasPrefix("checkpoint-") }
    }
}
