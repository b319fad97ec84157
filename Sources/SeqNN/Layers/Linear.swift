import SeqTensor

/// y = x·Wᵀ + b, with W stored [out, in] as PyTorch and Hugging Face store it.
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?

    public init(weight: Tensor, bias: Tensor?) {
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
    }

    /// PyTorch's default initialisation would be Kaiming-uniform; BERT initialises with
    /// normal(0, `std`) and zero bias, which is what the models here use.
    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true, std: Float = 0.02,
                            generator: inout RandomGenerator) {
        self.init(weight: Tensor.normal([outFeatures, inFeatures], std: std, generator: &generator),
                  bias: bias ? Tensor(zeros: [outFeatures]) : nil)
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        body("weight", weight)
        if let bias { body("bias", bias) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.linear(x, weight: weight.value, bias: bias?.value)
    }
}
