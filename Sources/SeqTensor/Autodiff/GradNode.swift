/// One node of the reverse-mode tape: the gradient of one tensor, and how to pass it on.
///
/// A node is recorded per kernel, not per scalar operation: fused ops (softmax, layer norm,
/// cross-entropy, attention) are one node each with a hand-written backward. Pullbacks
/// capture only the buffers they need and *accumulate* into their inputs' gradients, so a
/// tensor used twice receives the sum without a separate add.
public final class GradNode {
    let shape: [Int]
    let count: Int
    /// Inputs that require gradients, in the order the pullback expects them.
    var inputs: [GradNode?]
    /// Reads `grad` and accumulates into the inputs' gradient buffers. Nil for leaves,
    /// and cleared after it has run so that saved forward buffers are freed.
    var pullback: ((_ gradOut: TensorStorage, _ inputs: [GradNode?]) -> Void)?
    /// The accumulated gradient, allocated (zeroed) on first use.
    var grad: TensorStorage?
    let isLeaf: Bool

    init(leafShape shape: [Int]) {
        self.shape = shape
        self.count = Shape.count(shape)
        self.inputs = []
        self.isLeaf = true
    }

    init(shape: [Int], inputs: [GradNode?],
         pullback: @escaping (_ gradOut: TensorStorage, _ inputs: [GradNode?]) -> Void) {
        self.shape = shape
        self.count = Shape.count(shape)
        self.inputs = inputs
        self.pullback = pullback
        self.isLeaf = false
    }

    /// The gradient buffer to accumulate into, zeroed on first use.
    public func gradBuffer() -> UnsafeMutablePointer<Float> {
        if let grad { return grad.pointer }
        let g = TensorStorage(zeroedCount: count)
        grad = g
        return g.pointer
    }

    /// Adds `gradient` (same element count) into this node's gradient. With `adopting`, a
    /// node that has no gradient yet takes the buffer itself instead of copying it: the
    /// caller promises nothing else will write to it (an upstream gradient after its
    /// pullback has run, passed to exactly one input).
    public func accumulate(_ gradient: TensorStorage, adopting: Bool = false) {
        precondition(gradient.count == count, "gradient of \(gradient.count) elements for a node of \(count)")
        if grad == nil && adopting {
            grad = gradient
        } else if let grad {
            SeqTensor.accumulate(gradient.pointer, into: grad.pointer, count)
        } else {
            grad = gradient.copy()
        }
    }
}

/// Whether ops record tape nodes. On by default; `withoutGradients` turns it off for the
/// duration of a closure (inference pays nothing for the tape). A task-local rather than
/// a global so that concurrent tasks cannot turn each other's recording off.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with gradient recording off, like PyTorch's `torch.no_grad()`.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

extension Tensor {
    /// Attaches a tape node to a freshly computed `self` when any of `inputs` requires
    /// gradients and recording is on. `pullback` receives the upstream gradient (same
    /// shape as `self`) and one entry per input: its node, or nil if it needs no gradient.
    @inline(__always)
    func recorded(from inputs: [Tensor],
                  _ pullback: @escaping (_ gradOut: TensorStorage, _ inputs: [GradNode?]) -> Void) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return self }
        var out = self
        out.node = GradNode(shape: shape, inputs: inputs.map { $0.node }, pullback: pullback)
        return out
    }

    /// Runs reverse-mode differentiation from this tensor. A scalar seeds with 1; otherwise
    /// pass `seed`, the gradient of some scalar with respect to this tensor. Gradients
    /// accumulate into every leaf reached; intermediate gradients and saved forward
    /// buffers are freed as soon as they have been used.
    ///
    /// With an `observer`, each leaf is announced as soon as its gradient is complete (after
    /// the last node that feeds it has run), so a data-parallel reducer can start summing
    /// the first finished gradients while the rest of the pass runs.
    public func backward(seed: Tensor? = nil, observer: BackwardObserver? = nil) {
        guard let root = node else {
            preconditionFailure("backward() on a tensor that does not require gradients")
        }
        if let seed {
            precondition(seed.shape == shape, "backward seed shape \(seed.shape) differs from \(shape)")
            let g = root.gradBuffer()
            seed.withUnsafeBufferPointer { s in for i in 0..<count { g[i] += s[i] } }
        } else {
            precondition(count == 1, "backward() without a seed needs a scalar, shape is \(shape)")
            root.gradBuffer()[0] += 1
        }
        let order = Array(Self.topologicalOrder(from: root).reversed())
        let finishing = observer == nil ? [] : Self.leavesFinished(along: order)
        for (i, node) in order.enumerated() where !node.isLeaf {
            if let pullback = node.pullback, let g = node.grad {
                pullback(g, node.inputs)
            }
            node.pullback = nil
            node.inputs = []
            node.grad = nil
            if let observer {
                for leaf in finishing[i] { observer.leafFinished(ObjectIdentifier(leaf)) }
                observer.nodeFinished()
            }
        }
    }

    /// For each position of `order`, the leaves whose last contribution comes from the node
    /// there (a leaf used by several nodes is finished after the last of them).
    static func leavesFinished(along order: [GradNode]) -> [[GradNode]] {
        var last: [ObjectIdentifier: (Int, GradNode)] = [:]
        for (i, node) in order.enumerated() {
            for case let input? in node.inputs where input.isLeaf { last[ObjectIdentifier(input)] = (i, input) }
        }
        var finishing = [[GradNode]](repeating: [], count: order.count)
        for (i, leaf) in last.values { finishing[i].append(leaf) }
        return finishing
    }

    /// Nodes in an order where every node comes after all of its inputs (iterative DFS:
    /// a deep graph must not overflow the stack).
    static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next], !child.isLeaf, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }
}
