import Testing
import SeqTensor
import SeqTestSupport

// Every differentiable op against central finite differences (SeqTestSupport.GradientCheck).

private func expectGradients(_ inputs: [Tensor], wrt: Set<Int>? = nil, h: Float = 1e-2, atol: Float = 2e-3,
                             _ f: @escaping ([Tensor]) -> Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
    let result = GradientCheck.run(inputs, wrt: wrt, h: h, atol: atol, f)
    #expect(result.passed, "\(result)", sourceLocation: sourceLocation)
}

private var x23: Tensor { TestTensors.normal([2, 3], seed: 1) }
private var x234: Tensor { TestTensors.normal([2, 3, 4], seed: 2) }
private var positive: Tensor { TestTensors.uniform([2, 5], seed: 3, lo: 0.5, hi: 2) }

@Suite struct ElementwiseGradients {
    @Test func exp() { expectGradients([x23]) { $0[0].exp() } }
    @Test func log() { expectGradients([positive]) { $0[0].log() } }
    @Test func tanh() { expectGradients([x23]) { $0[0].tanh() } }
    @Test func sigmoid() { expectGradients([x23]) { $0[0].sigmoid() } }
    @Test func sqrt() { expectGradients([positive]) { $0[0].sqrt() } }
    @Test func pow() {
        expectGradients([positive]) { $0[0].pow(3) }
        expectGradients([positive]) { $0[0].pow(0.5) }
        expectGradients([x23]) { $0[0].pow(2) }
    }
    @Test func relu() {
        // Away from the kink at 0, where the derivative is undefined.
        let x = Tensor(shape: [2, 3], scalars: [-1.5, 0.7, 2.0, -0.3, 0.4, -2.2])
        expectGradients([x]) { $0[0].relu() }
    }
    @Test func geluTanh() { expectGradients([TestTensors.normal([3, 7], seed: 4, std: 2)]) { $0[0].gelu() } }
    @Test func geluErf() { expectGradients([TestTensors.normal([3, 7], seed: 5, std: 2)]) { $0[0].geluErf() } }
    @Test func scalarArithmetic() {
        expectGradients([x23]) { ($0[0] * 3 + 1) / 2 - 0.5 }
        expectGradients([x23]) { 2 - (-$0[0]) }
    }
}

@Suite struct BroadcastGradients {
    @Test func sameShape() {
        let y = TestTensors.normal([2, 3], seed: 11)
        expectGradients([x23, y]) { $0[0] + $0[1] }
        expectGradients([x23, y]) { $0[0] - $0[1] }
        expectGradients([x23, y]) { $0[0] * $0[1] }
        expectGradients([x23, positive.slice(axis: 1, 0..<3)]) { $0[0] / $0[1] }
    }
    @Test func trailingVector() {
        let b = TestTensors.normal([4], seed: 12)
        let d = TestTensors.uniform([4], seed: 13, lo: 0.5, hi: 2)
        expectGradients([x234, b]) { $0[0] + $0[1] }
        expectGradients([x234, b]) { $0[0] - $0[1] }
        expectGradients([x234, b]) { $0[0] * $0[1] }
        expectGradients([x234, d]) { $0[0] / $0[1] }
    }
    @Test func columnAndMiddleAxes() {
        let col = TestTensors.uniform([2, 3, 1], seed: 14, lo: 0.5, hi: 2)
        let mid = TestTensors.uniform([2, 1, 4], seed: 15, lo: 0.5, hi: 2)
        expectGradients([x234, col]) { $0[0] * $0[1] }
        expectGradients([x234, mid]) { $0[0] / $0[1] }
        expectGradients([col, mid]) { $0[0] - $0[1] }   // both broadcast: [2,3,4]
        expectGradients([x234, Tensor(scalar: 1.5)]) { $0[0] * $0[1] }
    }
    @Test func tensorUsedTwiceAccumulates() {
        expectGradients([x23]) { $0[0] * $0[0] + $0[0] }
    }
}

@Suite struct ReductionGradients {
    @Test func sumAndMean() {
        for axis in 0..<3 {
            expectGradients([x234]) { $0[0].sum(axis: axis) }
            expectGradients([x234]) { $0[0].mean(axis: axis, keepingDims: true) }
        }
        expectGradients([x234]) { $0[0].sum() }
        expectGradients([x234]) { $0[0].mean() }
    }
    @Test func max() {
        // Values at least 0.1 apart, so that no finite-difference step changes the winner.
        let spread = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float(($0 * 7) % 24) * 0.1 - 1 })
        for axis in 0..<3 { expectGradients([spread]) { $0[0].max(axis: axis) } }
    }
    @Test func logSumExp() {
        for axis in 0..<3 { expectGradients([x234]) { $0[0].logSumExp(axis: axis) } }
    }
}

@Suite struct ShapeGradients {
    @Test func reshapeAndPermute() {
        expectGradients([x234]) { $0[0].reshape([4, -1]) * 2 }
        expectGradients([x234]) { $0[0].permute([2, 0, 1]) }
        expectGradients([x234]) { $0[0].transposed(0, 2) }
    }
    @Test func sliceAndConcatenate() {
        expectGradients([x234]) { $0[0].slice(axis: 1, 1..<3) }
        expectGradients([x234]) { $0[0].slice(axis: -1, 0..<1) }
        let y = TestTensors.normal([2, 2, 4], seed: 21)
        expectGradients([x234, y]) { Tensor.concatenate([$0[0], $0[1]], axis: 1) }
        expectGradients([x234]) { Tensor.concatenate([$0[0], $0[0]], axis: 0) }
    }
}

@Suite struct IndexingGradients {
    @Test func indexSelectWithRepeats() {
        let table = TestTensors.normal([5, 3], seed: 31)
        expectGradients([table]) { $0[0].indexSelect([4, 0, 4, 2]) }
    }
    @Test func gatherLastAxis() {
        expectGradients([x234]) { $0[0].gather(lastAxis: [0, 3, 1, 2, 2, 0]) }
    }
    @Test func scatterAdd() {
        let base = TestTensors.normal([4, 3], seed: 32)
        let src = TestTensors.normal([3, 3], seed: 33)
        expectGradients([base, src]) { $0[0].scatterAdd([1, 3, 1], $0[1]) }
    }
    @Test func maskedFill() {
        let mask = Tensor(shape: [1, 3, 1], scalars: [0, 1, 0])
        expectGradients([x234]) { $0[0].maskedFill(mask, with: -5) }
    }
}

@Suite struct FusedGradients {
    @Test func softmax() {
        expectGradients([x234]) { $0[0].softmax() }
        expectGradients([x234]) { $0[0].softmax(axis: 1) }
        expectGradients([TestTensors.normal([3, 37], seed: 41)]) { $0[0].softmax() }
    }
    @Test func logSoftmax() {
        expectGradients([x234]) { $0[0].logSoftmax() }
        expectGradients([x234]) { $0[0].logSoftmax(axis: 0) }
    }
    @Test func layerNorm() {
        let x = TestTensors.normal([3, 19], seed: 42, std: 2)
        let w = TestTensors.normal([19], seed: 43, mean: 1, std: 0.2)
        let b = TestTensors.normal([19], seed: 44, std: 0.2)
        expectGradients([x, w, b]) { $0[0].layerNorm(weight: $0[1], bias: $0[2], epsilon: 1e-5) }
        expectGradients([x]) { $0[0].layerNorm(weight: nil, bias: nil, epsilon: 1e-5) }
        expectGradients([x, w]) { $0[0].layerNorm(weight: $0[1], bias: nil, epsilon: 1e-12) }
    }
    @Test func crossEntropy() {
        let logits = TestTensors.normal([5, 7], seed: 45, std: 2)
        let targets: [Int32] = [3, -100, 0, 6, 2]
        expectGradients([logits]) { $0[0].crossEntropy(targets: targets) }
        expectGradients([logits]) { $0[0].crossEntropy(targets: targets, labelSmoothing: 0.1) }
        expectGradients([logits]) { $0[0].crossEntropy(targets: [1, 1, 1, 1, 1], ignoreIndex: 0) }
    }
    @Test func dropoutUsesOneMaskPerSeed() {
        expectGradients([TestTensors.normal([4, 9], seed: 46)]) { xs in
            var g = RandomGenerator(seed: 99)
            return xs[0].dropout(0.3, generator: &g)
        }
    }
}

@Suite struct MatmulGradients {
    @Test func plainAndTransposed() {
        let a = TestTensors.normal([3, 4], seed: 51), b = TestTensors.normal([4, 5], seed: 52)
        expectGradients([a, b]) { Tensor.matmul($0[0], $0[1]) }
        let at = TestTensors.normal([4, 3], seed: 53), bt = TestTensors.normal([5, 4], seed: 54)
        expectGradients([at, b]) { Tensor.matmul($0[0], $0[1], transposeA: true) }
        expectGradients([a, bt]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
        expectGradients([at, bt]) { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true) }
    }
    @Test func batched() {
        let a = TestTensors.normal([2, 3, 4], seed: 55), b = TestTensors.normal([2, 4, 5], seed: 56)
        expectGradients([a, b]) { Tensor.matmul($0[0], $0[1]) }
        let bt = TestTensors.normal([2, 5, 4], seed: 57), at = TestTensors.normal([2, 4, 3], seed: 58)
        expectGradients([a, bt]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
        expectGradients([at, b]) { Tensor.matmul($0[0], $0[1], transposeA: true) }
        expectGradients([at, bt]) { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true) }
    }
    @Test func sharedWeightAcrossBatch() {
        let a = TestTensors.normal([2, 3, 4], seed: 59), w = TestTensors.normal([5, 4], seed: 60)
        let at = TestTensors.normal([2, 4, 3], seed: 61), b = TestTensors.normal([4, 5], seed: 62)
        expectGradients([a, w]) { Tensor.matmul($0[0], $0[1], transposeB: true) }  // a Linear layer
        expectGradients([at, b]) { Tensor.matmul($0[0], $0[1], transposeA: true) }
    }
}

@Suite struct GradientCheckerControls {
    /// The checker must be able to fail: a 5% error in one analytic entry is caught.
    @Test func corruptedGradientFails() {
        var result = GradientCheck.run([x23]) { $0[0].tanh() }
        #expect(result.passed)
        result.analytic[0][2] *= 1.05
        result.analytic[0][2] += 0.01
        #expect(!result.passed)
    }

    /// A wrong backward (an op whose tape cuts the chain) is caught end to end.
    @Test func detachedGraphFails() {
        let result = GradientCheck.run([x23]) { $0[0].detached().exp() + $0[0] }
        #expect(!result.passed)
    }

    @Test func backwardFreesIntermediates() {
        let x = x23.requiringGrad()
        let y = (x.exp() * 2).sum()
        y.backward()
        #expect(x.grad != nil)
        // Intermediate gradients are dropped: a second backward through the same graph
        // finds its pullbacks gone and only the root's seed reaches nothing further.
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func noGradModeRecordsNothing() {
        let x = x23.requiringGrad()
        let y = withoutGradients { x.exp() }
        #expect(!y.requiresGrad)
        #expect(x.exp().requiresGrad)
    }
}

@Suite struct LinearGradients {
    @Test func linearWithAndWithoutBias() {
        let x = TestTensors.normal([2, 3, 4], seed: 71), w = TestTensors.normal([5, 4], seed: 72)
        let b = TestTensors.normal([5], seed: 73)
        expectGradients([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        expectGradients([x, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
    }

    @Test func linearMatchesMatmulPlusBias() {
        let x = TestTensors.normal([7, 4], seed: 74), w = TestTensors.normal([5, 4], seed: 75)
        let b = TestTensors.normal([5], seed: 76)
        let fused = Tensor.linear(x, weight: w, bias: b).scalars
        let plain = (Tensor.matmul(x, w, transposeB: true) + b).scalars
        #expect(maxAbsDifference(fused, plain) < 1e-5)
    }
}

@Suite struct SplitProductTests {
    /// Products large enough to be split across workers (by rows, or by columns when M is
    /// small), in every transpose combination, against a naive triple loop.
    @Test(arguments: [(3, 700, 200), (300, 260, 40), (97, 1030, 33)]) func splitSgemmMatchesNaive(_ shape: (Int, Int, Int)) {
        let (M, N, K) = shape
        #expect(M * N * K >= Kernels.parallelGemmWork)
        for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = TestTensors.normal(tA ? [K, M] : [M, K], seed: 1), b = TestTensors.normal(tB ? [N, K] : [K, N], seed: 2)
            let c = Tensor.matmul(a, b, transposeA: tA, transposeB: tB).scalars
            let av = a.scalars, bv = b.scalars
            var worst: Float = 0
            for i in 0..<M { for j in 0..<N {
                var s: Float = 0
                for k in 0..<K { s += (tA ? av[k * M + i] : av[i * K + k]) * (tB ? bv[j * K + k] : bv[k * N + j]) }
                worst = max(worst, abs(s - c[i * N + j]))
            } }
            #expect(worst < 1e-3, "\(shape) tA=\(tA) tB=\(tB): \(worst)")
        }
    }
}
