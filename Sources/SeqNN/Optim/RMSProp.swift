import SeqTensor

/// RMSProp (Hinton's lecture 6e; centered variant of Graves 2013), exactly as
/// `torch.optim.RMSprop`:
///
///     d = g + weightDecay·p
///     v = alpha·v + (1 − alpha)·d²
///     centered:  a = a + (1 − alpha)·(d − a);  s = √(v − a²) + eps,  else s = √v + eps
///     momentum:  b = momentum·b + d / s;  p = p − lr·b,             else p = p − lr·d / s
///
/// Defaults are PyTorch's: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, no momentum,
/// not centered.
public final class RMSProp: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let alpha: Double
    public let eps: Double
    public var weightDecay: Double
    public let momentum: Double
    public let centered: Bool
    public private(set) var stepCount = 0
    private var slots: OptimizerSlots

    public init(_ parameters: [Parameter], learningRate: Float = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
                weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) {
        precondition(learningRate >= 0 && alpha >= 0 && eps >= 0 && weightDecay >= 0 && momentum >= 0,
                     "RMSProp hyper-parameters must be non-negative")
        self.parameters = uniqueParameters(parameters)
        self.learningRate = learningRate
        self.alpha = alpha
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
        // Slot order: square_avg, then momentum_buffer and grad_avg when used.
        slots = OptimizerSlots(slotNames: ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : []),
                               tracksStep: true, parameterCount: self.parameters.count)
    }

    public func step() {
        stepCount += 1
        let lr = learningRate, wd = Float(weightDecay), oneMinusAlpha = Float(1 - alpha), alpha = Float(alpha)
        let eps = Float(eps), mu = Float(momentum)
        let hasMomentum = momentum > 0, centered = centered
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let n = p.count
            let state = slots.slots(index, count: n)
            _ = slots.advanceStep(index)
            let v = state[0].pointer
            let b = hasMomentum ? state[1].pointer : nil
            let a = centered ? state[state.count - 1].pointer : nil
            p.value.withUnsafeSharedMutableBufferPointer { wBuf in
                grad.withUnsafeBufferPointer { gBuf in
                    let w = wBuf.baseAddress!, g = gBuf.baseAddress!
                    parallelFor(n, grain: optimizerGrain) { range in
                        for i in range {
                            let d = wd == 0 ? g[i] : g[i] + wd * w[i]
                            v[i] = v[i] * alpha + oneMinusAlpha * d * d
                            let s: Float
                            if let a {
                                a[i] += oneMinusAlpha * (d - a[i])
                                s = (v[i] - a[i] * a[i]).squareRoot() + eps
                            } else {
                                s = v[i].squareRoot() + eps
                            }
                            if let b {
                                b[i] = b[i] * mu + d / s
                                w[i] -= lr * b[i]
                            } else {
                                w[i] += (-lr * d) / s
                            }
                        }
                    }
                }
            }
        }
    }

    public func state() -> OptimizerState {
        OptimizerState(stepCount: stepCount, tensors: slots.export(parameters))
    }

    public func load(state: OptimizerState) throws {
        try slots.load(state.tensors, parameters: parameters)
        stepCount = state.stepCount
    }
}
