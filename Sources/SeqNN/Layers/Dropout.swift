import SeqTensor

/// Inverted dropout, active only when the context is training.
public final class Dropout: Module {
    public let probability: Float

    public init(_ probability: Float) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {}

    public func callAsFunction(_ x: Tensor, _ context: ForwardContext) -> Tensor {
        guard context.training, probability > 0 else { return x }
        return x.dropout(probability, rows: context.rows, generator: &context.generator)
    }

    /// A packed tensor [N, C] dropped as its padded batch would be (`TokenPacking`).
    public func callAsFunction(_ x: Tensor, packing: TokenPacking, _ context: ForwardContext) -> Tensor {
        guard context.training, probability > 0 else { return x }
        return x.dropout(probability, packing: packing, rows: context.rows, generator: &context.generator)
    }
}
