import SeqTensor

/// A layer or model: a class with identity (weight tying, running statistics) that names
/// its parameters explicitly, under the Hugging Face keys of the checkpoints it loads.
public protocol Module: AnyObject {
    /// Calls `body` with each trainable parameter's name relative to this module.
    func forEachParameter(_ body: (String, Parameter) -> Void)
    /// Non-trainable state saved with the model (batch norm's running statistics).
    func forEachBuffer(_ body: (String, Parameter) -> Void)
}

extension Module {
    public func forEachBuffer(_ body: (String, Parameter) -> Void) {}

    /// Parameters under their full dotted names, in declaration order. A tied parameter
    /// appears under each name that reaches it.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var out: [(String, Parameter)] = []
        forEachParameter { out.append(($0, $1)) }
        return out
    }

    /// Each distinct parameter once (ties counted once), for optimizers.
    public var parameters: [Parameter] {
        var seen = Set<ObjectIdentifier>(), out: [Parameter] = []
        forEachParameter { _, p in if seen.insert(ObjectIdentifier(p)).inserted { out.append(p) } }
        return out
    }

    public var namedBuffers: [(name: String, buffer: Parameter)] {
        var out: [(String, Parameter)] = []
        forEachBuffer { out.append(($0, $1)) }
        return out
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Prefixes a child's names: `visit("attention", child, body)` yields "attention.query.weight".
@inline(__always)
public func visit(_ prefix: String, _ child: Module, _ body: (String, Parameter) -> Void) {
    child.forEachParameter { body(prefix + "." + $0, $1) }
}

@inline(__always)
public func visitBuffers(_ prefix: String, _ child: Module, _ body: (String, Parameter) -> Void) {
    child.forEachBuffer { body(prefix + "." + $0, $1) }
}

/// What a forward pass needs besides its inputs: training or evaluation mode, the seeded
/// generator that dropout draws from, and which rows of the global batch this pass
/// computes. Passed explicitly, never global.
public final class ForwardContext {
    public let training: Bool
    public var generator: RandomGenerator
    /// The slice of the global batch these tensors hold (a data-parallel rank's rows), so
    /// that dropout masks are keyed by global row; nil when they hold the whole batch.
    public var rows: RowSlice?

    public init(training: Bool, generator: RandomGenerator = RandomGenerator(seed: 0), rows: RowSlice? = nil) {
        self.training = training
        self.generator = generator
        self.rows = rows
    }

    public static func evaluation() -> ForwardContext { ForwardContext(training: false) }
}
