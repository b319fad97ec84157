import SeqTensor

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight
/// decay, exactly as `torch.optim.SGD`:
///
///     d = g + weightDecay·p
///     b = d                                   (first step)
///     b = momentum·b + (1 − dampening)·d      (later steps)
///     d = nesterov ? d + momentum·b : b       (when momentum ≠ 0)
///     p = p − lr·d
///
/// Defaults are PyTorch's: lr 1e-3, no momentum, dampening or weight decay.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Double
    public let dampening: Double
    public var weightDecay: Double
    public let nesterov: Bool
    public private(set) var stepCount = 0
    private var slots: OptimizerSlots

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, momentum: Double = 0,
                dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false) {
        precondition(learningRate >= 0 && momentum >= 0 && weightDecay >= 0,
                     "SGD needs non-negative learning rate, momentum and weight decay")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum requires a momentum and zero dampening")
        self.parameters = uniqueParameters(parameters)
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        slots = OptimizerSlots(slotNames: momentum != 0 ? ["momentum_buffer"] : [], tracksStep: false,
                               parameterCount: self.parameters.count)
    }

    public func step() {
        stepCount += 1
        let lr = learningRate, wd = Float(weightDecay), mu = Float(momentum), oneMinusDampening = Float(1 - dampening)
        let nesterov = nesterov
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let n = p.count
            let first = !slots.hasState(index)
            let buffers = mu != 0 ? SendablePointer(slots.slots(index, count: n)[0].pointer) : nil
            p.value.withUnsafeSharedMutableBufferPointer { wBuf in
                grad.withUnsafeBufferPointer { gBuf in
                    let ws = SendablePointer(wBuf), gs = SendablePointer(gBuf)
                    parallelFor(n, grain: optimizerGrain) { range in
                        let w = ws.p, g = UnsafePointer(gs.p), buffer = buffers?.p
                        guard let b = buffer else {
                            for i in range { w[i] -= lr * (wd == 0 ? g[i] : g[i] + wd * w[i]) }
                            return
                        }
                        for i in range {
                            let d = wd == 0 ? g[i] : g[i] + wd * w[i]
                            b[i] = first ? d : mu * b[i] + oneMinusDampening * d
                            w[i] -= lr * (nesterov ? d + mu * b[i] : b[i])
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
