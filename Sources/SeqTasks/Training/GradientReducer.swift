import SeqNN
import SeqTensor

/// The one seam where data-parallel training plugs in: after the backward passes of a step
/// and before clipping and the optimizer, the trainer hands every gradient to the reducer,
/// which SUMS it over the processes (an MPI all-reduce of each gradient buffer). Losses
/// are normalised by counts taken over all processes, so the sum is the gradient of the
/// one global objective. Scalars (loss sums, counts) go through `sum`. On one process
/// both are the identity.
public protocol GradientReducer: AnyObject {
    /// Processes taking part (1 on one machine).
    var worldSize: Int { get }
    /// This process's index, 0-based; rank 0 writes checkpoints and logs.
    var rank: Int { get }
    /// Replaces every parameter's gradient by its sum over the processes. A parameter
    /// without a gradient on this process must be treated as a zero gradient.
    func sumGradients(_ parameters: [Parameter])
    /// Element-wise sums of `values` over the processes.
    func sum(_ values: [Double]) -> [Double]
    /// An observer for the step's last backward pass that starts summing each gradient as
    /// soon as it is final (`sumGradients` then finishes the job), or nil to sum everything
    /// after the pass.
    func overlappingObserver(for parameters: [Parameter]) -> BackwardObserver?
}

extension GradientReducer {
    public var dataParallel: DataParallel { DataParallel(rank: rank, worldSize: worldSize) }

    /// Sums a dictionary of scalars over the processes (every process passes the same keys).
    public func sum(_ values: [String: Double]) -> [String: Double] {
        let keys = values.keys.sorted()
        let summed = sum(keys.map { values[$0]! })
        return Dictionary(uniqueKeysWithValues: zip(keys, summed))
    }

    public func overlappingObserver(for parameters: [Parameter]) -> BackwardObserver? { nil }
}

/// One process: nothing to reduce.
public final class SingleProcessReducer: GradientReducer {
    public init() {}
    public var worldSize: Int { 1 }
    public var rank: Int { 0 }
    public func sumGradients(_ parameters: [Parameter]) {}
    public func sum(_ values: [Double]) -> [Double] { values }
}
