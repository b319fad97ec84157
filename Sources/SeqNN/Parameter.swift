import SeqTensor

/// A trainable tensor with identity: a tied weight is one `Parameter` reached under two
/// names, and optimizers keep their per-parameter state keyed by it.
public final class Parameter {
    /// The current value; a leaf of the tape, so gradients accumulate into it.
    public private(set) var value: Tensor

    public init(_ value: Tensor) {
        self.value = value.detached().requiringGrad()
    }

    public var shape: [Int] { value.shape }
    public var count: Int { value.count }

    /// The gradient accumulated since the last `zeroGrad()`, nil if none reached it.
    public var grad: Tensor? { value.grad }

    public func zeroGrad() { value.zeroGrad() }

    /// How a backward pass names this parameter's leaf (`BackwardObserver.leafFinished`).
    public var leafIdentity: ObjectIdentifier { value.leafIdentity! }

    /// The gradient buffer, in place; zeroed first when no backward pass reached it (a
    /// data-parallel process whose rows did not use this parameter still takes part in
    /// the sum with zeros).
    public func withGradientBuffer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try value.withGradientBuffer(body)
    }

    /// Replaces the value (loading a checkpoint). The shape must not change.
    public func assign(_ newValue: Tensor) {
        precondition(newValue.shape == value.shape, "assigning shape \(newValue.shape) to a parameter of shape \(value.shape)")
        value = newValue.detached().requiringGrad()
    }
}
