import SeqTensor

/// Adagrad (Duchi et al. 2011), exactly as `torch.optim.Adagrad`:
///
///     t += 1;  d = g + weightDecay·p
///     sum = sum + d²
///     p = p − lr / (1 + (t − 1)·lrDecay) · d / (√sum + eps)
///
/// Defaults are PyTorch's: lr 1e-2, lrDecay 0, weightDecay 0, initialAccumulatorValue 0,
/// eps 1e-10. As in PyTorch, state exists for every parameter from construction.
public final class Adagrad: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var learningRateDecay: Double
    public var weightDecay: Double
    public let initialAccumulatorValue: Double
    public let eps: Double
    public private(set) var stepCount = 0
    private var slots: OptimizerSlots

    public init(_ parameters: [Parameter], learningRate: Float = 1e-2, learningRateDecay: Double = 0,
                weightDecay: Double = 0, initialAccumulatorValue: Double = 0, eps: Double = 1e-10) {
        precondition(learningRate >= 0 && learningRateDecay >= 0 && weightDecay >= 0 && initialAccumulatorValue >= 0 && eps >= 0,
                     "Adagrad hyper-parameters must be non-negative")
        self.parameters = uniqueParameters(parameters)
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.eps = eps
        slots = OptimizerSlots(slotNames: ["sum"], tracksStep: true, parameterCount: self.parameters.count)
        slots.createAll(self.parameters, initial: Float(initialAccumulatorValue))
    }

    public func step() {
        stepCount += 1
        let wd = Float(weightDecay), eps = Float(eps)
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let n = p.count
            let sum = slots.slots(index, count: n, initial: Float(initialAccumulatorValue))[0].pointer
            let t = slots.advanceStep(index)
            let clr = Float(Double(learningRate) / (1 + Double(t - 1) * learningRateDecay))
            p.value.withUnsafeSharedMutableBufferPointer { wBuf in
                grad.withUnsafeBufferPointer { gBuf in
                    let ws = SendablePointer(wBuf), gs = SendablePointer(gBuf), sums = SendablePointer(sum)
                    parallelFor(n, grain: optimizerGrain) { range in
                        let w = ws.p, g = gs.p, sum = sums.p
                        forEachVector(range) { i, lanes in
                            let wi = loadVector(w, i, lanes), gi = loadVector(g, i, lanes)
                            let d = wd == 0 ? gi : gi + wd * wi
                            let s = loadVector(sum, i, lanes) + d * d
                            storeVector(s, sum, i, lanes)
                            storeVector(wi + (-clr * d) / (s.squareRoot() + eps), w, i, lanes)
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
        var loaded = slots
        try loaded.load(state.tensors, parameters: parameters)
        loaded.createAll(parameters, initial: Float(initialAccumulatorValue))
        slots = loaded
        stepCount = state.stepCount
    }
}
