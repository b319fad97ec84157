import SeqTensor

/// A first-order optimizer over a fixed list of parameters, with PyTorch's update rules.
///
/// `step()` updates every parameter that has a gradient in place and skips those whose
/// gradient is nil (as `torch.optim` skips `p.grad is None`); per-parameter state is created
/// on a parameter's first update. The training loop owns the learning rate schedule and
/// sets `learningRate` before each step.
public protocol Optimizer: AnyObject {
    /// The parameters, without duplicates (a tied weight appears once), in the order that
    /// numbers their state.
    var parameters: [Parameter] { get }
    var learningRate: Float { get set }
    /// How many times `step()` has run (restored by `load(state:)`).
    var stepCount: Int { get }
    func step()
    /// Per-parameter state as named tensors plus `stepCount`, for checkpoints.
    func state() -> OptimizerState
    /// Restores state exported by `state()` from an optimizer of the same kind over
    /// parameters of the same shapes; throws, changing nothing, if it does not fit.
    func load(state: OptimizerState) throws
}

extension Optimizer {
    /// Clears the gradient of every parameter.
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }
}

/// An optimizer's state: tensors named like PyTorch's `optimizer.state_dict()["state"]`
/// entries, `"<parameter index>.<slot>"` (e.g. `"3.exp_avg"`, `"3.step"`), copies that do
/// not alias the optimizer's buffers.
public struct OptimizerState {
    public var stepCount: Int
    public var tensors: [(name: String, tensor: Tensor)]

    public init(stepCount: Int, tensors: [(name: String, tensor: Tensor)]) {
        self.stepCount = stepCount
        self.tensors = tensors
    }
}

/// State that does not fit the optimizer it is loaded into.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "optimizer state: \(message)" }
}

/// The parameters with later duplicates (the same object) dropped.
func uniqueParameters(_ parameters: [Parameter]) -> [Parameter] {
    var seen = Set<ObjectIdentifier>()
    return parameters.filter { seen.insert(ObjectIdentifier($0)).inserted }
}

/// Elements per parallel chunk in the update kernels: below this a dispatch costs more
/// than the loop.
let optimizerGrain = 1 << 15
