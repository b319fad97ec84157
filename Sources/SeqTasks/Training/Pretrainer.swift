import Dispatch
import Foundation
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// The figures of one optimizer step.
public struct StepReport: Sendable {
    public var step: Int
    /// MLM loss (+ NSP loss), mean over the micro-batches.
    public var loss: Float
    public var mlmLoss: Float
    public var nspLoss: Float?
    public var correct: Int
    public var predicted: Int
    public var learningRate: Float
    /// Gradient norm before clipping (nil with clipping off).
    public var gradientNorm: Float?
    /// Seconds of the timed region: masking, forward, loss, backward, reduction, clipping,
    /// optimizer and schedule (reading and packing the data excluded).
    public var seconds: Double
    public var tokens: Int
}

/// Held-out masked-LM figures.
public struct EvalReport: Sendable {
    public var step: Int
    public var loss: Float
    public var accuracy: Float
    public var perplexity: Float { Float(Foundation.exp(Double(loss))) }
    public var maskedTokens: Int
}

public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Masked-LM (and optionally NSP) pretraining of a BERT: owns the model, the grouped AdamW,
/// the data streams and the random streams, and can save and restore all of them.
///
/// Random streams, each a counter-based generator derived from the seed and saved in every
/// checkpoint: model initialisation, masking, dropout, and NSP pairing.
public final class Pretrainer {
    public let settings: PretrainingSettings
    public let model: BertForMaskedLM
    public let tokenizer: Tokenizer
    public let optimizer: GroupedAdamW
    public let reducer: GradientReducer
    public let corpus: CorpusFile
    public let heldOut: HeldOutSlice
    public let evalFile: String?
    let packer: SequencePacker?
    let pairer: NextSentencePairer?
    let masker: MaskedLMMasker
    let parameters: [Parameter]
    let context: ForwardContext
    var maskGenerator: RandomGenerator
    var pairGenerator: RandomGenerator
    let padID: Int32
    public private(set) var step: Int
    public private(set) var tokensSeen: Int
    public private(set) var recentLosses: [Float]

    static let maskSalt: UInt64 = 0x6D61_736B_0000_0001
    static let dropoutSalt: UInt64 = 0x6472_6F70_0000_0002
    static let pairSalt: UInt64 = 0x7061_6972_0000_0003
    static let evalSalt: UInt64 = 0x6576_616C_0000_0004

    /// A fresh run: a randomly initialised model of `settings.model` (its vocabulary size is
    /// the tokenizer's), the held-out slice taken from the head of the corpus or `evalFile`.
    public convenience init(settings: PretrainingSettings, tokenizer: Tokenizer, corpusPath: String, evalFile: String? = nil,
                            reducer: GradientReducer = SingleProcessReducer()) throws {
        if let problem = settings.problem() { throw TrainingError(problem) }
        guard settings.model.vocabSize == tokenizer.vocabularySize else {
            throw TrainingError("the model's vocabulary (\(settings.model.vocabSize)) differs from the tokenizer's (\(tokenizer.vocabularySize))")
        }
        var init_ = RandomGenerator(seed: settings.seed)
        let model = withoutGradients {
            BertForMaskedLM(settings.model, nextSentencePrediction: settings.nextSentencePrediction, generator: &init_)
        }
        let corpus = try CorpusFile(path: corpusPath)
        let ids = try Self.specialIDs(tokenizer)
        let heldOut: HeldOutSlice
        if let evalFile {
            heldOut = try HeldOutSlice.file(try CorpusFile(path: evalFile), tokenizer: tokenizer, cls: ids.cls, sep: ids.sep,
                                            length: settings.sequenceLength, rows: settings.evalRows)
        } else {
            heldOut = try HeldOutSlice.head(of: corpus, tokenizer: tokenizer, cls: ids.cls, sep: ids.sep,
                                            length: settings.sequenceLength, rows: settings.evalRows)
        }
        try self.init(settings: settings, model: model, tokenizer: tokenizer, corpus: corpus, heldOut: heldOut, evalFile: evalFile,
                      reducer: reducer, step: 0, tokensSeen: 0, dataPosition: nil,
                      maskGenerator: RandomGenerator(seed: settings.seed ^ Self.maskSalt),
                      dropoutGenerator: RandomGenerator(seed: settings.seed ^ Self.dropoutSalt),
                      pairGenerator: RandomGenerator(seed: settings.seed ^ Self.pairSalt), recentLosses: [])
    }

    /// Continues a run from a checkpoint directory, on the corpus it was trained on.
    public static func resume(from checkpoint: URL, corpusPath: String? = nil,
                              reducer: GradientReducer = SingleProcessReducer()) throws -> Pretrainer {
        let contents = try PretrainingCheckpoint.read(checkpoint)
        let state = contents.state
        let path = corpusPath ?? state.corpusPath
        let corpus = try CorpusFile(path: path)
        guard corpus.size == state.corpusSize else {
            throw TrainingError("\(path): the corpus has \(corpus.size) bytes but the checkpoint was trained on \(state.corpusSize) (\(state.corpusPath)); resume needs the same corpus")
        }
        guard corpus.isLineStart(state.dataPosition.offset), corpus.isLineStart(state.trainingStart.offset) else {
            throw TrainingError("\(checkpoint.path): the data position does not fall on a line start of \(path); the corpus changed since the checkpoint")
        }
        let ids = try specialIDs(contents.tokenizer)
        let heldOut: HeldOutSlice
        if let evalFile = state.evalFile {
            heldOut = try HeldOutSlice.file(try CorpusFile(path: evalFile), tokenizer: contents.tokenizer, cls: ids.cls, sep: ids.sep,
                                            length: state.settings.sequenceLength, rows: state.settings.evalRows)
        } else {
            heldOut = try HeldOutSlice.head(of: corpus, tokenizer: contents.tokenizer, cls: ids.cls, sep: ids.sep,
                                            length: state.settings.sequenceLength, rows: state.settings.evalRows)
            guard heldOut.trainingStart == state.trainingStart else {
                throw TrainingError("\(path): the held-out slice no longer ends where the checkpoint says; the corpus changed")
            }
        }
        let trainer = try Pretrainer(settings: state.settings, model: contents.model, tokenizer: contents.tokenizer, corpus: corpus,
                                     heldOut: heldOut, evalFile: state.evalFile, reducer: reducer, step: state.step,
                                     tokensSeen: state.tokensSeen, dataPosition: state.dataPosition,
                                     maskGenerator: try state.maskGenerator.generator(),
                                     dropoutGenerator: try state.dropoutGenerator.generator(),
                                     pairGenerator: try state.pairGenerator.generator(), recentLosses: state.recentLosses)
        do {
            try trainer.optimizer.load(tensors: contents.optimizerTensors, stepCounts: state.optimizerStepCounts)
        } catch {
            throw TrainingError("\(checkpoint.appendingPathComponent(PretrainingCheckpoint.stateFileName).path): \(error)")
        }
        return trainer
    }

    init(settings: PretrainingSettings, model: BertForMaskedLM, tokenizer: Tokenizer, corpus: CorpusFile, heldOut: HeldOutSlice,
         evalFile: String?, reducer: GradientReducer, step: Int, tokensSeen: Int, dataPosition: StreamPosition?,
         maskGenerator: RandomGenerator, dropoutGenerator: RandomGenerator, pairGenerator: RandomGenerator,
         recentLosses: [Float]) throws {
        self.settings = settings
        self.model = model
        self.tokenizer = tokenizer
        self.corpus = corpus
        self.heldOut = heldOut
        self.evalFile = evalFile
        self.reducer = reducer
        self.step = step
        self.tokensSeen = tokensSeen
        self.recentLosses = recentLosses
        self.maskGenerator = maskGenerator
        self.pairGenerator = pairGenerator
        context = ForwardContext(training: true, generator: dropoutGenerator)
        let named = model.namedParameters
        optimizer = GroupedAdamW(named, learningRate: settings.learningRate, betas: (settings.beta1, settings.beta2),
                                 eps: settings.adamEpsilon, weightDecay: settings.weightDecay)
        parameters = model.parameters
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

    /// One optimizer step over `accumulationSteps` micro-batches.
    public func trainStep() throws -> StepReport {
        var micro: [(batch: BertBatch, labels: [Int32]?)] = []
        for _ in 0..<settings.accumulationSteps {
            if let packer {
                micro.append((try packer.nextBatch(rows: settings.batchSize), nil))
            } else {
                let (batch, labels) = try pairer!.nextBatch(rows: settings.batchSize, generator: &pairGenerator)
                micro.append((batch, labels))
            }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        model.zeroGrad()
        let scale = 1 / Float(settings.accumulationSteps)
        var loss = 0.0, mlm = 0.0, nsp: Double? = nil, correct = 0, predicted = 0, tokens = 0
        for (batch, labels) in micro {
            var masked = masker.mask(batch, generator: &maskGenerator)
            masked.nextSentenceLabels = labels
            let real = masked.maskedTargets.count
            let out = model.loss(masked, context: context)
            (settings.accumulationSteps == 1 ? out.loss : out.loss * scale).backward()
            mlm += Double(out.mlmLoss)
            if let l = out.nspLoss { nsp = (nsp ?? 0) + Double(l) }
            loss += Double(out.mlmLoss + (out.nspLoss ?? 0))
            correct += out.correct
            predicted += real
            tokens += labels == nil ? batch.ids.count : batch.attentionMask.reduce(0) { $0 + Int($1) }
        }
        reducer.averageGradients(parameters)
        let norm: Float? = settings.clipNorm > 0 ? clipGradNorm(parameters, maxNorm: settings.clipNorm) : nil
        let rate = settings.schedule.learningRate(atStep: step)
        optimizer.learningRate = rate
        optimizer.step()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let n = Double(settings.accumulationSteps)
        let stepLoss = Float(loss / n)
        guard stepLoss.isFinite else {
            throw TrainingError("the loss became \(stepLoss) at step \(step + 1); lower the learning rate (--lr) or keep clipping on")
        }
        step += 1
        tokensSeen += tokens
        recentLosses.append(stepLoss)
        if recentLosses.count > 10 { recentLosses.removeFirst(recentLosses.count - 10) }
        return StepReport(step: step, loss: stepLoss, mlmLoss: Float(mlm / n), nspLoss: nsp.map { Float($0 / n) }, correct: correct,
                          predicted: predicted, learningRate: rate, gradientNorm: norm, seconds: seconds, tokens: tokens)
    }

    /// Masked-LM loss and accuracy on the held-out rows: dropout off, the same masks every
    /// time (a generator seeded for evaluation), loss averaged over masked tokens.
    public func evaluate() -> EvalReport? {
        guard !heldOut.rows.isEmpty else { return nil }
        var generator = RandomGenerator(seed: settings.seed ^ Self.evalSalt)
        let context = ForwardContext(training: false)
        var lossSum = 0.0, correct = 0, predicted = 0
        withoutGradients {
            var i = 0
            while i < heldOut.rows.count {
                let rows = Array(heldOut.rows[i..<min(heldOut.rows.count, i + settings.batchSize)])
                i += rows.count
                let masked = masker.mask(BertBatch.padding(rows, padID: padID), generator: &generator)
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
        return EvalReport(step: step, loss: Float(totals[0] / totals[2]), accuracy: Float(totals[1] / totals[2]), maskedTokens: Int(totals[2]))
    }

    /// The state to save with the weights (checksums are filled in when written).
    public func trainingState() -> TrainingState {
        TrainingState(step: step, tokensSeen: tokensSeen, settings: settings, maskGenerator: GeneratorState(maskGenerator),
                      dropoutGenerator: GeneratorState(context.generator), pairGenerator: GeneratorState(pairGenerator),
                      dataPosition: dataPosition, trainingStart: heldOut.trainingStart, corpusPath: corpus.path,
                      corpusSize: corpus.size, evalFile: evalFile, recentLosses: recentLosses, optimizerStepCounts: [:],
                      modelChecksum: "", optimizerChecksum: "")
    }

    /// Writes `out/checkpoint-<step>` and keeps the newest `keep`.
    @discardableResult
    public func saveCheckpoint(in out: URL, keep: Int = 2) throws -> URL {
        try PretrainingCheckpoint.write(model: model, tokenizer: tokenizer, optimizer: optimizer, state: trainingState(),
                                        into: out, keep: keep)
    }

    /// Writes the model directory (weights, config, tokenizer) that transformers loads.
    public func saveModel(to directory: URL) throws {
        try PretrainingCheckpoint.writeModel(model, tokenizer: tokenizer, to: directory)
    }
}
