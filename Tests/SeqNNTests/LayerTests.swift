import Foundation
import Testing
import SeqNN
import SeqTensor
import SeqTestSupport

/// Checks a module's input gradient with the gradient checker, and each parameter's
/// gradient (a few entries each) against central differences of the same Σ r⊙f.
/// Smooth activations only: a ReLU kink within the step breaks finite differences.
private func checkModule(_ module: Module, input: Tensor, sourceLocation: SourceLocation = #_sourceLocation,
                         _ forward: @escaping (Tensor) -> Tensor) {
    let inputCheck = GradientCheck.run([input], h: 1e-2, atol: 3e-3) { forward($0[0]) }
    #expect(inputCheck.passed, "input: \(inputCheck)", sourceLocation: sourceLocation)
    // Parameter gradients: loss Σ r⊙f against central differences on a few entries.
    var g = RandomGenerator(seed: 99)
    let out = forward(input)
    let r = Tensor.normal(out.shape, generator: &g)
    module.zeroGrad()
    (forward(input) * r).sum().backward()
    for (name, p) in module.namedParameters {
        let analytic = p.grad?.scalars ?? [Float](repeating: 0, count: p.count)
        let original = p.value.scalars
        for j in stride(from: 0, to: p.count, by: max(1, p.count / 4)) {
            func objective(_ delta: Float) -> Double {
                var s = original; s[j] += delta
                p.assign(Tensor(shape: p.shape, scalars: s))
                return withoutGradients { zip(forward(input).scalars, r.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
            }
            let numeric = Float((objective(1e-2) - objective(-1e-2)) / 2e-2)
            p.assign(Tensor(shape: p.shape, scalars: original))
            #expect(abs(numeric - analytic[j]) <= 3e-3 + 0.02 * abs(numeric), "\(name)[\(j)]: analytic \(analytic[j]) numeric \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }
}

@Suite struct LayerTests {
    @Test func batchNormTrainingGradientsWithPadding() {
        let bn = BatchNorm(features: 3)
        bn.weight.assign(Tensor(shape: [3], scalars: [1.2, 0.8, -0.5]))
        bn.bias.assign(Tensor(shape: [3], scalars: [0.1, -0.2, 0.3]))
        let x = TestTensors.normal([2, 4, 3], seed: 1, std: 2)
        let valid: [UInt8] = [1, 1, 1, 0, 1, 1, 0, 0]
        let context = ForwardContext(training: true)
        checkModule(bn, input: x) { bn($0, valid: valid, context: context) }
    }

    @Test func batchNormStatisticsIgnorePadding() {
        let bn = BatchNorm(features: 1, momentum: 0.5)
        // Valid values 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3); the pad (100) is ignored.
        let x = Tensor(shape: [1, 5, 1], scalars: [1, 2, 100, 3, 6])
        let y = bn(x, valid: [1, 1, 0, 1, 1], context: ForwardContext(training: true)).scalars
        let rstd = 1 / (3.5 + 1e-5 as Float).squareRoot()
        #expect(abs(y[0] - (1 - 3) * rstd) < 1e-5 && abs(y[4] - (6 - 3) * rstd) < 1e-5)
        #expect(y[2] == 0)
        #expect(abs(bn.runningMean.value.scalars[0] - 1.5) < 1e-6)                 // 0.5·0 + 0.5·3
        #expect(abs(bn.runningVariance.value.scalars[0] - (0.5 + 0.5 * 14 / 3)) < 1e-5)
        // Eval mode uses the running statistics.
        let e = bn(Tensor(shape: [1, 1, 1], scalars: [1.5]), context: .evaluation()).scalars[0]
        #expect(abs(e) < 1e-6)
        #expect(bn.namedBuffers.map(\.name) == ["running_mean", "running_var"])
    }

    @Test func layerNormModule() {
        let ln = LayerNorm(dimension: 5, epsilon: 1e-12)
        ln.weight.assign(TestTensors.normal([5], seed: 2, mean: 1, std: 0.3))
        ln.bias.assign(TestTensors.normal([5], seed: 3, std: 0.3))
        checkModule(ln, input: TestTensors.normal([3, 5], seed: 4)) { ln($0) }
    }

    @Test(arguments: [NormPlacement.pre, .post]) func encoderLayerGradients(_ norm: NormPlacement) {
        var g = RandomGenerator(seed: 5)
        let layer = TransformerEncoderLayer(width: 8, heads: 2, hidden: 12, activation: .gelu, dropout: 0, norm: norm, generator: &g)
        let mask = AttentionMask(keyValid: [1, 1, 1, 1, 1, 1, 0, 0])
        checkModule(layer, input: TestTensors.normal([2, 4, 8], seed: 6)) { layer($0, mask: mask, context: .evaluation()) }
    }

    @Test(arguments: [NormPlacement.pre, .post]) func decoderLayerGradients(_ norm: NormPlacement) {
        var g = RandomGenerator(seed: 7)
        let layer = TransformerDecoderLayer(width: 8, heads: 2, hidden: 12, activation: .gelu, dropout: 0, norm: norm, generator: &g)
        let memory = TestTensors.normal([2, 5, 8], seed: 8)
        let mask = AttentionMask(keyValid: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        checkModule(layer, input: TestTensors.normal([2, 3, 8], seed: 9)) {
            layer($0, memory: memory, memoryMask: mask, context: .evaluation())
        }
    }

    /// Decoding one position at a time through the caches gives the same outputs as the
    /// whole causal sequence at once.
    @Test(arguments: [NormPlacement.pre, .post]) func cachedDecodingEqualsFullSequence(_ norm: NormPlacement) {
        var g = RandomGenerator(seed: 10)
        let layer = TransformerDecoderLayer(width: 8, heads: 2, hidden: 16, dropout: 0, norm: norm, generator: &g)
        let memory = TestTensors.normal([2, 5, 8], seed: 11), x = TestTensors.normal([2, 4, 8], seed: 12)
        let mask = AttentionMask(keyValid: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        let full = withoutGradients { layer(x, memory: memory, memoryMask: mask, context: .evaluation()) }
        let cache = TransformerDecoderLayer.Cache(maxLength: 4)
        var steps: [Tensor] = []
        for t in 0..<4 {
            steps.append(withoutGradients {
                layer(x.slice(axis: 1, t..<(t + 1)), memory: memory, memoryMask: mask, cache: cache, context: .evaluation())
            })
        }
        let incremental = Tensor.concatenate(steps, axis: 1)
        #expect(maxAbsDifference(full.scalars, incremental.scalars) < 1e-5)
        #expect(cache.selfAttention.length == 4)
        // Beam reordering: KVCacheTests checks the rows themselves.
    }

    @Test func sinusoidalPositions() {
        let t = SinusoidalPositions.table(length: 3, width: 4).scalars
        #expect(t[0..<4] == [0, 1, 0, 1])
        #expect(abs(t[4] - Float(sin(1.0))) < 1e-7 && abs(t[5] - Float(cos(1.0))) < 1e-7)
        #expect(abs(t[6] - Float(sin(0.01))) < 1e-7 && abs(t[7] - Float(cos(0.01))) < 1e-7)
    }

    @Test func feedForwardAndLinearModules() {
        var g = RandomGenerator(seed: 13)
        let ff = FeedForward(width: 4, hidden: 6, activation: .geluTanh, generator: &g)
        checkModule(ff, input: TestTensors.normal([3, 4], seed: 14)) { ff($0, context: .evaluation()) }
        #expect(ff.namedParameters.map(\.name) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
    }
}
