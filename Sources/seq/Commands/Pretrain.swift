import ArgumentParser
import Foundation
import SeqModels
import SeqTasks
import SeqTensor
import SeqText

struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Masked-LM pretraining of a BERT on a text corpus; writes a model transformers loads.",
        discussion: """
            The corpus is UTF-8 text, one paragraph or document per line (blank lines separate \
            documents for --nsp), streamed, of any size. Without --tokenizer a WordPiece vocabulary \
            is trained on it first. Rows are [CLS] + ids + [SEP], paragraphs joined by [SEP]; 15% of \
            the tokens are masked afresh every step (80% [MASK], 10% random, 10% kept). AdamW with \
            linear warmup and decay, gradient clipping; the first rows of the corpus (or \
            --eval-file) are held out for loss, accuracy and perplexity.

            OUT receives checkpoint-<step>/ directories (config.json, model.safetensors, vocab.txt, \
            tokenizer.json, training_state.safetensors), each written atomically; metrics.jsonl; and \
            at the end the final model at its top level. --resume continues from the newest \
            checkpoint with the same weights, optimizer, schedule, data position and random \
            streams, as if never interrupted. Progress goes to stderr; the last stdout line is one \
            JSON object. Without a corpus, trains the tiny preset on the bundled corpora/default.txt.
            """)

    @Argument(help: "Corpus file (default: the bundled corpora/default.txt, with --max-steps 300).")
    var corpus: String?

    @Option(help: "Model size: tiny (2×128), small (4×256), base (6×384).")
    var preset: ModelPreset = .tiny

    @Option(help: "Encoder layers (overrides the preset).")
    var layers: Int?
    @Option(help: "Hidden size (overrides the preset).")
    var hidden: Int?
    @Option(help: "Attention heads (overrides the preset).")
    var heads: Int?
    @Option(help: "Feed-forward size (overrides the preset).")
    var ffn: Int?
    @Option(help: "Dropout of hidden states and attention.")
    var dropout: Float = 0.1
    @Option(name: .customLong("max-positions"), help: "Position embeddings.")
    var maxPositions = 512

    @Option(name: .customLong("max-length"), help: "Tokens per row, [CLS] and [SEP] included.")
    var maxLength = 128
    @Option(help: "Tokenizer (tokenizer.json, vocab.txt or a model directory); default: train a WordPiece vocabulary on the corpus.")
    var tokenizer: String?
    @Option(name: .customLong("vocab-size"), help: "Size of the WordPiece vocabulary trained when --tokenizer is not given.")
    var vocabSize = 30000

    @Option(name: .customLong("batch-size"), help: "Rows per micro-batch.")
    var batchSize = 32
    @Option(help: "Micro-batches per optimizer step (gradient accumulation).")
    var accumulate = 1
    @Option(help: "Peak learning rate (default 5e-4 for tiny, 1e-4 for small and base).")
    var lr: Float?
    @Option(help: "Linear warmup steps.")
    var warmup = 100
    @Option(name: .customLong("total-steps"), help: "Step at which the linear decay reaches 0 (default: --max-steps, else 10000).")
    var totalSteps: Int?
    @Option(help: "Learning-rate schedule after warmup: linear, inverse-sqrt, constant or cosine.")
    var schedule: ScheduleKind = .linear
    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay (not on biases and LayerNorm weights).")
    var weightDecay: Double = 0.01
    @Option(name: .customLong("adam-eps"), help: "AdamW epsilon.")
    var adamEps: Double = 1e-6
    @Option(help: "Gradient-norm clipping, 0 = off.")
    var clip: Float = 1.0

    @Option(name: .customLong("mask-prob"), help: "Share of tokens masked.")
    var maskProb: Float = 0.15
    @Flag(name: .customLong("whole-word"), help: "Mask whole words (all WordPiece pieces of a chosen word).")
    var wholeWord = false
    @Flag(help: "Add next-sentence prediction: [CLS] A [SEP] B [SEP] pairs, half with a random B.")
    var nsp = false

    @Option(name: .customLong("max-steps"), help: "Stop at this optimizer step (counting resumed steps).")
    var maxSteps: Int?
    @Option(name: .customLong("max-minutes"), help: "Stop after this many minutes.")
    var maxMinutes: Double?
    @Option(help: "Stop after this many passes over the corpus.")
    var epochs: Int?
    @Option(help: "Stop after this many held-out evaluations in a row without a new best loss (0: never).")
    var patience = 0
    @Flag(name: .customLong("keep-best"), inversion: .prefixedNo, help: "Keep the model with the best held-out loss in OUT/best.")
    var keepBest = true

    @Option(name: .customLong("eval-every"), help: "Held-out evaluation every N steps (0: at the end only).")
    var evalEvery = 200
    @Option(name: .customLong("eval-rows"), help: "Held-out rows (taken from the head of the corpus unless --eval-file).")
    var evalRows = 64
    @Option(name: .customLong("eval-file"), help: "Held-out text file (then all of the corpus trains).")
    var evalFile: String?

    @Option(help: "Output directory.")
    var out: String?
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (0: at the end only).")
    var checkpointEvery = 500
    @Option(name: .customLong("keep-checkpoints"), help: "Checkpoints kept (the newest).")
    var keepCheckpoints = 2
    @Flag(help: "Continue the run in --out from its newest checkpoint.")
    var resume = false
    @Option(name: .customLong("log-every"), help: "Metrics record (and plain progress line) every N steps.")
    var logEvery = 10

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        func need(_ ok: Bool, _ message: String) throws { if !ok { throw ValidationError(message) } }
        for (name, v) in [("--layers", layers), ("--hidden", hidden), ("--heads", heads), ("--ffn", ffn)] {
            if let v { try need(v >= 1, "\(name) must be at least 1, got \(v)") }
        }
        try need(maxLength >= 3, "--max-length must be at least 3, got \(maxLength)")
        try need(maxLength <= maxPositions, "--max-length \(maxLength) exceeds --max-positions \(maxPositions)")
        try need(!nsp || maxLength >= 5, "--nsp needs --max-length of at least 5")
        try need(batchSize >= 1, "--batch-size must be at least 1, got \(batchSize)")
        try need(accumulate >= 1, "--accumulate must be at least 1, got \(accumulate)")
        try need(vocabSize >= 10, "--vocab-size must be at least 10, got \(vocabSize)")
        try need((0..<1).contains(dropout), "--dropout must be in [0, 1), got \(dropout)")
        if let lr { try need(lr >= 0 && lr.isFinite, "--lr must be a non-negative number, got \(lr)") }
        try need(warmup >= 0, "--warmup must be non-negative, got \(warmup)")
        if let totalSteps { try need(totalSteps >= 1, "--total-steps must be at least 1, got \(totalSteps)") }
        try need(weightDecay >= 0, "--weight-decay must be non-negative")
        try need(clip >= 0, "--clip must be non-negative (0 = off)")
        try need(maskProb > 0 && maskProb <= 1, "--mask-prob must be in (0, 1], got \(maskProb)")
        if let maxSteps { try need(maxSteps >= 1, "--max-steps must be at least 1, got \(maxSteps)") }
        if let maxMinutes { try need(maxMinutes > 0 && maxMinutes.isFinite, "--max-minutes must be a positive number, got \(maxMinutes)") }
        if let epochs { try need(epochs >= 1, "--epochs must be at least 1, got \(epochs)") }
        try need(patience >= 0, "--patience must be non-negative (0: never stop early), got \(patience)")
        try need(adamEps > 0 && adamEps.isFinite, "--adam-eps must be a positive number, got \(adamEps)")
        try need(weightDecay.isFinite && clip.isFinite, "--weight-decay and --clip must be finite numbers")
        if resume && corpus == nil { try need(out != nil, "--resume without a corpus needs --out: the run to continue") }
        try need(evalEvery >= 0 && checkpointEvery >= 0, "--eval-every and --checkpoint-every must be non-negative")
        try need(evalRows >= 0, "--eval-rows must be non-negative")
        try need(keepCheckpoints >= 1, "--keep-checkpoints must be at least 1")
        try need(logEvery >= 1, "--log-every must be at least 1")
        if let h = hidden ?? Optional(presetConfig.hiddenSize), let n = heads ?? Optional(presetConfig.headCount) {
            try need(h % n == 0, "--hidden \(h) is not divisible by --heads \(n)")
        }
    }

    var presetConfig: BertConfig { preset.config(vocabSize: 1) }

    /// Flags that set what a run computes; a resumed run keeps the stored values.
    static let recipeFlags = ["--preset", "--layers", "--hidden", "--heads", "--ffn", "--dropout", "--max-positions", "--max-length",
                              "--tokenizer", "--vocab-size", "--batch-size", "--accumulate", "--lr", "--schedule", "--warmup",
                              "--total-steps", "--weight-decay", "--adam-eps", "--clip", "--mask-prob", "--whole-word", "--nsp",
                              "--eval-rows", "--eval-file", "--seed"]

    /// The bundled corpus: corpora/default.txt under the working directory or the package
    /// that holds this binary (.build/<config>/seq).
    static func bundledCorpus() -> String? { bundled("corpora/default.txt") }

    /// A file the package ships (`relative` to its root), found from the working directory
    /// or the binary's place in the package.
    static func bundled(_ relative: String) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent(relative).path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    func run() throws {
        compute.apply()
        StopRequest.install()
        let usesBundled = corpus == nil && !resume
        let corpusPath: String?
        if let corpus {
            corpusPath = corpus
        } else if resume {
            corpusPath = nil   // the corpus the run started with, as its checkpoint records
        } else {
            guard let bundled = Self.bundledCorpus() else {
                throw InputError(file: "corpora/default.txt", line: nil, message: "the bundled corpus was not found; run from the package root or give a corpus file")
            }
            corpusPath = bundled
        }
        let maxSteps = self.maxSteps ?? (usesBundled && maxMinutes == nil ? 300 : nil)
        let outPath = out ?? "runs/pretrain-\(corpusPath.map { usesBundled ? "default" : URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "default")-\(preset.rawValue)"
        let outURL = URL(fileURLWithPath: outPath)
        let existing = TrainingCheckpoint.latest(in: outURL)
        if !resume, let existing {
            throw ValidationError("\(outPath) already holds a run (\(existing.lastPathComponent)); pass --resume to continue it, or choose another --out")
        }
        if !resume, ["config.json", "model.safetensors"].contains(where: { FileManager.default.fileExists(atPath: outURL.appendingPathComponent($0).path) }) {
            throw ValidationError("\(outPath) already holds a model (config.json or model.safetensors) and no checkpoint to resume; choose another --out")
        }
        if resume {
            let fixed = Self.recipeFlags.filter { flag in CommandLine.arguments.contains { $0 == flag || $0.hasPrefix(flag + "=") } }
            if !fixed.isEmpty {
                throw ValidationError("--resume continues with the run's stored settings, which cannot change: remove \(fixed.joined(separator: ", ")) (only --max-steps, --max-minutes, --epochs, --patience, --eval-every, --checkpoint-every, --keep-checkpoints, --log-every, --threads and the corpus may be given)")
            }
        }

        var extra: [String: Any] = [:]
        let trainer: Trainer<PretrainingTask>
        let shownCorpus = corpusPath ?? "the checkpoint's corpus"
        do {
            if resume {
                guard let existing else {
                    throw InputError(file: outPath, line: nil, message: "no checkpoint-<step> directory to resume from")
                }
                trainer = try Trainer.resume(from: existing, taskName: PretrainingTask.name) { state, directory in
                    try PretrainingTask.resume(state, directory: directory, corpusPath: corpusPath)
                }
                FileHandle.standardErrorWrite("resuming \(existing.path) at step \(trainer.step)\n")
            } else {
                let path = corpusPath!
                let started = DispatchTime.now().uptimeNanoseconds
                let tok = try loadOrTrainTokenizer(path)
                extra["tokenizer_seconds"] = Double((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) / 1000
                let task = try PretrainingTask(settings: settings(vocabSize: tok.vocabularySize), tokenizer: tok,
                                               corpusPath: path, evalFile: evalFile)
                trainer = try Trainer(task: task, taskName: PretrainingTask.name, settings: trainerSettings(maxSteps: maxSteps))
            }
        } catch let e as InputError {
            throw e
        } catch let e as CorpusError {
            throw InputError(file: e.path, line: nil, message: e.message)
        } catch let e as CheckpointError {
            throw InputError(file: outPath, line: nil, message: e.message)
        } catch let e as TrainingError {
            throw InputError(file: shownCorpus, line: nil, message: e.message)
        }
        let task = trainer.task
        let s = task.settings, t = trainer.settings
        FileHandle.standardErrorWrite("pretrain: \(s.model.layerCount) layers × \(s.model.hiddenSize), \(s.model.headCount) heads, ffn \(s.model.intermediateSize), vocab \(s.model.vocabSize), \(task.model.parameterCount) parameters; batch \(s.batchSize)×\(s.sequenceLength)\(t.accumulationSteps > 1 ? " ×\(t.accumulationSteps)" : ""), lr \(t.learningRate), held-out \(task.heldOut.rows.count) rows; \(Engine.threads) threads\n")

        var options = TrainingRunOptions(out: outURL)
        options.maxSteps = maxSteps
        options.maxMinutes = maxMinutes
        options.maxEpochs = epochs
        options.evalEvery = evalEvery
        options.patience = patience
        options.keepBest = keepBest
        options.checkpointEvery = checkpointEvery
        options.keepCheckpoints = keepCheckpoints
        options.logEvery = logEvery
        extra["preset"] = usesBundled || (layers == nil && hidden == nil && heads == nil && ffn == nil) ? preset.rawValue : "custom"
        extra["corpus"] = task.corpus.path
        extra["batch"] = s.batchSize
        extra["seq_len"] = s.sequenceLength
        var summary: [String: Any]
        do {
            summary = try TrainingRun.run(trainer, options: options, resumed: resume, stepLimit: t.totalSteps)
        } catch let e as CorpusError {
            throw InputError(file: e.path, line: nil, message: e.message)
        } catch let e as TrainingError {
            throw InputError(file: task.corpus.path, line: nil, message: e.message)
        }
        summary.merge(extra) { a, _ in a }
        let next = [
            "echo 'the harbor at dawn' | seq embed --model \(outPath)",
            "seq pretrain --out \(outPath) --resume --max-steps \(trainer.step * 2)",
            "python bench/pretrain/interop.py \(outPath)",
        ]
        summary["next"] = next
        FileHandle.standardErrorWrite("done: the model is in \(outPath) (config.json, model.safetensors, vocab.txt; transformers' BertForMaskedLM loads it).\nnext:\n" + next.map { "  " + $0 + "\n" }.joined())
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }

    func settings(vocabSize: Int) -> PretrainingSettings {
        var config = preset.config(vocabSize: vocabSize)
        if let layers { config.layerCount = layers }
        if let hidden { config.hiddenSize = hidden }
        if let heads { config.headCount = heads }
        if let ffn { config.intermediateSize = ffn }
        config.hiddenDropout = dropout
        config.attentionDropout = dropout
        config.maxPositions = maxPositions
        var s = PretrainingSettings(model: config)
        s.batchSize = batchSize
        s.sequenceLength = maxLength
        s.maskProbability = maskProb
        s.wholeWordMasking = wholeWord
        s.nextSentencePrediction = nsp
        s.seed = compute.seed
        s.evalRows = evalRows
        return s
    }

    func trainerSettings(maxSteps: Int?) -> TrainerSettings {
        var t = TrainerSettings()
        t.accumulationSteps = accumulate
        t.learningRate = lr ?? (preset == .tiny ? 5e-4 : 1e-4)
        t.schedule = schedule
        t.warmupSteps = warmup
        t.totalSteps = totalSteps ?? maxSteps ?? 10_000
        t.weightDecay = weightDecay
        t.adamEpsilon = adamEps
        t.clipNorm = clip
        t.seed = compute.seed
        return t
    }

    func loadOrTrainTokenizer(_ corpusPath: String) throws -> Tokenizer {
        if let tokenizer {
            do { return try Tokenizer.load(path: tokenizer) } catch {
                throw InputError(file: tokenizer, line: nil, message: "cannot load the tokenizer (\(error))")
            }
        }
        let fd = open(corpusPath, O_RDONLY)
        guard fd >= 0 else {
            throw InputError(file: corpusPath, line: nil, message: "cannot open the corpus (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        FileHandle.standardErrorWrite("training a WordPiece vocabulary of up to \(vocabSize) on \(corpusPath)…\n")
        var options = TrainerOptions(vocabularySize: vocabSize)
        options.threads = Engine.threads
        do {
            let counter = try Tokenizer.bert(vocabulary: Vocabulary(tokens: ["[UNK]", "[CLS]", "[SEP]"]))
            let words = try CorpusWords.count(fd: fd, tokenizer: counter, threads: options.threads)
            guard !words.words.isEmpty else {
                throw InputError(file: corpusPath, line: nil, message: "the corpus holds no text to train on (only empty lines or nothing at all)")
            }
            return try Tokenizer.bert(vocabulary: WordPieceTrainer.train(words, options: options))
        } catch let e as InputError {
            throw e
        } catch {
            throw InputError(file: corpusPath, line: nil, message: "cannot train a vocabulary (\(error))")
        }
    }
}

extension ModelPreset: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}
