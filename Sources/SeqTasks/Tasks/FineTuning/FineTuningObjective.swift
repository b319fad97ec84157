import Foundation
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// What differs between the fine-tuning tasks inside the one `FineTuningTask`: the head,
/// how a batch's loss is computed, and how the dev set is scored.
public protocol FineTuningObjective: AnyObject {
    associatedtype Model: BertHeadModel
    var model: Model { get }
    /// The count each row's loss is normalised by ("sequences" or "tokens") and its value
    /// on these rows.
    func normalizers(of rows: [FineTuningFeature]) -> [String: Double]
    /// Σ loss over `rows` / the global count in `totals`, with counts for training metrics.
    func loss(_ batch: BertBatch, rows: [FineTuningFeature], totals: [String: Double], context: ForwardContext) -> TaskLoss
    /// Dev metrics, this process's share summed over processes with `reducer`; nil
    /// without a dev set.
    func evaluate(parallel: DataParallel, reducer: GradientReducer) throws -> [String: Double]?
    /// The dev metric that decides the best model.
    var selection: MetricSelection { get }
}

/// Batches for inference in input order, grouped by length: index sets of at most
/// `batchSize` items, sorted by `lengths` so that padding costs little.
func inferenceBatches(lengths: [Int], batchSize: Int) -> [[Int]] {
    let order = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
    return stride(from: 0, to: order.count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, order.count)]) }
}

/// Softmax of each row of `logits` [N, K] as arrays.
func rowSoftmax(_ logits: Tensor) -> [[Float]] {
    let K = logits.shape.last ?? 1
    let p = logits.softmax(axis: -1).scalars
    return stride(from: 0, to: p.count, by: K).map { Array(p[$0..<($0 + K)]) }
}
