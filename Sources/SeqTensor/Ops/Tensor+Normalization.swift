// Softmax, log-softmax and layer normalization: fused kernels, one tape node each.

extension Tensor {
    /// Softmax along `axis` (fused kernel on the last axis; other axes move there first).
    public func softmax(axis: Int = -1) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank)
        if a != rank - 1 { return transposed(a, -1).softmax(axis: -1).transposed(a, -1) }
        let C = shape[a], R = count / Swift.max(C, 1)
        let y = Tensor(uninitialized: shape)
        Kernels.softmaxForward(storage.pointer, y.storage.pointer, rows: R, cols: C)
        let yS = y.storage
        return y.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            Kernels.softmaxBackward(yS.pointer, g.pointer, gx.gradBuffer(), rows: R, cols: C, accumulate: true)
        }
    }

    /// log(softmax) along `axis`, computed without forming the softmax.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let a = Shape.normalize(axis: axis, rank: rank)
        if a != rank - 1 { return transposed(a, -1).logSoftmax(axis: -1).transposed(a, -1) }
        let C = shape[a], R = count / Swift.max(C, 1)
        let y = Tensor(uninitialized: shape)
        Kernels.logSoftmaxForward(storage.pointer, y.storage.pointer, rows: R, cols: C)
        let yS = y.storage
        return y.recorded(from: [self]) { g, inputs in
            guard let gx = inputs[0] else { return }
            Kernels.logSoftmaxBackward(yS.pointer, g.pointer, gx.gradBuffer(), rows: R, cols: C, accumulate: true)
        }
    }

    /// Layer normalization over the last axis with optional affine weight and bias [C].
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
        let C = shape.last ?? 1, R = count / Swift.max(C, 1)
        if let weight { precondition(weight.shape == [C], "layerNorm weight \(weight.shape) for \(C) features") }
        if let bias { precondition(bias.shape == [C], "layerNorm bias \(bias.shape) for \(C) features") }
        let y = Tensor(uninitialized: shape)
        let mean = TensorStorage(uninitializedCount: R), rstd = TensorStorage(uninitializedCount: R)
        Kernels.layerNormForward(storage.pointer, weight: weight?.storage.pointer, bias: bias?.storage.pointer,
                                 y.storage.pointer, mean: mean.pointer, rstd: rstd.pointer, rows: R, cols: C, epsilon: epsilon)
        let xS = storage, wS = weight?.storage
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        let hasW = weight != nil, hasB = bias != nil
        return y.recorded(from: inputs) { g, nodes in
            let gx = nodes[0]
            let gw = hasW ? nodes[1] : nil
            let gb = hasB ? nodes[hasW ? 2 : 1] : nil
            Kernels.layerNormBackward(xS.pointer, weight: wS?.pointer, mean: mean.pointer, rstd: rstd.pointer, g.pointer,
                                      dx: gx?.gradBuffer(), dWeight: gw?.gradBuffer(), dBias: gb?.gradBuffer(),
                                      rows: R, cols: C, accumulate: true)
        }
    }
}
