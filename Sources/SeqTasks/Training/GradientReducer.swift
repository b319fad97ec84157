import SeqNN

/// The one seam where data-parallel training plugs in: after every micro-batch's backward
/// and before clipping and the optimizer step, the loop hands all gradients to the reducer,
/// which averages them across processes (an MPI all-reduce of each parameter's gradient
/// buffer, divided by `worldSize`). Scalars for logs and metrics (loss sums, counts) go
/// through `sum`. On one process both are the identity.
public protocol GradientReducer: AnyObject {
    /// Processes taking part (1 on one machine).
    var worldSize: Int { get }
    /// This process's index, 0-based; rank 0 writes checkpoints and logs.
    var rank: Int { get }
    /// Replaces every parameter's gradient by its mean over the processes. A parameter
    /// without a gradient on this process must be treated as a zero gradient.
    func averageGradients(_ parameters: [Parameter])
    /// Element-wise sums of `values` over the processes.
    func sum(_ values: [Double]) -> [Double]
}

/// One process: nothing to average.
public final class SingleProcessReducer: GradientReducer {
    public init() {}
    public var worldSize: Int { 1 }
    public var rank: Int { 0 }
    public func averageGradients(_ parameters: [Parameter]) {}
    public func sum(_ values: [Double]) -> [Double] { values }
}
