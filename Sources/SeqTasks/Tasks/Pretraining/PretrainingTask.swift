import Foundation
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// Where a pretraining run stands, besides the weights and the trainer: the recipe, the
/// corpus as it was, the data position and how many global rows have been drawn (the key
/// of every row's masks and pairs).
public struct PretrainingState: Codable, Equatable, Sendable {
    public var settings: PretrainingSettings
    public var corpusPath: String
    public var corpusSize: Int
    public var evalFile: String?
    /// Where the next training row starts, and where the stream wraps to.
    public var dataPosition: StreamPosition
    public var trainingStart: StreamPosition
    /// Global rows drawn so far.
    public var rowsServed: Int
}

/// This process's rows of one global pretraining micro-batch, masked.
public struct PretrainingBatch {
    public var masked: MaskedLMBatch
    /// First global row of these rows, and the global batch's row count.
    public var rowOffset: Int
    public var globalRows: Int
    /// Positions processed (every position of packed rows; real tokens of NSP pairs).
    public var tokens: Int
}

/// Masked-LM (and optionally NSP) pretraining of a BERT, as a task of the one trainer:
/// owns the model, the tokenizer, the corpus streams, and the keyed random streams of
/// masking and pairing. Every process reads the same global batch and keeps its rows, so
/// the rows, their masks and pairs do not depend on the number of processes.
public final class PretrainingTask: TrainingTask {
    public typealias State = PretrainingState
    public static let name = "pretrain"
    public let settings: PretrainingSettings
    public let model: BertForMaskedLM
    public let tokenizer: Tokenizer
    public let corpus: CorpusFile
    public let heldOut: HeldOutSlice
    public let evalFile: String?
    public let parallel: DataParallel
    let packer: SequencePacker?
    let pairer: NextSentencePairer?
    let masker: MaskedLMMasker
    let maskStream: RandomGenerator
    let pairStream: RandomGenerator
    let padID: Int32
    public private(set) var rowsServed: Int

    static let maskSalt: UInt64 = 0x6D61_736B_0000_0001
    static let pairSalt: UInt64 = 0x7061_6972_0000_0003
    static let evalSalt: UInt64 = 0x6576_616C_0000_0004

    public var module: any Module { model }
    public var epoch: Int { dataPosition.pass + 1 }
    public var selection: MetricSelection? { MetricSelection(metric: "loss", higherIsBetter: false) }

    /// A fresh run: a randomly initialised model of `settings.model` (its vocabulary size is
    /// the tokenizer's), the held-out slice taken from the head of the corpus or `evalFile`.
    public convenience init(settings: PretrainingSettings, tokenizer: Tokenizer, corpusPath: String, evalFile: String? = nil,
                            parallel: DataParallel = .single) throws {
        if let problem = settings.problem() { throw TrainingError(problem) }
        guard settings.model.vocabSize == tokenizer.vocabularySize else {
            throw TrainingError("the model's vocabulary (\(settings.model.vocabSize)) differs from the tokenizer's (\(tokenizer.vocabularySize))")
        }
        var generator = RandomGenerator(seed: settings.seed)
        let model = withoutGradients {
            BertForMaskedLM(settings.model, nextSentencePrediction: settings.nextSentencePrediction, generator: &generator)
        }
        let corpus = try CorpusFile(path: corpusPath)
        let heldOut = try Self.heldOut(corpus: corpus, evalFile: evalFile, tokenizer: tokenizer, settings: settings)
        try self.init(settings: settings, model: model, tokenizer: tokenizer, corpus: corpus, heldOut: heldOut,
                      evalFile: evalFile, parallel: parallel, dataPosition: nil, rowsServed: 0)
    }

    /// The task of a checkpoint: its model directory, its corpus (or `corpusPath`, which
    /// must be the same file), its data position.
    public static func resume(_ state: PretrainingState, directory: URL, corpusPath: String? = nil,
                              parallel: DataParallel = .single) throws -> PretrainingTask {
        let model = try BertForMaskedLM.load(directory: directory)
        guard model.config == withArchitectures(state.settings.model, model.config.architectures) else {
            throw CheckpointError("\(directory.appendingPathComponent("config.json").path): the model does not match the settings in \(TrainingCheckpoint.stateFileName)")
        }
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer.load(path: directory.path) } catch {
            throw CheckpointError("\(directory.path): cannot load the tokenizer (\(error))")
        }
        guard tokenizer.vocabularySize == model.config.vocabSize else {
            throw CheckpointError("\(directory.path): the tokenizer has \(tokenizer.vocabularySize) ids but the model \(model.config.vocabSize)")
        }
        let path = corpusPath ?? state.corpusPath
        let corpus = try CorpusFile(path: path)
        guard corpus.size == state.corpusSize else {
            throw TrainingError("\(path): the corpus has \(corpus.size) bytes but the checkpoint was trained on \(state.corpusSize) (\(state.corpusPath)); resume needs the same corpus")
        }
        guard corpus.isLineStart(state.dataPosition.offset), corpus.isLineStart(state.trainingStart.offset) else {
            throw TrainingError("\(directory.path): the data position does not fall on a line start of \(path); the corpus changed since the checkpoint")
        }
        let heldOut = try Self.heldOut(corpus: corpus, evalFile: state.evalFile, tokenizer: tokenizer, settings: state.settings)
        guard heldOut.trainingStart == state.trainingStart else {
            throw TrainingError("\(path): the held-out slice no longer ends where the checkpoint says; the corpus changed")
        }
        return try PretrainingTask(settings: state.settings, model: model, tokenizer: tokenizer, corpus: corpus, heldOut: heldOut,
                                   evalFile: state.evalFile, parallel: parallel, dataPosition: state.dataPosition,
                                   rowsServed: state.rowsServed)
    }

    static func withArchitectures(_ config: BertConfig, _ architectures: [String]?) -> BertConfig {
        var c = config
        c.architectures = architectures
        return c
    }

    static func heldOut(corpus: CorpusFile, evalFile: String?, tokenizer: Tokenizer, settings: PretrainingSettings) throws -> HeldOutSlice {
        let ids = try specialIDs(tokenizer)
        if let evalFile {
            return try HeldOutSlice.file(try CorpusFile(path: evalFile), tokenizer: tokenizer, cls: ids.cls, sep: ids.sep,
                                         length: settings.sequenceLength, rows: settings.evalRows)
        }
        return try HeldOutSlice.head(of: corpus, tokenizer: tokenizer, cls: ids.cls, sep: ids.sep,
                                     length: settings.sequenceLength, rows: settings.evalRows)
    }

    init(settings: PretrainingSettings, model: BertForMaskedLM, tokenizer: Tokenizer, corpus: CorpusFile, heldOut: HeldOutSlice,
         evalFile: String?, parallel: DataParallel, dataPosition: StreamPosition?, rowsServed: Int) throws {
        self.settings = settings
        self.model = model
        self.tokenizer = tokenizer
        self.corpus = corpus
        self.heldOut = heldOut
        self.evalFile = evalFile
        self.parallel = parallel
        self.rowsServed = rowsServed
        maskStream = RandomGenerator(seed: settings.seed ^ Self.maskSalt)
        pairStream = RandomGenerator(seed: settings.seed ^ Self.pairSalt)
        let ids = try Self.specialIDs(tokenizer)
        padID = ids.pad
        masker = try MaskedLMMasker(tokenizer: tokenizer, probability: settings.maskProbability, wholeWord: settings.wholeWordMasking)
        if settings.nextSentencePrediction {
            pairer = try NextSentencePairer(file: corpus, tokenizer: tokenizer, cls: ids.cls, sep: ids.sep, pad: ids.pad,
                                            length: settings.sequenceLength, start: heldOut.trainingStart, position: dataPosition)
            packer = nil
        } else {
            let stream = TokenStream(file: corpus, tokenizer: tokenizer, separator: ids.sep, start: heldOut.trainingStart,
                                     position: dataPosition)
            packer = SequencePacker(stream: stream, cls: ids.cls, sep: ids.sep, length: settings.sequenceLength)
            pairer = nil
        }
    }

    static func specialIDs(_ tokenizer: Tokenizer) throws(TrainingError) -> (cls: Int32, sep: Int32, pad: Int32) {
        guard let cls = tokenizer.id(of: "[CLS]"), let sep = tokenizer.id(of: "[SEP]") else {
            throw TrainingError("the tokenizer has no [CLS] or [SEP] token; pretraining needs a BERT (WordPiece) vocabulary")
        }
        guard tokenizer.id(of: "[MASK]") != nil else { throw TrainingError("the tokenizer has no [MASK] token") }
        return (cls, sep, tokenizer.id(of: "[PAD]") ?? 0)
    }

    public var dataPosition: StreamPosition { packer?.stream.position ?? pairer!.position }

    public func nextBatch() throws -> PretrainingBatch {
        let global = settings.batchSize * parallel.worldSize
        let mine = parallel.rows(perProcess: settings.batchSize)
        let first = rowsServed
        var batch: BertBatch
        var labels: [Int32]? = nil
        if let packer {
            batch = try packer.nextBatch(rows: global)
        } else {
            let pairs = pairStream
            let (b, l) = try pairer!.nextBatch(rows: global) { pairs.derived(UInt64(first + $0)) }
            batch = b
            labels = Array(l[mine])
        }
        rowsServed += global
        if parallel.worldSize > 1 { batch = batch.rows(mine) }
        let stream = maskStream, offset = first + mine.lowerBound
        var masked = masker.mask(batch) { stream.derived(UInt64(offset + $0)) }
        masked.nextSentenceLabels = labels
        let tokens = labels == nil ? batch.ids.count : batch.attentionMask.reduce(0) { $0 + Int($1) }
        return PretrainingBatch(masked: masked, rowOffset: mine.lowerBound, globalRows: global, tokens: tokens)
    }

    public func normalizers(of batch: PretrainingBatch) -> [String: Double] {
        var n = ["tokens": Double(batch.masked.maskedTargets.count)]
        if batch.masked.nextSentenceLabels != nil { n["sequences"] = Double(batch.masked.input.batchSize) }
        return n
    }

    public func loss(_ batch: PretrainingBatch, totals: [String: Double], context: ForwardContext) -> TaskLoss {
        let masked = Int(totals["tokens"] ?? 0), sequences = totals["sequences"].map { Int($0) }
        context.rows = RowSlice(offset: batch.rowOffset, count: batch.masked.input.batchSize, globalCount: batch.globalRows)
        defer { context.rows = nil }
        let out = model.loss(batch.masked, context: context, maskedTokens: max(masked, 1), sequences: sequences)
        var terms = [LossTerm("mlm", sum: Double(out.mlmLoss) * Double(max(masked, 1)), normalizer: "tokens")]
        if let nsp = out.nspLoss, let sequences { terms.append(LossTerm("nsp", sum: Double(nsp) * Double(sequences), normalizer: "sequences")) }
        return TaskLoss(loss: out.loss, terms: terms, counts: ["correct": Double(out.correct)], tokens: batch.tokens)
    }

    public func trainingMetrics(_ totals: [String: Double]) -> [String: Double] {
        guard let tokens = totals["tokens"], tokens > 0 else { return [:] }
        return ["mlm_accuracy": (totals["correct"] ?? 0) / tokens]
    }

    /// Masked-LM loss and accuracy on the held-out rows: dropout off, the same masks every
    /// time (keyed by held-out row), loss averaged over masked tokens of all processes.
    public func evaluate(step: Int, reducer: GradientReducer) throws -> Evaluation? {
        guard !heldOut.rows.isEmpty else { return nil }
        let stream = RandomGenerator(seed: settings.seed ^ Self.evalSalt)
        let context = ForwardContext(training: false)
        let share = parallel.share(of: heldOut.rows.count)
        var lossSum = 0.0, correct = 0, predicted = 0
        withoutGradients {
            var i = share.lowerBound
            while i < share.upperBound {
                let first = i
                let rows = Array(heldOut.rows[i..<min(share.upperBound, i + settings.batchSize)])
                i += rows.count
                let masked = masker.mask(BertBatch.padding(rows, padID: padID)) { stream.derived(UInt64(first + $0)) }
                let real = masked.maskedTargets.count
                guard real > 0 else { continue }
                let out = model.loss(masked, context: context)
                lossSum += Double(out.mlmLoss) * Double(real)
                correct += out.correct
                predicted += real
            }
        }
        let totals = reducer.sum([lossSum, Double(correct), Double(predicted)])
        guard totals[2] > 0 else { return nil }
        let loss = totals[0] / totals[2]
        return Evaluation(step: step, metrics: ["loss": loss, "accuracy": totals[1] / totals[2], "perplexity": Foundation.exp(loss),
                                                "masked_tokens": totals[2]])
    }

    /// Paths are stored absolute, so `--resume` without a corpus works from any directory.
    public func state() -> PretrainingState {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        return PretrainingState(settings: settings, corpusPath: absolute(corpus.path), corpusSize: corpus.size, evalFile: evalFile.map(absolute),
                         dataPosition: dataPosition, trainingStart: heldOut.trainingStart, rowsServed: rowsServed)
    }

    /// The model directory transformers loads: weights, config, and the tokenizer as
    /// vocab.txt and tokenizer.json, which are written as one (they must match).
    public func saveModel(to directory: URL) throws {
        try model.save(to: directory)
        try tokenizer.writeModelFiles(to: directory)
    }
}

extension BertBatch {
    /// The rows `range` of this batch (same length, padding kept).
    public func rows(_ range: Range<Int>) -> BertBatch {
        let lo = range.lowerBound * length, hi = range.upperBound * length
        return BertBatch(ids: Array(ids[lo..<hi]), typeIDs: Array(typeIDs[lo..<hi]), attentionMask: Array(attentionMask[lo..<hi]),
                         batchSize: range.count, length: length)
    }
}
