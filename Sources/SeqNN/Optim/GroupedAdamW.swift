import SeqTensor

/// AdamW over two parameter groups sharing one learning rate, as transformers' recipe:
/// weight decay on matrices and embeddings, none on biases and LayerNorm weights (names
/// containing "bias" or "LayerNorm.weight", the reference's `no_decay` rule). Each group is
/// a plain `AdamW`, so the update is exactly torch's per group; state is saved per group
/// under "decay." and "no_decay." prefixes.
public final class GroupedAdamW {
    public let decay: AdamW
    public let noDecay: AdamW

    public init(_ named: [(name: String, parameter: Parameter)], learningRate: Float, betas: (Double, Double),
                eps: Double, weightDecay: Double) {
        var seen = Set<ObjectIdentifier>()
        var withDecay: [Parameter] = [], withoutDecay: [Parameter] = []
        for (name, p) in named where seen.insert(ObjectIdentifier(p)).inserted {
            if Self.excludedFromDecay(name) { withoutDecay.append(p) } else { withDecay.append(p) }
        }
        decay = AdamW(withDecay, learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
        noDecay = AdamW(withoutDecay, learningRate: learningRate, betas: betas, eps: eps, weightDecay: 0)
    }

    public static func excludedFromDecay(_ name: String) -> Bool {
        name.contains("bias") || name.contains("LayerNorm.weight")
    }

    public var parameters: [Parameter] { decay.parameters + noDecay.parameters }

    public var learningRate: Float {
        get { decay.learningRate }
        set { decay.learningRate = newValue; noDecay.learningRate = newValue }
    }

    public func step() {
        decay.step()
        noDecay.step()
    }

    public var stepCount: Int { decay.stepCount }

    /// Both groups' state as one tensor list (names prefixed by group) and step counts.
    public func state() -> (tensors: [(name: String, tensor: Tensor)], stepCounts: [String: Int]) {
        let d = decay.state(), n = noDecay.state()
        let tensors = d.tensors.map { (name: "optimizer.decay." + $0.name, tensor: $0.tensor) }
            + n.tensors.map { (name: "optimizer.no_decay." + $0.name, tensor: $0.tensor) }
        return (tensors, ["decay": d.stepCount, "no_decay": n.stepCount])
    }

    /// Restores `state()`; throws without changing anything if it does not fit.
    public func load(tensors: [(name: String, tensor: Tensor)], stepCounts: [String: Int]) throws {
        var d: [(name: String, tensor: Tensor)] = [], n: [(name: String, tensor: Tensor)] = []
        for (name, t) in tensors {
            if name.hasPrefix("optimizer.decay.") { d.append((String(name.dropFirst("optimizer.decay.".count)), t)) }
            else if name.hasPrefix("optimizer.no_decay.") { n.append((String(name.dropFirst("optimizer.no_decay.".count)), t)) }
        }
        guard let ds = stepCounts["decay"], let ns = stepCounts["no_decay"] else {
            throw OptimizerStateError("the step counts of both parameter groups are missing")
        }
        // Validate both before changing either.
        let backup = decay.state()
        try decay.load(state: OptimizerState(stepCount: ds, tensors: d))
        do {
            try noDecay.load(state: OptimizerState(stepCount: ns, tensors: n))
        } catch {
            try? decay.load(state: backup)
            throw error
        }
    }
}
