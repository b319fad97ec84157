// The public seam for fused ops written outside SeqTensor (losses such as CTC, pooling):
// compute the output from the inputs' buffers, then record it as one tape node whose
// pullback is hand-written, exactly as the engine's own kernels are.

extension Tensor {
    /// The gradient of one custom op: `gradOut` is the upstream gradient (as many elements
    /// as the op's output); `inputGrads[i]` is input i's gradient buffer (as many elements
    /// as input i), or nil when input i needs no gradient. The pullback must ACCUMULATE
    /// into these buffers (`+=`, never `=`): an input used by several ops receives the sum.
    public typealias Pullback = (_ gradOut: UnsafeBufferPointer<Float>,
                                 _ inputGrads: [UnsafeMutableBufferPointer<Float>?]) -> Void

    /// Records `output`, computed from `inputs` by code of your own, as ONE tape node with
    /// the hand-written `pullback`; returns `output` carrying that node (or unchanged when
    /// no input requires gradients or recording is off, so inference pays nothing).
    ///
    /// `output` must not be on the tape already: compute it from the inputs' buffers
    /// (`withUnsafeBufferPointer`) or under `withoutGradients`, otherwise the gradient
    /// would flow twice. The pullback may capture what it needs from the forward (saved
    /// tensors, counts); it runs once, during `backward()`, and is freed after.
    ///
    ///     let y = Tensor(shape: [n], scalars: x.scalars.map { $0 * $0 })
    ///     return Tensor.recording(y, from: [x]) { gOut, grads in
    ///         guard let gx = grads[0] else { return }
    ///         x.withUnsafeBufferPointer { xs in for i in 0..<n { gx[i] += 2 * xs[i] * gOut[i] } }
    ///     }
    public static func recording(_ output: Tensor, from inputs: [Tensor], pullback: @escaping Pullback) -> Tensor {
        precondition(output.node == nil, "recording(_:from:pullback:) needs an output that is not on the tape yet")
        return output.recorded(from: inputs) { gOut, nodes in
            let grads = nodes.map { node in
                node.map { UnsafeMutableBufferPointer(start: $0.gradBuffer(), count: $0.count) }
            }
            pullback(UnsafeBufferPointer(start: gOut.pointer, count: gOut.count), grads)
        }
    }
}
