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
            let c = Constants(lr: lr, wd: wd, alpha: alpha, oneMinusAlpha: oneMinusAlpha, eps: eps, momentum: mu)
            p.value.withUnsafeSharedMutableBufferPointer { wBuf in
                grad.withUnsafeBufferPointer { gBuf in
                    let ws = SendablePointer(wBuf), gs = SendablePointer(gBuf), vs = SendablePointer(v)
                    let as_ = a.map { SendablePointer($0) }, bs = b.map { SendablePointer($0) }
                    parallelFor(n, grain: optimizerGrain) { range in
                        let w = ws.p, g = gs.p, v = vs.p, a = as_?.p, b = bs?.p
                        switch (a, b) {
                        case (nil, nil): Self.update(range, w, g, v, nil, nil, c, centered: false, momentum: false)
                        case (nil, let b?): Self.update(range, w, g, v, nil, b, c, centered: false, momentum: true)
                        case (let a?, nil): Self.update(range, w, g, v, a, nil, c, centered: true, momentum: false)
                        case (let a?, let b?): Self.update(range, w, g, v, a, b, c, centered: true, momentum: true)
                        }
                    }
                }
            }
        }
    }

    struct Constants {
        let lr, wd, alpha, oneMinusAlpha, eps, momentum: Float
    }

    /// Constant flags into an always-inlined loop: one branch-free vector loop per variant.
    @inline(__always)
    static func update(_ range: Range<Int>, _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>?, _ b: UnsafeMutablePointer<Float>?,
                       _ c: Constants, centered: Bool, momentum: Bool) {
        forEachVector(range) { i, lanes in
            var wi = loadVector(w, i, lanes)
            let gi = loadVector(g, i, lanes)
            let d = c.wd == 0 ? gi : gi + c.wd * wi
            let vi = loadVector(v, i, lanes) * c.alpha + c.oneMinusAlpha * d * d
            storeVector(vi, v, i, lanes)
            let s: Vec
            if centered {
                var ai = loadVector(a!, i, lanes)
                ai += c.oneMinusAlpha * (d - ai)
                storeVector(ai, a!, i, lanes)
                s = (vi - ai * ai).squareRoot() + c.eps
            } else {
                s = vi.squareRoot() + c.eps
            }
            if momentum {
                let bi = loadVector(b!, i, lanes) * c.momentum + d / s
                storeVector(bi, b!, i, lanes)
                wi -= c.lr * bi
            } else {
                wi += (-c.lr * d) / s
            }
            storeVector(wi, w, i, lanes)
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
