import Foundation
import SeqNN
import SeqTensor

// The seam between the one training loop (`Trainer`, `TrainingRun`) and what differs per
// task. A task owns its model, its data (with a position it can save, for exact resume),
// its loss as named terms, and its evaluation; the trainer owns everything else: gradient
// accumulation, the global normalisation of losses, the gradient reduction across
// processes, clipping, the learning-rate schedule, AdamW, evaluation at intervals, the best
// model, early stopping, limits, progress, metrics and checkpoints.

/// One term of a loss, summed over this process's rows of a micro-batch, and the name of
/// the count it is normalised by ("tokens", "sequences", …). The trainer sums both over
/// every micro-batch of a step and every process, and reports the term as sum / count.
public struct LossTerm: Sendable {
    public var name: String
    public var sum: Double
    public var normalizer: String

    public init(_ name: String, sum: Double, normalizer: String) {
        self.name = name
        self.sum = sum
        self.normalizer = normalizer
    }
}

/// What a task's forward pass returns for one micro-batch.
public struct TaskLoss {
    /// The scalar to differentiate: Σ over terms of (this micro-batch's sum / the global count).
    public var loss: Tensor
    public var terms: [LossTerm]
    /// Counts for training metrics (e.g. "correct" predictions), summed like the terms.
    public var counts: [String: Double]
    /// Tokens this micro-batch processed on this process (for tokens/s).
    public var tokens: Int

    public init(loss: Tensor, terms: [LossTerm], counts: [String: Double] = [:], tokens: Int) {
        self.loss = loss
        self.terms = terms
        self.counts = counts
        self.tokens = tokens
    }
}

/// Held-out figures, already totalled over every process. Keys become `eval_<key>` in
/// metrics.jsonl and the summary.
public struct Evaluation: Sendable {
    public var step: Int
    public var metrics: [String: Double]

    public init(step: Int, metrics: [String: Double]) {
        self.step = step
        self.metrics = metrics
    }
}

/// Which evaluation metric decides "best" (and early stopping).
public struct MetricSelection: Codable, Sendable, Equatable {
    public var metric: String
    public var higherIsBetter: Bool

    public init(metric: String, higherIsBetter: Bool) {
        self.metric = metric
        self.higherIsBetter = higherIsBetter
    }

    public func isImprovement(_ value: Double, over best: Double?) -> Bool {
        guard value.isFinite else { return false }
        guard let best else { return true }
        return higherIsBetter ? value > best : value < best
    }
}

/// A task the trainer can train. Data sources serve this process's rows of each global
/// batch (see `DataParallel`), with random draws keyed by a row's global position, so that
/// N processes compute exactly the rows, masks and dropout of one.
public protocol TrainingTask: AnyObject {
    associatedtype Batch
    associatedtype State: Codable

    /// The trained model (parameters and buffers under their checkpoint names).
    var module: any Module { get }
    /// How many passes over the training data have begun (1 during the first).
    var epoch: Int { get }

    /// This process's rows of the next global micro-batch.
    func nextBatch() throws -> Batch
    /// The counts on this process's rows that loss terms are normalised by.
    func normalizers(of batch: Batch) -> [String: Double]
    /// Forward pass and loss; `totals` are the normalisers summed over the step's
    /// micro-batches and every process. The task sets `context.rows` for its batch.
    func loss(_ batch: Batch, totals: [String: Double], context: ForwardContext) -> TaskLoss
    /// Training metrics from the step's totals (e.g. "mlm_accuracy" = correct / tokens).
    func trainingMetrics(_ totals: [String: Double]) -> [String: Double]

    /// Held-out evaluation with dropout off, totalled over processes with `reducer.sum`;
    /// nil when there is nothing to evaluate on.
    func evaluate(step: Int, reducer: GradientReducer) throws -> Evaluation?
    /// The metric that decides the best model; nil: no best model is kept.
    var selection: MetricSelection? { get }

    /// The data position and random streams, for exact resume.
    func state() -> State
    /// Writes the model directory (config.json, model.safetensors, tokenizer) to `directory`.
    func saveModel(to directory: URL) throws
}

extension TrainingTask {
    public func trainingMetrics(_ totals: [String: Double]) -> [String: Double] { [:] }
}

/// This process's place among the processes of a data-parallel run.
public struct DataParallel: Sendable, Equatable, Codable {
    public var rank: Int
    public var worldSize: Int

    public init(rank: Int = 0, worldSize: Int = 1) {
        precondition(worldSize >= 1 && (0..<worldSize).contains(rank), "rank \(rank) of \(worldSize) processes")
        self.rank = rank
        self.worldSize = worldSize
    }

    public static let single = DataParallel()

    /// This process's contiguous rows of a global batch of `rows`·`worldSize` rows.
    public func rows(perProcess rows: Int) -> Range<Int> { (rank * rows)..<((rank + 1) * rows) }

    /// This process's share of `count` items dealt in contiguous chunks (evaluation sets
    /// whose size need not divide evenly).
    public func share(of count: Int) -> Range<Int> {
        let lo = count * rank / worldSize, hi = count * (rank + 1) / worldSize
        return lo..<hi
    }
}
