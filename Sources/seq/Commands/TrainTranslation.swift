import ArgumentParser
import Foundation
import SeqCore
import SeqModels
import SeqTasks
import SeqTensor
import SeqText

struct TrainTranslation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-translation",
        abstract: "Train an encoder-decoder Transformer translator on a parallel corpus; writes the model directory seq translate loads.",
        discussion: """
            --src and --tgt are line-aligned UTF-8 files (line i of one translates line i of the \
            other). A joint byte-level BPE vocabulary (or one per side with --separate-vocab) is \
            trained on them first, as seq vocab train --model bpe does. Label-smoothed \
            cross-entropy, Adam (0.9, 0.98) with inverse-square-root warmup, length-bucketed \
            batches of at most --max-tokens tokens, dropout; validation BLEU (greedy) every \
            --eval-every steps, the best model kept in OUT/best, the last --average-last \
            checkpoints averaged into the final model at OUT. --resume continues from the newest \
            checkpoint exactly. Progress goes to stderr; the last stdout line is one JSON object \
            (steps, tgt_tokens_per_s, best_bleu, out). Without --src/--tgt, trains the tiny preset \
            on the bundled corpora/translation (English→German sentences the project generates) \
            into runs/translate-default, the model seq translate uses by default.
            """)

    @Option(help: "Source side of the training pairs, one sentence per line.")
    var src: String?
    @Option(help: "Target side, line-aligned with --src.")
    var tgt: String?
    @Option(name: .customLong("val-src"), help: "Validation sources (for BLEU at intervals).")
    var valSrc: String?
    @Option(name: .customLong("val-tgt"), help: "Validation references, line-aligned with --val-src.")
    var valTgt: String?
    @Option(help: "Output directory (default: runs/translate-default).")
    var out: String?

    @Option(name: .customLong("model"), help: "Decoder: autoregressive (default), nat-vanilla (one pass over the source copied to the predicted length), nat-cmlm (mask-predict), nat-ctc (one pass over the upsampled source, CTC loss).")
    var decoderKind: DecoderKind = .autoregressive
    @Option(name: .customLong("init"), help: "Start the encoder and embeddings from this translation model directory (its vocabulary and sizes are used; a non-autoregressive model's decoder starts fresh unless --init-decoder).")
    var initFrom: String?
    @Flag(name: .customLong("init-decoder"), help: "With --init: start the decoder layers from that model's too (a non-autoregressive decoder then learns to read both ways instead of starting fresh; the length predictor still starts fresh).")
    var initDecoder = false
    @Option(help: "nat-ctc: decoder positions per source token (2 or 3).")
    var upsample = 2
    @Option(name: .customLong("length-loss-weight"), help: "nat-vanilla, nat-cmlm: weight of the length predictor's loss (fairseq's 0.1).")
    var lengthLossWeight: Float = TranslationTask.defaultLengthLossWeight
    @Option(help: "nat-cmlm: glancing training's ratio (Qian et al. 2021; their 0.3–0.5): a first pass predicts every token from a fully masked input, then this share of the tokens it got wrong is shown and the rest are masked and learned (0: uniform random masks).")
    var glancing: Float = 0
    @Option(name: .customLong("eval-iterations"), help: "nat-cmlm: mask-predict passes when validation BLEU decodes.")
    var evalIterations = 10
    @Option(name: .customLong("eval-length-beam"), help: "nat-vanilla, nat-cmlm: candidate lengths when validation BLEU decodes (default 3 for nat-cmlm, 1 for nat-vanilla).")
    var evalLengthBeam: Int?

    @Option(help: "Model size: tiny (2+2 × 128), small (3+3 × 192), base (3+3 × 256, the PyTorch reference; the default), deep-shallow (6+1 × 256), big (6+6 × 512). Tiny on the bundled corpus.")
    var preset: TranslatorPreset?
    @Option(name: .customLong("encoder-layers"), help: "Encoder layers (overrides the preset).")
    var encoderLayers: Int?
    @Option(name: .customLong("decoder-layers"), help: "Decoder layers (overrides the preset).")
    var decoderLayers: Int?
    @Option(name: .customLong("d-model"), help: "Model width (overrides the preset).")
    var dModel: Int?
    @Option(help: "Attention heads (overrides the preset).")
    var heads: Int?
    @Option(help: "Feed-forward size (overrides the preset).")
    var ffn: Int?
    @Option(help: "Dropout of embeddings, branches, attention and the feed-forward activation.")
    var dropout: Float = 0.1
    @Flag(name: .customLong("post-ln"), help: "Layer norm after each residual add (default: pre-LN).")
    var postLN = false
    @Flag(name: .customLong("share-embeddings"), inversion: .prefixedNo, help: "One embedding matrix for source and target (joint vocabulary only).")
    var shareEmbeddings = true
    @Flag(name: .customLong("tie-output"), inversion: .prefixedNo, help: "The output projection is the target embedding matrix.")
    var tieOutput = true
    @Flag(name: .customLong("separate-vocab"), help: "One BPE vocabulary per side instead of a joint one (implies --no-share-embeddings).")
    var separateVocab = false
    @Option(name: .customLong("vocab-size"), help: "BPE vocabulary size (each, with --separate-vocab).")
    var vocabSize = 8000

    @Option(name: .customLong("max-tokens"), help: "Tokens per batch: sentences × max(longest source, longest target).")
    var maxTokens = 4096
    @Option(name: .customLong("max-length"), help: "Pairs with a side longer than this many tokens are left out of training.")
    var maxLength = 128
    @Option(help: "Peak learning rate.")
    var lr: Float = 1e-3
    @Option(help: "Inverse-square-root warmup steps.")
    var warmup = 400
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing of the cross-entropy.")
    var labelSmoothing: Float = 0.1
    @Option(help: "Gradient-norm clipping, 0 = off.")
    var clip: Float = 0
    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay (0: Adam).")
    var weightDecay: Double = 0

    @Option(name: .customLong("max-steps"), help: "Stop at this optimizer step (counting resumed steps).")
    var maxSteps: Int?
    @Option(name: .customLong("max-minutes"), help: "Stop after this many minutes.")
    var maxMinutes: Double?
    @Option(help: "Anneal the learning rate linearly to 0 over this last share of the --max-steps or --max-minutes budget, whichever ends first (0: off; 0.2 is warmup-stable-decay's usual share).")
    var cooldown: Double = 0
    @Option(help: "Stop after this many passes over the corpus.")
    var epochs: Int?
    @Option(help: "Stop after this many evaluations in a row without a new best BLEU (0: never).")
    var patience = 0
    @Option(name: .customLong("eval-every"), help: "Validation BLEU every N steps (0: at the end only).")
    var evalEvery = 1000
    @Option(name: .customLong("eval-sentences"), help: "Validation sentences decoded for BLEU (0: all).")
    var evalSentences = 0
    @Option(name: .customLong("average-last"), help: "Average the last N checkpoints into the final model (1: no averaging).")
    var averageLast = 1
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (0: at the end only).")
    var checkpointEvery = 1000
    @Option(name: .customLong("keep-checkpoints"), help: "Checkpoints kept (at least --average-last).")
    var keepCheckpoints = 2
    @Flag(help: "Continue the run in --out from its newest checkpoint.")
    var resume = false
    @Option(name: .customLong("log-every"), help: "Metrics record (and plain progress line) every N steps.")
    var logEvery = 10

    @OptionGroup var compute: ComputeOptions
    @OptionGroup var distributed: DistributedOptions

    static let defaultOut = "runs/translate-default"

    /// The base preset, or tiny when training on the bundled corpus.
    var chosenPreset: TranslatorPreset { preset ?? (src == nil ? .tiny : .base) }

    /// Flags that set what a run computes; a resumed run keeps the stored values.
    static let recipeFlags = ["--src", "--tgt", "--val-src", "--val-tgt", "--preset", "--encoder-layers", "--decoder-layers", "--d-model",
                              "--heads", "--ffn", "--dropout", "--post-ln", "--share-embeddings", "--no-share-embeddings", "--tie-output",
                              "--no-tie-output", "--separate-vocab", "--vocab-size", "--max-tokens", "--max-length", "--lr", "--warmup",
                              "--label-smoothing", "--clip", "--weight-decay", "--eval-sentences", "--seed", "--model", "--init", "--init-decoder",
                              "--upsample", "--length-loss-weight", "--eval-iterations", "--eval-length-beam", "--glancing"]

    func validate() throws {
        func need(_ ok: Bool, _ message: String) throws { if !ok { throw ValidationError(message) } }
        for (name, v) in [("--encoder-layers", encoderLayers), ("--decoder-layers", decoderLayers), ("--d-model", dModel),
                          ("--heads", heads), ("--ffn", ffn)] {
            if let v { try need(v >= 1, "\(name) must be at least 1, got \(v)") }
        }
        try need((src == nil) == (tgt == nil), "--src and --tgt go together: the two sides of the training pairs")
        try need((valSrc == nil) == (valTgt == nil), "--val-src and --val-tgt go together: validation sources and references")
        try need((0..<1).contains(dropout), "--dropout must be in [0, 1), got \(dropout)")
        try need((0..<1).contains(labelSmoothing), "--label-smoothing must be in [0, 1), got \(labelSmoothing)")
        try need(maxTokens >= 1, "--max-tokens must be at least 1, got \(maxTokens)")
        try need(maxLength >= 2 && maxLength <= 1024, "--max-length must be in 2...1024, got \(maxLength)")
        try need(vocabSize >= 300, "--vocab-size must be at least 300 (256 bytes, 4 specials, some merges), got \(vocabSize)")
        try need(lr >= 0 && lr.isFinite, "--lr must be a non-negative number, got \(lr)")
        try need(warmup >= 0, "--warmup must be non-negative, got \(warmup)")
        try need(clip >= 0 && clip.isFinite, "--clip must be a non-negative number (0 = off)")
        try need(weightDecay >= 0 && weightDecay.isFinite, "--weight-decay must be a non-negative number")
        if let maxSteps { try need(maxSteps >= 1, "--max-steps must be at least 1, got \(maxSteps)") }
        if let problem = BudgetCooldown(fraction: cooldown).problem() { throw ValidationError(problem) }
        if let maxMinutes { try need(maxMinutes > 0 && maxMinutes.isFinite, "--max-minutes must be a positive number, got \(maxMinutes)") }
        if let epochs { try need(epochs >= 1, "--epochs must be at least 1, got \(epochs)") }
        try need(patience >= 0, "--patience must be non-negative")
        try need(evalEvery >= 0 && checkpointEvery >= 0, "--eval-every and --checkpoint-every must be non-negative")
        try need(evalSentences >= 0, "--eval-sentences must be non-negative")
        try need(averageLast >= 1, "--average-last must be at least 1, got \(averageLast)")
        try need(keepCheckpoints >= 1, "--keep-checkpoints must be at least 1")
        try need(logEvery >= 1, "--log-every must be at least 1")
        try need((1...8).contains(upsample), "--upsample must be in 1...8, got \(upsample)")
        try need(lengthLossWeight >= 0 && lengthLossWeight.isFinite, "--length-loss-weight must be a non-negative number")
        try need(evalIterations >= 1, "--eval-iterations must be at least 1, got \(evalIterations)")
        if let evalLengthBeam { try need(evalLengthBeam >= 1, "--eval-length-beam must be at least 1, got \(evalLengthBeam)") }
        try need(!initDecoder || initFrom != nil, "--init-decoder copies the decoder of the --init model; give --init")
        try need(initFrom == nil || !separateVocab && !CommandLine.arguments.contains("--vocab-size"),
                 "--init takes the vocabulary of the model it starts from; drop --separate-vocab and --vocab-size")
        try need(!(separateVocab && shareEmbeddings && CommandLine.arguments.contains("--share-embeddings")),
                 "--share-embeddings needs one joint vocabulary; drop it or --separate-vocab")
        try need(vocabSize <= TokenizerLimits.maxId + 1, "--vocab-size must be at most \(TokenizerLimits.maxId + 1), got \(vocabSize)")
        let base = (preset ?? .base).config(vocabSize: 8000)
        let w = dModel ?? base.width, h = heads ?? base.heads
        try need(w % h == 0 && w % 2 == 0, "--d-model \(w) must be even and divisible by --heads \(h)")
        try checkMemory()
    }

    /// Refuses, before a vocabulary is trained, sizes whose training cannot fit in memory
    /// (a --d-model of 10⁹ trapped in an allocation; 100,000 layers ran out of memory). A
    /// coarse estimate, in checked arithmetic: Float32 weights with gradients and two Adam
    /// moments, a layer's activations per batch token (8 × width + 4 × ffn), and the logits
    /// of a batch (the base preset's defaults come to about 1.2 GB).
    func checkMemory() throws {
        let p = chosenPreset.config(vocabSize: vocabSize)
        let w = dModel ?? p.width, ffn = self.ffn ?? p.feedForward
        let layers = [encoderLayers ?? p.encoderLayers, decoderLayers ?? p.decoderLayers]
        let depth = MemoryBudget.sum([layers[0], layers[1]])
        let perLayer = MemoryBudget.sum([MemoryBudget.product(8, w, w), MemoryBudget.product(2, w, ffn)])
        let parameters = MemoryBudget.sum([MemoryBudget.product(3, vocabSize, w),
                                           perLayer.flatMap { l in depth.flatMap { MemoryBudget.product($0, l) } }])
        let activations = depth.flatMap { d in MemoryBudget.sum([MemoryBudget.product(8, w), MemoryBudget.product(4, ffn)]).flatMap { MemoryBudget.product(maxTokens, d, $0) } }
        let logits = MemoryBudget.product(maxTokens, vocabSize, 3)
        let bytes = MemoryBudget.sum([parameters.flatMap { MemoryBudget.product($0, 16) },
                                      MemoryBudget.sum([activations, logits]).flatMap { MemoryBudget.product($0, 4) }])
        do { try MemoryBudget.require(bytes, for: "training this model (--d-model \(w), \(layers[0])+\(layers[1]) layers, --ffn \(ffn), --vocab-size \(vocabSize), --max-tokens \(maxTokens))") } catch {
            throw ValidationError(error.message)
        }
    }

    /// The bundled corpus directory: corpora/translation under the working directory or the
    /// package that holds this binary.
    static func bundledCorpus() -> String? {
        TrainingCommand.bundledFile("corpora/translation/train.en").map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
    }

    func run() throws {
        compute.apply()
        StopRequest.install()
        let usesBundled = src == nil && !resume
        var paths: (src: String, tgt: String, valSrc: String?, valTgt: String?)? = nil
        if let src, let tgt {
            paths = (src, tgt, valSrc, valTgt)
        } else if !resume {
            guard let dir = Self.bundledCorpus() else {
                throw InputError(file: "corpora/translation/train.en", line: nil,
                                 message: "the bundled corpus was not found; run from the package root or give --src and --tgt")
            }
            paths = (dir + "/train.en", dir + "/train.de", dir + "/val.en", dir + "/val.de")
        }
        let maxSteps = self.maxSteps ?? (usesBundled && maxMinutes == nil ? 300 : nil)
        let outPath = out ?? Self.defaultOut
        let outURL = URL(fileURLWithPath: outPath)
        let existing = try TrainingCommand.checkOutput(outPath, resume: resume, recipeFlags: Self.recipeFlags,
                                                       mayChange: "limits, intervals, --average-last, --keep-checkpoints and --threads may change")
        try OutputDirectory.create(outPath, flag: "--out")

        // Under mpirun with several ranks: each takes its share of every global batch (--max-tokens
        // is per rank), rank 0 alone writes and reports.
        let reducer = try distributed.reducer()
        var extra: [String: Any] = [:]
        let trainer: Trainer<TranslationTask>
        trainer = try TrainingCommand.reportingInput(out: outPath, data: paths?.src ?? outPath) {
            if resume {
                guard let existing else { throw InputError(file: outPath, line: nil, message: "no checkpoint-<step> directory to resume from") }
                let trainer = try Trainer.resume(from: existing, taskName: TranslationTask.name, reducer: reducer) { state, directory in
                    try TranslationTask.resume(state, directory: directory, parallel: reducer.dataParallel)
                }
                if reducer.isMain { FileHandle.standardErrorWrite("resuming \(existing.path) at step \(trainer.step)\n") }
                return trainer
            }
            let p = paths!
            let start = try initialModel()
            let vocabulary: TranslationVocabulary
            if let start {
                vocabulary = start.vocabulary
            } else {
                let started = DispatchTime.now().uptimeNanoseconds
                if reducer.isMain { FileHandle.standardErrorWrite("training \(separateVocab ? "two BPE vocabularies" : "a joint BPE vocabulary") of \(vocabSize) on \(p.src) + \(p.tgt)…\n") }
                vocabulary = try TranslationVocabulary.train(sourcePath: p.src, targetPath: p.tgt, size: vocabSize, joint: !separateVocab,
                                                             threads: Engine.threads)
                extra["tokenizer_seconds"] = Double((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) / 1000
            }
            let task = try TranslationTask(settings: settings(vocabulary, base: start?.model.config), vocabulary: vocabulary,
                                           sourcePath: p.src, targetPath: p.tgt,
                                           validationPaths: p.valSrc.flatMap { s in p.valTgt.map { (source: s, target: $0) } },
                                           parallel: reducer.dataParallel)
            if let start, let initFrom {
                do { try withoutGradients { try task.model.copyEncoder(from: start.model, decoder: initDecoder) } } catch let e as CheckpointError {
                    throw InputError(file: initFrom, line: nil, message: e.message)
                }
                if reducer.isMain { FileHandle.standardErrorWrite("encoder\(initDecoder ? ", decoder layers" : "") and embeddings from \(initFrom)\n") }
            }
            return try Trainer(task: task, taskName: TranslationTask.name, settings: trainerSettings(maxSteps: maxSteps), reducer: reducer)
        }
        let task = trainer.task, m = task.settings.model
        if reducer.isMain { FileHandle.standardErrorWrite("train-translation (\(m.decoder.rawValue)): \(m.encoderLayers)+\(m.decoderLayers) layers × \(m.width), \(m.heads) heads, ffn \(m.feedForward), \(m.normalizeBefore ? "pre" : "post")-LN, vocab \(m.vocabSize)\(task.vocabulary.isJoint ? " joint" : "/\(m.targetVocabularySize)"), \(task.model.parameterCount) parameters; \(task.corpus.count) pairs (\(task.corpus.dropped) too long), batches ≤ \(task.settings.maxTokens) tokens, lr \(trainer.settings.learningRate), warmup \(trainer.settings.warmupSteps); validation \(task.validation?.sources.count ?? 0) sentences; \(Engine.threads) threads\(reducer.worldSize > 1 ? " × \(reducer.worldSize) processes" : "")\n") }

        var options = TrainingCommand.runOptions(out: outURL, maxSteps: maxSteps, maxMinutes: maxMinutes, epochs: epochs, evalEvery: evalEvery,
                                                 patience: patience, keepBest: true, checkpointEvery: checkpointEvery,
                                                 keepCheckpoints: max(keepCheckpoints, averageLast), logEvery: logEvery)
        options.cooldown = BudgetCooldown(fraction: cooldown)
        options.evaluateAtStart = false
        var summary = try TrainingCommand.reportingInput(out: outPath, data: task.sourcePath) {
            var summary = try TrainingRun.run(trainer, options: options, resumed: resume)
            if averageLast > 1 { summary.merge(try average(trainer, out: outURL)) { _, b in b } }
            return summary
        }
        summary.merge(extra) { a, _ in a }
        summary["tgt_tokens_per_s"] = summary["tokens_per_s"]
        summary["best_bleu"] = summary["best_bleu"] ?? NSNull()
        summary["preset"] = encoderLayers == nil && decoderLayers == nil && dModel == nil && heads == nil && ffn == nil ? chosenPreset.rawValue : "custom"
        summary["max_tokens"] = task.settings.maxTokens
        summary["cooldown"] = cooldown
        reducer.finish(&summary)
        guard reducer.isMain else { return }
        try TrainingCommand.finish(summary, done: "the model is in \(outPath) (config.json, model.safetensors, tokenizer.json).", next: [
            "echo 'A man is riding a bike.' | seq translate --model \(outPath)",
            "seq evaluate --task translate --model \(outPath) --src VAL.src --ref VAL.tgt",
            "seq train-translation --out \(outPath) --resume --max-steps \(trainer.step * 2)",
        ])
    }

    /// Replaces the final model at OUT with the mean of the last --average-last checkpoints
    /// and scores it on the validation set.
    func average(_ trainer: Trainer<TranslationTask>, out: URL) throws -> [String: Any] {
        _ = trainer.reducer.sum([0])   // a barrier: rank 0 has written its last checkpoint
        let dirs = TrainingCheckpoint.checkpoints(in: out).suffix(averageLast).map(\.url)
        guard dirs.count > 1 else { return ["averaged_checkpoints": dirs.count] }
        // Every rank averages (the checkpoints rank 0 wrote: one machine, or the same path on a
        // shared file system, as --resume needs) so all score the same model; rank 0 saves it.
        try CheckpointAveraging.average(Array(dirs), into: trainer.task.model)
        if trainer.reducer.isMain { try trainer.task.saveModel(to: out) }
        var result: [String: Any] = ["averaged_checkpoints": dirs.count]
        if let e = try trainer.task.evaluate(step: trainer.step, reducer: trainer.reducer) {
            result["averaged_bleu"] = e.metrics["bleu"]
            if trainer.reducer.isMain { FileHandle.standardErrorWrite("averaged \(dirs.count) checkpoints: validation BLEU \(String(format: "%.2f", e.metrics["bleu"] ?? 0))\n") }
        }
        return result
    }

    /// The model and vocabulary --init starts from (nil without --init).
    func initialModel() throws -> (model: Translator, vocabulary: TranslationVocabulary)? {
        guard let initFrom else { return nil }
        let url = URL(fileURLWithPath: initFrom)
        do {
            return (try Translator.load(directory: url), try TranslationVocabulary.load(directory: url))
        } catch let e as CheckpointError {
            throw InputError(file: initFrom, line: nil, message: e.message.hasPrefix(initFrom) ? String(e.message.dropFirst(initFrom.count)).trimmingCharacters(in: CharacterSet(charactersIn: ": ")) : e.message)
        }
    }

    /// The recipe: the preset's sizes (or, with --init, the starting model's) with the size
    /// flags over them, as the decoder kind --model names.
    func settings(_ vocabulary: TranslationVocabulary, base: TranslatorConfig? = nil) -> TranslationSettings {
        var config = base.map { b in
            var c = b.withDecoder(.autoregressive)
            c.architectures = nil
            if let preset { c = preset.config(vocabSize: b.vocabSize, targetVocabSize: b.targetVocabSize) }
            return c
        } ?? chosenPreset.config(vocabSize: vocabulary.source.vocabularySize,
                                   targetVocabSize: vocabulary.isJoint ? nil : vocabulary.target.vocabularySize)
        if let encoderLayers { config.encoderLayers = encoderLayers }
        if let decoderLayers { config.decoderLayers = decoderLayers }
        if let dModel { config.width = dModel }
        if let heads { config.heads = heads }
        if let ffn { config.feedForward = ffn }
        config.dropout = dropout
        if base == nil {
            config.normalizeBefore = !postLN
            config.shareEmbeddings = shareEmbeddings && vocabulary.isJoint
            config.tieOutput = tieOutput
        }
        config = config.withDecoder(decoderKind, maxTargetLength: maxLength, upsample: upsample)
        var s = TranslationSettings(model: config)
        if decoderKind != .autoregressive {
            s.lengthLossWeight = lengthLossWeight
            s.evalIterations = evalIterations
            s.evalLengthBeam = evalLengthBeam
            if glancing != 0 { s.glancing = glancing }
        }
        s.maxTokens = maxTokens
        s.maxLength = maxLength
        s.labelSmoothing = labelSmoothing
        s.seed = compute.seed
        s.evalSentences = evalSentences
        return s
    }

    func trainerSettings(maxSteps: Int?) -> TrainerSettings {
        var t = TrainerSettings()
        t.batchSize = 1
        t.learningRate = lr
        t.schedule = .inverseSqrt
        t.warmupSteps = warmup
        t.totalSteps = maxSteps ?? 100_000
        t.weightDecay = weightDecay
        t.beta1 = 0.9
        t.beta2 = 0.98
        t.adamEpsilon = 1e-9
        t.clipNorm = clip
        t.seed = compute.seed
        return t
    }
}

extension TranslatorPreset: ExpressibleByArgument {}
extension DecoderKind: ExpressibleByArgument {}
