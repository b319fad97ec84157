import Foundation
import Testing
import SeqModels
import SeqNN
@testable import SeqTasks
import SeqTensor
import SeqText

struct PretrainerTests {
    static func corpus(in dir: URL) -> String { Fixture.file(Fixture.bundledLines(60), in: dir) }

    static func weights(_ t: Pretrainer) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: t.model.checkpointTensors.map { ($0.name, $0.tensor.scalars) })
    }

    /// N steps straight = N/2 steps, checkpoint, a new trainer resumed from it, N/2 steps:
    /// the same weights, optimizer moments and losses within float tolerance (every random
    /// stream, the data position and the schedule are restored), which is what the issue
    /// asks; PretrainCommandTests' SIGKILL test compares the bytes of a separate process.
    @Test(arguments: [false, true]) func resumeGivesTheSameRun(nsp: Bool) throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Self.corpus(in: dir)
        let tok = try Tokenizer.load(path: Fixture.bundledVocab)
        var settings = Fixture.settings(vocabSize: tok.vocabularySize)
        settings.nextSentencePrediction = nsp
        settings.accumulationSteps = nsp ? 1 : 2
        let straight = try Pretrainer(settings: settings, tokenizer: tok, corpusPath: path)
        var straightLosses: [Float] = []
        for _ in 0..<6 { straightLosses.append(try straight.trainStep().loss) }

        let first = try Pretrainer(settings: settings, tokenizer: tok, corpusPath: path)
        var losses: [Float] = []
        for _ in 0..<3 { losses.append(try first.trainStep().loss) }
        let checkpoint = try first.saveCheckpoint(in: dir.appendingPathComponent("run"))
        #expect(checkpoint.lastPathComponent == "checkpoint-3")
        let resumed = try Pretrainer.resume(from: checkpoint)
        #expect(resumed.step == 3 && resumed.dataPosition == first.dataPosition)
        for _ in 0..<3 { losses.append(try resumed.trainStep().loss) }

        #expect(zip(losses, straightLosses).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(losses) vs \(straightLosses)")
        let wa = Self.weights(resumed), wb = Self.weights(straight)
        #expect(wa.keys.sorted() == wb.keys.sorted())
        let worst = wa.keys.map { k in zip(wa[k]!, wb[k]!).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } }.max() ?? 0
        #expect(worst <= 1e-6, "largest weight difference \(worst)")
        let a = resumed.optimizer.state().tensors, b = straight.optimizer.state().tensors
        #expect(a.map(\.name) == b.map(\.name))
        let worstState = zip(a, b).map { pair in zip(pair.0.tensor.scalars, pair.1.tensor.scalars).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } }.max() ?? 0
        #expect(worstState <= 1e-6, "largest optimizer-state difference \(worstState)")
        #expect(resumed.tokensSeen == straight.tokensSeen)
        #expect(losses[5] < losses[0] + 0.5)
    }

    /// Checkpoint round trip: the directory is a Hugging Face model directory, and reading it
    /// back gives the same weights, optimizer state and training state.
    @Test func checkpointRoundTrip() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tok = try Tokenizer.load(path: Fixture.bundledVocab)
        let trainer = try Pretrainer(settings: Fixture.settings(vocabSize: tok.vocabularySize), tokenizer: tok, corpusPath: Self.corpus(in: dir))
        _ = try trainer.trainStep()
        _ = try trainer.trainStep()
        let out = dir.appendingPathComponent("run")
        let ckpt = try trainer.saveCheckpoint(in: out)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: ckpt.path))
        #expect(names == ["config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "training_state.safetensors"])
        let contents = try PretrainingCheckpoint.read(ckpt)
        #expect(Dictionary(uniqueKeysWithValues: contents.model.checkpointTensors.map { ($0.name, $0.tensor.scalars) }) == Self.weights(trainer))
        var expected = trainer.trainingState()
        expected.modelChecksum = contents.state.modelChecksum
        expected.optimizerChecksum = contents.state.optimizerChecksum
        expected.optimizerStepCounts = ["decay": 2, "no_decay": 2]
        #expect(contents.state == expected)
        #expect(contents.optimizerTensors.count == trainer.optimizer.state().tensors.count)
        #expect(try VocabTxt.read(path: ckpt.appendingPathComponent("vocab.txt").path) == (try VocabTxt.read(path: Fixture.bundledVocab + "/vocab.txt")))
        // Only the newest `keep` checkpoints stay.
        _ = try trainer.trainStep()
        try trainer.saveCheckpoint(in: out, keep: 1)
        #expect(PretrainingCheckpoint.checkpoints(in: out).map(\.step) == [3])
    }

    /// A damaged checkpoint is refused with one sentence naming the damaged file: a flipped
    /// weight, a truncated state file, a state file that is not ours.
    @Test func damagedCheckpointsAreRefused() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tok = try Tokenizer.load(path: Fixture.bundledVocab)
        let trainer = try Pretrainer(settings: Fixture.settings(vocabSize: tok.vocabularySize), tokenizer: tok, corpusPath: Self.corpus(in: dir))
        _ = try trainer.trainStep()
        let fm = FileManager.default
        func fresh(_ name: String) throws -> URL {
            let ckpt = try trainer.saveCheckpoint(in: dir.appendingPathComponent(name))
            return ckpt
        }
        func message(_ dir: URL) -> String {
            do { _ = try PretrainingCheckpoint.read(dir); return "" } catch { return error.description }
        }
        // One weight changed in place (the file still parses).
        let flipped = try fresh("flip")
        let weights = flipped.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: weights)
        #expect(message(flipped).contains("model.safetensors: the weights do not match the checksum"))
        // The state file cut short.
        let cut = try fresh("cut")
        let state = cut.appendingPathComponent(PretrainingCheckpoint.stateFileName)
        let full = try Data(contentsOf: state)
        try full.prefix(full.count / 2).write(to: state)
        #expect(message(cut).hasPrefix(state.path + ": not a readable training state"))
        // Optimizer moments changed.
        let moments = try fresh("moments")
        let stateURL = moments.appendingPathComponent(PretrainingCheckpoint.stateFileName)
        var s = try Data(contentsOf: stateURL)
        s[s.count - 2] ^= 0x01
        try s.write(to: stateURL)
        #expect(message(moments).contains("the optimizer state does not match its checksum"))
        // A plain safetensors file in its place.
        let foreign = try fresh("foreign")
        try Safetensors.write([("x", Tensor(zeros: [2]))], to: foreign.appendingPathComponent(PretrainingCheckpoint.stateFileName))
        #expect(message(foreign).contains("expected a seq pretraining state"))
        // The weights missing altogether.
        let missing = try fresh("missing")
        try fm.removeItem(at: missing.appendingPathComponent("model.safetensors"))
        #expect(message(missing).contains("model.safetensors"))
    }

    /// Held-out evaluation is deterministic (same masks each time) and does not disturb
    /// training's random streams.
    @Test func evaluationIsRepeatableAndSideEffectFree() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tok = try Tokenizer.load(path: Fixture.bundledVocab)
        let path = Self.corpus(in: dir)
        let settings = Fixture.settings(vocabSize: tok.vocabularySize)
        let a = try Pretrainer(settings: settings, tokenizer: tok, corpusPath: path)
        let b = try Pretrainer(settings: settings, tokenizer: tok, corpusPath: path)
        let e1 = try #require(a.evaluate()), e2 = try #require(a.evaluate())
        #expect(e1.loss == e2.loss && e1.accuracy == e2.accuracy && e1.maskedTokens > 0)
        #expect(abs(e1.perplexity - Float(Foundation.exp(Double(e1.loss)))) < 1e-3 * e1.perplexity)
        #expect(try a.trainStep().loss == (try b.trainStep().loss))
        #expect(a.heldOut.rows.count == 2 && a.heldOut.trainingStart.tokenIndex == 28)
    }

    /// Weight decay applies to matrices and embeddings, not to biases and LayerNorm weights
    /// (the reference's no_decay rule), and every parameter is in exactly one group.
    @Test func parameterGroups() throws {
        var g = RandomGenerator(seed: 1)
        let model = BertForMaskedLM(Fixture.settings(vocabSize: 30).model, generator: &g)
        let opt = GroupedAdamW(model.namedParameters, learningRate: 1e-3, betas: (0.9, 0.999), eps: 1e-6, weightDecay: 0.01)
        #expect(opt.decay.parameters.count + opt.noDecay.parameters.count == model.parameters.count)
        let decayed = Set(opt.decay.parameters.map(ObjectIdentifier.init))
        for (name, p) in model.namedParameters {
            let shouldDecay = !(name.contains("bias") || name.contains("LayerNorm.weight"))
            #expect(decayed.contains(ObjectIdentifier(p)) == shouldDecay, "\(name)")
        }
        #expect(opt.noDecay.weightDecay == 0 && opt.decay.weightDecay == 0.01)
    }
}
