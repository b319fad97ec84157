import SeqTensor

/// Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient, exactly as
/// `torch.optim.Adam` (for decoupled decay use `AdamW`):
///
///     t += 1;  d = g + weightDecay·p
///     m = m + (1 − β1)·(d − m);   v = β2·v + (1 − β2)·d²;   amsgrad: v̂ = max(v̂, v) else v̂ = v
///     p = p − lr / (1 − β1ᵗ) · m / (√v̂ / √(1 − β2ᵗ) + eps)
///
/// Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, no amsgrad.
public final class Adam: Optimizer {
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
                eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) {
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
                        l2Decay: weightDecay, decoupledDecay: 0, amsgrad: amsgrad)
    }

    public func state() -> OptimizerState {
        OptimizerState(stepCount: stepCount, tensors: slots.export(parameters))
    }

    public func load(state: OptimizerState) throws {
        try slots.load(state.tensors, parameters: parameters)
        stepCount = state.stepCount
    }
}

/// The update shared by `Adam` and `AdamW`, in PyTorch's `_single_tensor_adam` order:
/// scalars (bias corrections, step size) in Double as Python computes them, elements in
/// Float32.
enum AdamKernel {
    static func validate(learningRate: Float, betas: (Double, Double), eps: Double, weightDecay: Double) {
        precondition(learningRate >= 0, "learning rate must be non-negative, got \(learningRate)")
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "betas must lie in [0, 1), got \(betas)")
        precondition(eps >= 0 && weightDecay >= 0, "eps and weight decay must be non-negative")
    }

    static func slots(amsgrad: Bool, parameterCount: Int) -> OptimizerSlots {
        OptimizerSlots(slotNames: amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"],
                       tracksStep: true, parameterCount: parameterCount)
    }

    struct Constants {
        let decayFactor, l2, lerpWeight, lerpComplement: Float
        let lerpLow: Bool
        let beta2, oneMinusBeta2, stepSize, bc2Sqrt, eps: Float
    }

    @inline(__always)
    static func update(_ range: Range<Int>, _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                       _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ vMax: UnsafeMutablePointer<Float>?,
                       _ c: Constants, decoupled: Bool, l2: Bool, amsgrad: Bool) {
        forEachVector(range) { i, lanes in
            var wi = loadVector(w, i, lanes), mi = loadVector(m, i, lanes), vi = loadVector(v, i, lanes)
            let gi = loadVector(g, i, lanes)
            if decoupled { wi *= c.decayFactor }
            let d = l2 ? gi + c.l2 * wi : gi
            mi = c.lerpLow ? mi + c.lerpWeight * (d - mi) : d - (d - mi) * c.lerpComplement
            vi = vi * c.beta2 + c.oneMinusBeta2 * d * d
            var vHat = vi
            if amsgrad {
                vHat = pointwiseMax(loadVector(vMax!, i, lanes), vi)
                storeVector(vHat, vMax!, i, lanes)
            }
            wi += (-c.stepSize * mi) / (vHat.squareRoot() / c.bc2Sqrt + c.eps)
            storeVector(wi, w, i, lanes)
            storeVector(mi, m, i, lanes)
            storeVector(vi, v, i, lanes)
        }
    }

    static func step(_ parameters: [Parameter], slots: inout OptimizerSlots, learningRate: Float,
                     beta1: Double, beta2: Double, eps: Double, l2Decay: Double, decoupledDecay: Double, amsgrad: Bool) {
        let lr = Double(learningRate)
        // torch's lerp(m, d, w) is m + w·(d − m) for w < 0.5, d − (d − m)·(1 − w) otherwise.
        let lerpWeight = Float(1 - beta1), lerpLow = 1 - beta1 < 0.5, lerpComplement = 1 - Float(1 - beta1)
        let beta2F = Float(beta2), oneMinusBeta2 = Float(1 - beta2), epsF = Float(eps)
        let l2 = Float(l2Decay), decoupled = decoupledDecay != 0
        let decayFactor = Float(1 - lr * decoupledDecay)
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let n = p.count
            let state = slots.slots(index, count: n)
            let t = Double(slots.advanceStep(index))
            let stepSize = Float(lr / (1 - pow(beta1, t)))
            let bc2Sqrt = Float((1 - pow(beta2, t)).squareRoot())
            let m = state[0].pointer, v = state[1].pointer
            let vMax = amsgrad ? SendablePointer(state[2].pointer) : nil
            let ms = SendablePointer(m), vs = SendablePointer(v)
            p.value.withUnsafeSharedMutableBufferPointer { wBuf in
                grad.withUnsafeBufferPointer { gBuf in
                    let ws = SendablePointer(wBuf), gs = SendablePointer(gBuf)
                    let c = Constants(decayFactor: decayFactor, l2: l2, lerpWeight: lerpWeight, lerpComplement: lerpComplement,
                                      lerpLow: lerpLow, beta2: beta2F, oneMinusBeta2: oneMinusBeta2, stepSize: stepSize,
                                      bc2Sqrt: bc2Sqrt, eps: epsF)
                    parallelFor(n, grain: optimizerGrain) { range in
                        let w = ws.p, g = gs.p, m = ms.p, v = vs.p, vMax = vMax?.p
                        // Constant flags into an always-inlined loop: one branch-free,
                        // vectorised loop per variant.
                        switch (decoupled, l2 != 0, vMax) {
                        case (true, false, nil): update(range, w, g, m, v, nil, c, decoupled: true, l2: false, amsgrad: false)
                        case (false, true, nil): update(range, w, g, m, v, nil, c, decoupled: false, l2: true, amsgrad: false)
                        case (false, false, nil): update(range, w, g, m, v, nil, c, decoupled: false, l2: false, amsgrad: false)
                        case (true, true, nil): update(range, w, g, m, v, nil, c, decoupled: true, l2: true, amsgrad: false)
                        case (let decoupled, let l2, let vMax?):
                            update(range, w, g, m, v, vMax, c, decoupled: decoupled, l2: l2, amsgrad: true)
                        }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
