/// A Float32 tensor of any rank: contiguous, row-major, copy-on-write.
///
/// Operations on tensors that require gradients record one node each on the tape (see
/// `GradNode`) unless gradient recording is off (`withoutGradients`). Views are not
/// supported on purpose: every op owns contiguous memory, so kernels stay simple and fast;
/// `reshape` is free, `permute` copies once.
public struct Tensor {
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    /// The tape node of this value, if it takes part in differentiation.
    var node: GradNode?

    public var rank: Int { shape.count }
    public var count: Int { storage.count }
    /// Whether gradients flow back through this tensor.
    public var requiresGrad: Bool { node != nil }

    init(shape: [Int], storage: TensorStorage, node: GradNode? = nil) {
        precondition(Shape.count(shape) == storage.count, "shape \(shape) does not hold \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// Uninitialised tensor: for kernels that overwrite every element.
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: Shape.count(shape)))
    }

    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.init(shape: shape, storage: TensorStorage(zeroedCount: Shape.count(shape)))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitialized: shape)
        storage.pointer.initialize(repeating: value, count: count)
    }

    public init(shape: [Int], scalars: [Float]) {
        precondition(Shape.count(shape) == scalars.count,
                     "shape \(shape) needs \(Shape.count(shape)) scalars, got \(scalars.count)")
        self.init(uninitialized: shape)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: $0.count) }
    }

    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A tensor that gradients flow into: a leaf of the tape (a parameter or an input
    /// whose gradient you want). Its gradient accumulates until `zeroGrad()`.
    public func requiringGrad() -> Tensor {
        var t = self
        t.node = GradNode(leafShape: shape)
        return t
    }

    /// The same values cut off from the tape.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// The accumulated gradient of a leaf (nil until a backward pass reaches it).
    public var grad: Tensor? {
        guard let node, let g = node.grad else { return nil }
        return Tensor(shape: shape, storage: g)
    }

    /// Identifies this tensor's tape node, as `BackwardObserver.leafFinished` names it; nil
    /// when the tensor does not require gradients.
    public var leafIdentity: ObjectIdentifier? { node.map(ObjectIdentifier.init) }

    /// Clears the accumulated gradient of a leaf.
    public func zeroGrad() { node?.grad = nil }

    /// The gradient buffer of a leaf, written in place (zeroed first if no backward pass
    /// reached it): how a data-parallel reducer replaces gradients by their sums.
    public func withGradientBuffer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        guard let node else { preconditionFailure("withGradientBuffer on a tensor that does not require gradients") }
        return try body(UnsafeMutableBufferPointer(start: node.gradBuffer(), count: count))
    }

    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage.pointer[0]
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Mutable access with copy-on-write: the storage is copied first if it is shared.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Writes into the storage in place even when shared: every tensor and tape buffer that
    /// shares it sees the change. This is how optimizers update parameters (PyTorch's
    /// in-place `param.add_` under `no_grad`); anything else should use the COW accessor.
    public func withUnsafeSharedMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Whether two tensors share one buffer.
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
