import SeqTensor

/// Layer normalization over the last axis (Ba et al. 2016); BERT uses ε = 1e-12.
public final class LayerNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let epsilon: Float

    public init(dimension: Int, epsilon: Float = 1e-5) {
        weight = Parameter(Tensor(repeating: 1, shape: [dimension]))
        bias = Parameter(Tensor(zeros: [dimension]))
        self.epsilon = epsilon
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        body("weight", weight); body("bias", bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.layerNorm(weight: weight.value, bias: bias.value, epsilon: epsilon)
    }
}
