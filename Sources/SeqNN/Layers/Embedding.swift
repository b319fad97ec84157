import SeqTensor

/// A lookup table [count, dimension]: ids → rows.
public final class Embedding: Module {
    public let weight: Parameter

    public init(weight: Tensor) { self.weight = Parameter(weight) }

    public convenience init(count: Int, dimension: Int, std: Float = 0.02, generator: inout RandomGenerator) {
        self.init(weight: Tensor.normal([count, dimension], std: std, generator: &generator))
    }

    public var count: Int { weight.shape[0] }
    public var dimension: Int { weight.shape[1] }

    public func forEachParameter(_ body: (String, Parameter) -> Void) { body("weight", weight) }

    /// ids (flattened, of any batch shape `shape`) → [shape..., dimension].
    public func callAsFunction(_ ids: [Int32], shape: [Int]) -> Tensor {
        precondition(Shape.count(shape) == ids.count, "\(ids.count) ids for shape \(shape)")
        return weight.value.indexSelect(ids).reshape(shape + [dimension])
    }
}
