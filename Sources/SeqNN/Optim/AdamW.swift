import SeqTensor

/// AdamW (Loshchilov & Hutter 2019): Adam with weight decay decoupled from the gradient,
/// exactly as `torch.optim.AdamW`: first `p = p·(1 − lr·weightDecay)`, then the Adam
/// update with bias correction (see `Adam`) on the undecayed gradient.
///
/// Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2, no amsgrad.
public final class AdamW: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    public var weightDecay: Double
    public let amsgrad: Bool
    public private(set) var stepCount = 0
    private var slots: OptimizerSlots

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false) {
        AdamKernel.validate(learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
        self.parameters = uniqueParameters(parameters)
        self.learningRate = learningRate
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        slots = AdamKernel.slots(amsgrad: amsgrad, parameterCount: self.parameters.count)
    }

    public func step() {
        stepCount += 1
        AdamKernel.step(parameters, slots: &slots, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps,
                        l2Decay: 0, decoupledDecay: weightDecay, amsgrad: amsgrad)
    }

    public func state() -> OptimizerState {
        OptimizerState(stepCount: stepCount, tensors: slots.export(parameters))
    }

    public func load(state: OptimizerState) throws {
        try slots.load(state.tensors, parameters: parameters)
        stepCount = state.stepCount
    }
}
