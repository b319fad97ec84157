import SeqTensor

/// Batch normalization over the feature axis of [B, T, C] (or [N, C]) with running
/// statistics, as PyTorch's BatchNorm1d on features; padded positions are left out of
/// the statistics and come out as zeros.
public final class BatchNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    /// Running mean and (unbiased) variance: buffers, saved but not trained.
    public let runningMean: Parameter
    public let runningVariance: Parameter
    public let momentum: Float
    public let epsilon: Float
    public private(set) var batchesTracked = 0

    public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        weight = Parameter(Tensor(repeating: 1, shape: [features]))
        bias = Parameter(Tensor(zeros: [features]))
        runningMean = Parameter(Tensor(zeros: [features]))
        runningVariance = Parameter(Tensor(repeating: 1, shape: [features]))
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        body("weight", weight); body("bias", bias)
    }

    public func forEachBuffer(_ body: (String, Parameter) -> Void) {
        body("running_mean", runningMean); body("running_var", runningVariance)
    }

    /// x [..., C]; `valid` [positions] marks real tokens (nil: all real).
    public func callAsFunction(_ x: Tensor, valid: [UInt8]? = nil, context: ForwardContext) -> Tensor {
        guard context.training else {
            return x.batchNormInference(weight: weight.value, bias: bias.value, mean: runningMean.value,
                                        variance: runningVariance.value, valid: valid, epsilon: epsilon)
        }
        let (y, mean, variance) = x.batchNormTraining(weight: weight.value, bias: bias.value, valid: valid, epsilon: epsilon)
        let n = valid.map { $0.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } } ?? (x.count / max(x.shape.last ?? 1, 1))
        // PyTorch updates the running variance with the unbiased estimate.
        let unbiased = n > 1 ? Float(n) / Float(n - 1) : 1
        let m = momentum
        runningMean.value.withUnsafeSharedMutableBufferPointer { r in
            for c in 0..<r.count { r[c] = (1 - m) * r[c] + m * mean[c] }
        }
        runningVariance.value.withUnsafeSharedMutableBufferPointer { r in
            for c in 0..<r.count { r[c] = (1 - m) * r[c] + m * variance[c] * unbiased }
        }
        batchesTracked += 1
        return y
    }
}
