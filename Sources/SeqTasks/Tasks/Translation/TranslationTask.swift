import Foundation
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// Where a translation run stands besides the weights and the trainer: the recipe, the
/// files, and the data position (pass and batch within it; a pass's batches follow from
/// the seed and the pass, see `TokenBuckets`).
public struct TranslationState: Codable, Equatable, Sendable {
    public var settings: TranslationSettings
    public var sourcePath: String
    public var targetPath: String
    public var validationSourcePath: String?
    public var validationTargetPath: String?
    /// Pairs kept from the training files, to recognise the same corpus on resume.
    public var pairs: Int
    public var pass: Int
    public var batchIndex: Int
}

/// This process's rows of one global batch.
public struct TranslationBatch {
    /// Source ids + `</s>`, padded [B, S].
    public var source: TokenBatch
    /// `<s>` + ids, padded [B, T].
    public var targetInput: TokenBatch
    /// ids + `</s>` per position [B·T], -100 at padding.
    public var targetOutput: [Int32]
    /// Real target tokens (with `</s>`): the count the loss is normalised by.
    public var targetTokens: Int
    public var rowOffset: Int
    public var globalRows: Int
    /// A non-autoregressive model's inputs and targets (nil for the autoregressive one).
    public var nat: NATTargets?
}

/// Autoregressive translation as a task of the one trainer: label-smoothed cross-entropy
/// over target tokens (normalised by the global count, so N processes compute the gradient
/// of one), length-bucketed token-count batches, validation BLEU by greedy decoding as the
/// selection metric.
public final class TranslationTask: TrainingTask {
    public typealias State = TranslationState
    public static let name = "train-translation"
    public static let ignoreIndex: Int32 = -100

    public let settings: TranslationSettings
    public let model: Translator
    public let vocabulary: TranslationVocabulary
    public let corpus: ParallelCorpus
    public let sourcePath: String, targetPath: String
    /// Validation sources (ids) and reference lines.
    public let validation: (sources: [[Int32]], references: [String])?
    public let validationPaths: (source: String, target: String)?
    public let parallel: DataParallel
    let batchStream: RandomGenerator
    public private(set) var pass: Int
    public private(set) var batchIndex: Int
    private var batches: [[Int]]

    public var module: any Module { model }
    public var epoch: Int { pass + 1 }
    public var selection: MetricSelection? { validation == nil ? nil : MetricSelection(metric: "bleu", higherIsBetter: true) }

    static let batchSalt: UInt64 = 0x6261_7463_6800_0011

    /// A fresh run: a model of `settings.model` initialised from the seed.
    public convenience init(settings: TranslationSettings, vocabulary: TranslationVocabulary, sourcePath: String, targetPath: String,
                            validationPaths: (source: String, target: String)? = nil, parallel: DataParallel = .single) throws {
        if let problem = settings.problem() { throw TrainingError(problem) }
        var generator = RandomGenerator(seed: settings.seed)
        let model = withoutGradients { Translator(settings.model, generator: &generator) }
        try self.init(settings: settings, model: model, vocabulary: vocabulary, sourcePath: sourcePath, targetPath: targetPath,
                      validationPaths: validationPaths, parallel: parallel, pass: 0, batchIndex: 0, expectedPairs: nil)
    }

    /// The task of a checkpoint: its model directory (weights and vocabulary) and files.
    public static func resume(_ state: TranslationState, directory: URL, parallel: DataParallel = .single) throws -> TranslationTask {
        let model = try Translator.load(directory: directory)
        var config = model.config
        config.architectures = state.settings.model.architectures
        guard config == state.settings.model else {
            throw CheckpointError("\(directory.appendingPathComponent("config.json").path): the model does not match the settings in \(TrainingCheckpoint.stateFileName)")
        }
        let vocabulary = try TranslationVocabulary.load(directory: directory)
        let validation = state.validationSourcePath.flatMap { s in state.validationTargetPath.map { (source: s, target: $0) } }
        return try TranslationTask(settings: state.settings, model: model, vocabulary: vocabulary, sourcePath: state.sourcePath,
                                   targetPath: state.targetPath, validationPaths: validation, parallel: parallel,
                                   pass: state.pass, batchIndex: state.batchIndex, expectedPairs: state.pairs)
    }

    init(settings: TranslationSettings, model: Translator, vocabulary: TranslationVocabulary, sourcePath: String, targetPath: String,
         validationPaths: (source: String, target: String)?, parallel: DataParallel, pass: Int, batchIndex: Int,
         expectedPairs: Int?) throws {
        guard model.config.vocabSize == vocabulary.source.vocabularySize,
              model.config.targetVocabularySize == vocabulary.target.vocabularySize else {
            throw TrainingError("the model's vocabularies (\(model.config.vocabSize), \(model.config.targetVocabularySize)) differ from the tokenizers' (\(vocabulary.source.vocabularySize), \(vocabulary.target.vocabularySize))")
        }
        self.settings = settings
        self.model = model
        self.vocabulary = vocabulary
        self.sourcePath = sourcePath
        self.targetPath = targetPath
        self.parallel = parallel
        self.pass = pass
        self.batchIndex = batchIndex
        corpus = try ParallelCorpus.load(sourcePath: sourcePath, targetPath: targetPath, vocabulary: vocabulary, maxLength: settings.maxLength)
        if let expectedPairs, expectedPairs != corpus.count {
            throw TrainingError("\(sourcePath): \(corpus.count) sentence pairs now but \(expectedPairs) when the checkpoint was written; resume needs the same corpus")
        }
        self.validationPaths = validationPaths
        if let validationPaths {
            let v = try ParallelCorpus.load(sourcePath: validationPaths.source, targetPath: validationPaths.target,
                                            vocabulary: vocabulary, keepAll: true)
            let references = try TextLines.read(path: validationPaths.target)
            let n = settings.evalSentences > 0 ? min(settings.evalSentences, v.count) : v.count
            validation = (Array(v.sources.prefix(n)), Array(references.prefix(n)))
        } else {
            validation = nil
        }
        batchStream = RandomGenerator(seed: settings.seed ^ Self.batchSalt)
        batches = []
        batches = makeBatches(pass: pass)
    }

    func makeBatches(pass: Int) -> [[Int]] {
        TokenBuckets.batches(sourceLengths: corpus.sources.map { $0.count + 1 }, targetLengths: corpus.targets.map { $0.count + 1 },
                             maxTokens: settings.maxTokens, generator: batchStream, pass: pass)
    }

    public func nextBatch() throws -> TranslationBatch {
        if batchIndex >= batches.count {
            pass += 1
            batchIndex = 0
            batches = makeBatches(pass: pass)
        }
        let global = batches[batchIndex]
        batchIndex += 1
        let mine = parallel.share(of: global.count)
        let rows = Array(global[mine])
        let eos = TranslationVocabulary.eos, pad = TranslationVocabulary.pad
        let source = TokenBatch.padding(rows.map { corpus.sources[$0] + [eos] }, pad: pad)
        let targetInput = TokenBatch.padding(rows.map { [TranslationVocabulary.bos] + corpus.targets[$0] }, pad: pad)
        var output = [Int32](repeating: Self.ignoreIndex, count: targetInput.ids.count)
        var tokens = 0
        for (b, r) in rows.enumerated() {
            for (t, id) in (corpus.targets[r] + [eos]).enumerated() { output[b * targetInput.length + t] = id }
            tokens += corpus.targets[r].count + 1
        }
        let sources = rows.map { corpus.sources[$0] }, targets = rows.map { corpus.targets[$0] }
        let config = model.config
        let nat: NATTargets? = switch config.decoder {
        case .autoregressive: nil
        case .natCMLM: (settings.glancing ?? 0) > 0
            ? NATTargets.glancing(targets: targets, rows: rows, pass: pass, seed: settings.seed, config: config)
            : NATTargets.maskPredict(targets: targets, rows: rows, pass: pass, seed: settings.seed, config: config)
        case .natVanilla: NATTargets.vanilla(sources: sources, targets: targets, config: config)
        case .natCTC: NATTargets.ctc(sources: sources, targets: targets, config: config)
        }
        return TranslationBatch(source: source, targetInput: targetInput, targetOutput: output, targetTokens: tokens,
                                rowOffset: mine.lowerBound, globalRows: global.count, nat: nat)
    }

    public func normalizers(of batch: TranslationBatch) -> [String: Double] {
        guard let nat = batch.nat else { return ["tokens": Double(batch.targetTokens)] }
        return ["predicted": Double(nat.predicted), "sentences": Double(batch.source.batchSize)]
    }

    public func loss(_ batch: TranslationBatch, totals: [String: Double], context: ForwardContext) -> TaskLoss {
        let tokens = max(totals["tokens"] ?? 0, 1)
        context.rows = RowSlice(offset: batch.rowOffset, count: batch.source.batchSize, globalCount: batch.globalRows)
        defer { context.rows = nil }
        let encoded = model.encode(batch.source, context: context)
        if let nat = batch.nat { return natLoss(batch, nat, encoded: encoded, totals: totals, context: context) }
        let logits = model.decode(batch.targetInput, source: encoded, context: context)
        let loss = logits.crossEntropy(targets: batch.targetOutput, ignoreIndex: Self.ignoreIndex,
                                       labelSmoothing: settings.labelSmoothing, divisor: Float(tokens))
        return TaskLoss(loss: loss, terms: [LossTerm("ce", sum: Double(loss.scalars[0]) * tokens, normalizer: "tokens")],
                        tokens: batch.targetTokens)
    }

    /// BLEU (sacreBLEU's defaults) and chrF of greedy translations of the validation
    /// sources; each process decodes its share and the n-gram statistics are summed.
    public func evaluate(step: Int, reducer: GradientReducer) throws -> Evaluation? {
        guard let validation else { return nil }
        let share = parallel.share(of: validation.sources.count)
        var options = DecodingOptions()
        if let k = settings.evalIterations { options.iterations = k }
        options.lengthBeam = settings.evalLengthBeam ?? (model.config.decoder == .natCMLM ? 3 : 1)
        let translator = SentenceTranslator(model: model, vocabulary: vocabulary, options: options, batchSize: settings.evalBatchSize)
        let hypotheses = translator.translate(ids: Array(validation.sources[share])).map(vocabulary.decodeTarget)
        var bleu = BLEU.Statistics(), chrf = ChrF.Statistics()
        for (h, r) in zip(hypotheses, validation.references[share]) {
            bleu += BLEU.statistics(hypothesis: h, reference: r)
            chrf += ChrF.statistics(hypothesis: h, reference: r)
        }
        let local = [Double(bleu.sysLen), Double(bleu.refLen)] + (bleu.correct + bleu.total + chrf.hyp + chrf.ref + chrf.match).map(Double.init)
        let sums = reducer.sum(local).map { Int($0.rounded()) }
        var b = BLEU.Statistics(), c = ChrF.Statistics()
        let n = BLEU.maxOrder, m = ChrF.charOrder
        (b.sysLen, b.refLen) = (sums[0], sums[1])
        b.correct = Array(sums[2..<(2 + n)]); b.total = Array(sums[(2 + n)..<(2 + 2 * n)])
        let o = 2 + 2 * n
        c.hyp = Array(sums[o..<(o + m)]); c.ref = Array(sums[(o + m)..<(o + 2 * m)]); c.match = Array(sums[(o + 2 * m)..<(o + 3 * m)])
        return Evaluation(step: step, metrics: ["bleu": BLEU.score(b).score, "chrf": ChrF.score(c),
                                                "sentences": Double(validation.sources.count)])
    }

    public func state() -> TranslationState {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        return TranslationState(settings: settings, sourcePath: absolute(sourcePath), targetPath: absolute(targetPath),
                                validationSourcePath: validationPaths.map { absolute($0.source) },
                                validationTargetPath: validationPaths.map { absolute($0.target) },
                                pairs: corpus.count, pass: pass, batchIndex: batchIndex)
    }

    /// The model directory `seq translate` loads: weights, config.json and the tokenizer(s).
    public func saveModel(to directory: URL) throws {
        try model.save(to: directory)
        try AtomicFile.write(try vocabulary.files(in: directory))
    }
}
