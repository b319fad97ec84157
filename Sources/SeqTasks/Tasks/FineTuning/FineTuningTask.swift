import Foundation
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// The recipe of a fine-tuning run, saved in its checkpoints.
public struct FineTuningSettings: Codable, Equatable, Sendable {
    public var task: FineTuningKind
    /// Rows per micro-batch on each process.
    public var batchSize: Int
    public var maxLength: Int
    public var seed: UInt64
    public var labels: [String]
    public var badInput: BadInputPolicy
    /// QA: tokens shared by consecutive windows of a long context, and the longest answer.
    public var docStride: Int
    public var maxAnswerLength: Int
    /// Batches per length bucket: rows are sorted by length within each bucket so a batch
    /// pads little; 1 gives plain shuffled batches (as PyTorch's reference recipe).
    public var bucketBatches: Int = 50

    public init(task: FineTuningKind, batchSize: Int, maxLength: Int, seed: UInt64, labels: [String],
                badInput: BadInputPolicy = .refuse, docStride: Int = 128, maxAnswerLength: Int = 30) {
        self.task = task
        self.batchSize = batchSize
        self.maxLength = maxLength
        self.seed = seed
        self.labels = labels
        self.badInput = badInput
        self.docStride = docStride
        self.maxAnswerLength = maxAnswerLength
    }
}

/// Where a fine-tuning run stands besides weights and trainer: its recipe, its data files
/// (with their sizes, so resume refuses changed files) and the batch position.
public struct FineTuningState: Codable, Equatable, Sendable {
    public var settings: FineTuningSettings
    public var trainPath: String
    public var trainSize: Int
    public var devPath: String?
    public var position: BatchPosition
}

/// This process's rows of one global batch, padded to the global batch's longest row.
public struct FineTuningBatch {
    public var input: BertBatch
    public var rows: [FineTuningFeature]
    public var rowOffset: Int
    public var globalRows: Int
}

/// Fine-tuning a BERT head as a task of the one trainer: the training rows encoded once,
/// served in length-bucketed shuffled global batches (each process its contiguous share,
/// dropout keyed by global row), the objective's loss and dev evaluation.
public final class FineTuningTask<Objective: FineTuningObjective>: TrainingTask {
    public typealias State = FineTuningState
    public let objective: Objective
    public let tokenizer: Tokenizer
    public let settings: FineTuningSettings
    public let train: [FineTuningFeature]
    public let trainPath: String
    public let devPath: String?
    public let parallel: DataParallel
    let buckets: LengthBuckets
    let padID: Int32
    public private(set) var position: BatchPosition
    var epochBatches: [[Int]]
    /// Dev metrics of each evaluation of this invocation, by step (for the best's figures).
    public private(set) var evaluations: [Int: [String: Double]] = [:]

    public var module: any Module { objective.model }
    public var epoch: Int { position.epoch + 1 }
    public var selection: MetricSelection? { objective.selection }

    public init(objective: Objective, tokenizer: Tokenizer, settings: FineTuningSettings, train: [FineTuningFeature],
                trainPath: String, devPath: String?, parallel: DataParallel = .single, position: BatchPosition = BatchPosition()) throws {
        guard !train.isEmpty else { throw TrainingError("no training examples are left to train on") }
        self.objective = objective
        self.tokenizer = tokenizer
        self.settings = settings
        self.train = train
        self.trainPath = trainPath
        self.devPath = devPath
        self.parallel = parallel
        self.position = position
        padID = tokenizer.id(of: "[PAD]") ?? 0
        var buckets = LengthBuckets(lengths: train.map(\.ids.count), batchRows: settings.batchSize * parallel.worldSize, seed: settings.seed)
        buckets.bucketBatches = settings.bucketBatches
        self.buckets = buckets
        epochBatches = []
        epochBatches = batches(epoch: position.epoch)
    }

    /// A pass's global batches; with several processes, batches too small to give every
    /// process a row are left out (a few rows of the last bucket).
    func batches(epoch: Int) -> [[Int]] {
        buckets.batches(epoch: epoch).filter { $0.count >= parallel.worldSize }
    }

    /// Optimizer steps in one pass over the training data (for the schedule's length).
    public var stepsPerEpoch: Int { epochBatches.count }

    public func nextBatch() throws -> FineTuningBatch {
        if position.batch >= epochBatches.count {
            position = BatchPosition(epoch: position.epoch + 1, batch: 0)
            epochBatches = batches(epoch: position.epoch)
        }
        let global = epochBatches[position.batch]
        position.batch += 1
        if position.batch >= epochBatches.count {
            position = BatchPosition(epoch: position.epoch + 1, batch: 0)
            epochBatches = batches(epoch: position.epoch)
        }
        let length = global.map { train[$0].ids.count }.max() ?? 0
        let share = parallel.share(of: global.count)
        let rows = global[share].map { train[$0] }
        return FineTuningBatch(input: BertBatch.padding(rows, to: length, padID: padID), rows: rows,
                               rowOffset: share.lowerBound, globalRows: global.count)
    }

    public func normalizers(of batch: FineTuningBatch) -> [String: Double] { objective.normalizers(of: batch.rows) }

    public func loss(_ batch: FineTuningBatch, totals: [String: Double], context: ForwardContext) -> TaskLoss {
        context.rows = RowSlice(offset: batch.rowOffset, count: batch.rows.count, globalCount: batch.globalRows)
        defer { context.rows = nil }
        return objective.loss(batch.input, rows: batch.rows, totals: totals, context: context)
    }

    public func trainingMetrics(_ totals: [String: Double]) -> [String: Double] {
        guard let n = totals["sequences"] ?? totals["tokens"], n > 0, let correct = totals["correct"] else { return [:] }
        return ["train_accuracy": correct / n]
    }

    public func evaluate(step: Int, reducer: GradientReducer) throws -> Evaluation? {
        guard let metrics = try objective.evaluate(parallel: parallel, reducer: reducer) else { return nil }
        evaluations[step] = metrics
        return Evaluation(step: step, metrics: metrics)
    }

    public func state() -> FineTuningState {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        let size = (try? FileManager.default.attributesOfItem(atPath: trainPath))?[.size] as? Int
        return FineTuningState(settings: settings, trainPath: absolute(trainPath), trainSize: size ?? 0,
                               devPath: devPath.map(absolute), position: position)
    }

    public func saveModel(to directory: URL) throws {
        try objective.model.save(to: directory)
        try tokenizer.writeModelFiles(to: directory)
    }
}

extension Tokenizer {
    /// tokenizer.json, and vocab.txt for a WordPiece vocabulary, written as one (they must
    /// match), into a model directory.
    public func writeModelFiles(to directory: URL) throws {
        var files = [(url: directory.appendingPathComponent("tokenizer.json"), data: try jsonData())]
        if case .wordPiece(let wp) = model {
            files.insert((directory.appendingPathComponent("vocab.txt"), VocabTxt.data(wp.vocabulary.tokens)), at: 0)
        }
        try AtomicFile.write(files)
    }
}
