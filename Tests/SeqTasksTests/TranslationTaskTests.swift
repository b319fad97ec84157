import Foundation
import Testing
import SeqModels
import SeqNN
@testable import SeqTasks
import SeqTensor
import SeqText

// Translation as a task: token-count batches, the loss against PyTorch, resume, learning,
// and the search procedures against exhaustive search.

struct TranslationTaskTests {
    static let english = ["the dog runs .", "a cat sleeps .", "the man reads a book .", "a woman eats bread .",
                          "the child plays in the park .", "two dogs run .", "the old man sleeps .", "a small cat eats ."]
    static let german = ["der hund läuft .", "eine katze schläft .", "der mann liest ein buch .", "eine frau isst brot .",
                         "das kind spielt im park .", "zwei hunde laufen .", "der alte mann schläft .", "eine kleine katze isst ."]

    /// Pairs in files under `dir` (the bundled sentences repeated `times`).
    static func files(in dir: URL, times: Int = 8) -> (src: String, tgt: String) {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let src = dir.appendingPathComponent("train.en").path, tgt = dir.appendingPathComponent("train.de").path
        try! (Array(repeating: english, count: times).flatMap { $0 }.joined(separator: "\n") + "\n").write(toFile: src, atomically: true, encoding: .utf8)
        try! (Array(repeating: german, count: times).flatMap { $0 }.joined(separator: "\n") + "\n").write(toFile: tgt, atomically: true, encoding: .utf8)
        return (src, tgt)
    }

    static func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("seq-mt-task-\(UUID().uuidString)")
    }

    static func task(_ dir: URL, seed: UInt64 = 0, validation: Bool = false, times: Int = 8, width: Int = 32,
                     dropout: Float = 0.1) throws -> TranslationTask {
        let f = files(in: dir, times: times)
        let vocabulary = try TranslationVocabulary.train(sourcePath: f.src, targetPath: f.tgt, size: 300, joint: true, threads: 1)
        var config = TranslatorConfig(vocabSize: vocabulary.source.vocabularySize, width: width, encoderLayers: 1, decoderLayers: 1,
                                      heads: 2, feedForward: 2 * width, dropout: dropout, maxPositions: 64)
        config.tieOutput = true
        var s = TranslationSettings(model: config)
        s.maxTokens = 120
        s.maxLength = 60
        s.seed = seed
        return try TranslationTask(settings: s, vocabulary: vocabulary, sourcePath: f.src, targetPath: f.tgt,
                                   validationPaths: validation ? (f.src, f.tgt) : nil)
    }

    static func trainerSettings() -> TrainerSettings {
        var t = TrainerSettings()
        t.learningRate = 5e-3
        t.schedule = .inverseSqrt
        t.warmupSteps = 20
        t.beta2 = 0.98
        t.adamEpsilon = 1e-9
        t.weightDecay = 0
        t.clipNorm = 0
        return t
    }

    @Test func tokenBucketsRespectTheBudgetAndCoverEveryPairOnce() {
        var g = RandomGenerator(seed: 9)
        let n = 500
        let src = (0..<n).map { _ in 1 + g.nextInt(below: 40) }, tgt = (0..<n).map { _ in 1 + g.nextInt(below: 40) }
        let gen = RandomGenerator(seed: 4)
        let a = TokenBuckets.batches(sourceLengths: src, targetLengths: tgt, maxTokens: 200, generator: gen, pass: 0)
        #expect(a.flatMap { $0 }.sorted() == Array(0..<n))
        for batch in a {
            let longest = batch.map { max(src[$0], tgt[$0]) }.max()!
            #expect(batch.count * longest <= 200)
            // Bucketed: lengths inside a batch are close (sorted by source length first).
            #expect(batch.map { src[$0] }.max()! - batch.map { src[$0] }.min()! <= 3)
        }
        #expect(a == TokenBuckets.batches(sourceLengths: src, targetLengths: tgt, maxTokens: 200, generator: gen, pass: 0))
        #expect(a != TokenBuckets.batches(sourceLengths: src, targetLengths: tgt, maxTokens: 200, generator: gen, pass: 1))
    }

    /// The task's loss is torch.nn.functional.cross_entropy(logits, targets,
    /// ignore_index=-100, label_smoothing=0.1, reduction="sum") / target tokens:
    /// 2.52328444711257 for logits[i, v] = 3·sin(0.37·i + 0.11·v), computed in float64 by
    /// PyTorch 2 (see the test's comment for the script).
    @Test func labelSmoothedLossMatchesPyTorch() {
        let logits = Tensor(shape: [6, 9], scalars: (0..<6).flatMap { i in (0..<9).map { v in 3 * Float(sin(0.37 * Double(i) + 0.11 * Double(v))) } })
        let loss = logits.crossEntropy(targets: [3, -100, 0, 8, 5, -100], ignoreIndex: TranslationTask.ignoreIndex, labelSmoothing: 0.1, divisor: 4)
        #expect(abs(Double(loss.scalars[0]) - 2.52328444711257) < 1e-5)
    }

    @Test func batchesShiftTheTargetAndCountTokens() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let task = try Self.task(dir)
        let b = try task.nextBatch()
        let T = b.targetInput.length
        var tokens = 0
        for row in 0..<b.targetInput.batchSize {
            let input = Array(b.targetInput.ids[(row * T)..<((row + 1) * T)]), output = Array(b.targetOutput[(row * T)..<((row + 1) * T)])
            #expect(input[0] == TranslationVocabulary.bos)
            let n = output.filter { $0 != TranslationTask.ignoreIndex }.count
            tokens += n
            #expect(output[n - 1] == TranslationVocabulary.eos)
            #expect(Array(input[1..<n]) == Array(output[0..<(n - 1)]))
        }
        #expect(tokens == b.targetTokens)
        #expect(b.source.batchSize * max(b.source.length, b.targetInput.length) <= 120)
    }

    static func weights(_ t: Trainer<TranslationTask>) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: t.task.model.checkpointTensors.map { ($0.name, $0.tensor.scalars) })
    }

    /// 8 steps straight (crossing a pass boundary) = 4 steps, checkpoint, resume, 4 steps.
    @Test func resumeGivesTheSameRun() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let straight = try Trainer(task: try Self.task(dir, times: 4), taskName: TranslationTask.name, settings: Self.trainerSettings())
        var expected: [Float] = []
        for _ in 0..<8 { expected.append(try straight.trainStep().loss) }
        #expect(straight.task.pass >= 1, "the corpus should be passed over within 8 steps")
        let first = try Trainer(task: try Self.task(dir, times: 4), taskName: TranslationTask.name, settings: Self.trainerSettings())
        var losses: [Float] = []
        for _ in 0..<4 { losses.append(try first.trainStep().loss) }
        let checkpoint = try first.saveCheckpoint(in: dir.appendingPathComponent("run"))
        let resumed = try Trainer<TranslationTask>.resume(from: checkpoint, taskName: TranslationTask.name) { state, directory in
            try TranslationTask.resume(state, directory: directory)
        }
        for _ in 0..<4 { losses.append(try resumed.trainStep().loss) }
        #expect(zip(losses, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(losses) vs \(expected)")
        let wa = Self.weights(resumed), wb = Self.weights(straight)
        let worst = wa.keys.map { k in zip(wa[k]!, wb[k]!).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } }.max() ?? 0
        #expect(worst <= 1e-6, "largest weight difference \(worst)")
    }

    /// The loop learns to translate: after 120 steps on 8 repeated pairs (width 64, no
    /// dropout), greedy decoding reproduces them (BLEU 100 by step 100 in a release run).
    @Test func learnsToTranslateTheTrainingPairs() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(task: try Self.task(dir, validation: true, width: 64, dropout: 0), taskName: TranslationTask.name,
                                  settings: Self.trainerSettings())
        var losses: [Float] = []
        for _ in 0..<120 { losses.append(try trainer.trainStep().loss) }
        let head = losses.prefix(5).reduce(0, +) / 5, tail = losses.suffix(5).reduce(0, +) / 5
        #expect(tail < head * 0.5, "loss \(head) → \(tail)")
        let e = try #require(try trainer.task.evaluate(step: 120, reducer: SingleProcessReducer()))
        #expect(e.metrics["bleu"]! > 80, "\(e.metrics)")
    }
}

/// Search procedures on a tiny random model: greedy equals beam 1; with a beam wide enough
/// to keep every hypothesis, beam search returns the exhaustive best under its own scoring
/// rule; EOS ignored runs every sentence to its cap.
struct TranslationSearchTests {
    static func model(vocab: Int = 6, seed: UInt64 = 11) -> Translator {
        var g = RandomGenerator(seed: seed)
        let c = TranslatorConfig(vocabSize: vocab, width: 16, encoderLayers: 1, decoderLayers: 2, heads: 2, feedForward: 16,
                                 dropout: 0, maxPositions: 32)
        return withoutGradients { Translator(c, generator: &g) }
    }

    static let sources: [[Int32]] = [[3, 4, 5], [5, 4], [4, 4, 4, 3]]

    @Test func greedyEqualsBeamOneAndBatchingDoesNotChangeOutputs() {
        let m = Self.model(vocab: 30)
        var o = DecodingOptions()
        o.maxLengthRatio = 2
        let greedy = GreedySearch.run(m, sources: Self.sources, options: o)
        o.beam = 1
        #expect(BeamSearch.run(m, sources: Self.sources, options: o) == greedy)
        for (i, s) in Self.sources.enumerated() { #expect(GreedySearch.run(m, sources: [s], options: o) == [greedy[i]]) }
        o.beam = 4
        let beams = BeamSearch.run(m, sources: Self.sources, options: o)
        for (i, s) in Self.sources.enumerated() { #expect(BeamSearch.run(m, sources: [s], options: o) == [beams[i]]) }
    }

    @Test func ignoringEOSRunsToTheCap() {
        let m = Self.model(vocab: 30)
        var o = DecodingOptions()
        o.ignoreEOS = true
        for beam in [1, 5] {
            o.beam = beam
            let out = BeamSearch.run(m, sources: Self.sources, options: o)
            #expect(out.map(\.count) == Self.sources.map { o.cap(sourceTokens: $0.count) })
            #expect(out.allSatisfy { !$0.contains(TranslationVocabulary.eos) && !$0.contains(TranslationVocabulary.pad) && !$0.contains(TranslationVocabulary.bos) })
        }
    }

    /// log P(tokens (+ </s> when `ended`) | source) by teacher forcing.
    static func logProbability(_ m: Translator, source: [Int32], tokens: [Int32], ended: Bool) -> Double {
        withoutGradients {
            let encoded = m.encode(TokenBatch.padding([source + [2]], pad: 0), context: .evaluation())
            let logits = m.decode(TokenBatch.padding([[1] + tokens], pad: 0), source: encoded, context: .evaluation())
            let logp = logits.logSoftmax().scalars, V = logits.shape[1]
            let next = tokens + [2]
            var total = 0.0
            for t in 0..<(ended ? next.count : tokens.count) { total += Double(logp[t * V + Int(next[t])]) }
            return total
        }
    }

    @Test(arguments: [0.0, 1.0]) func wideBeamFindsTheExhaustiveBest(lengthPenalty: Double) {
        let m = Self.model()
        var o = DecodingOptions()
        o.maxLengthRatio = 0
        o.lengthSlack = 3
        o.lengthPenalty = lengthPenalty
        o.beam = 200
        let source: [Int32] = [3, 4, 5]
        let found = BeamSearch.run(m, sources: [source], options: o)[0]
        // Every hypothesis: 0–2 tokens then </s>, or 3 tokens (the cap) without it; tokens 3, 4, 5.
        var best = (score: -Double.infinity, tokens: [Int32]())
        func visit(_ prefix: [Int32]) {
            if prefix.count == 3 {
                let s = Self.logProbability(m, source: source, tokens: prefix, ended: false) / pow(3, lengthPenalty)
                if s > best.score { best = (s, prefix) }
                return
            }
            let s = Self.logProbability(m, source: source, tokens: prefix, ended: true) / pow(Double(prefix.count + 1), lengthPenalty)
            if s > best.score { best = (s, prefix) }
            for t: Int32 in [3, 4, 5] { visit(prefix + [t]) }
        }
        visit([])
        #expect(found == best.tokens, "beam \(found), exhaustive \(best)")
    }
}
