import Testing
import SeqTensor
import SeqTestSupport

// The fused attention kernel against attention composed from plain ops (split heads,
// matmul, additive mask, softmax, matmul, merge heads), and its gradients against finite
// differences, for every mask kind.

private func reference(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads H: Int, keyValid: [UInt8]?, pattern: AttentionPattern) -> Tensor {
    let B = q.shape[0], Tq = q.shape[1], C = q.shape[2], Tk = k.shape[1], D = C / H
    func split(_ x: Tensor, _ T: Int) -> Tensor { x.reshape([B, T, H, D]).permute([0, 2, 1, 3]) }
    var scores = Tensor.matmul(split(q, Tq), split(k, Tk), transposeB: true) * (1 / Float(D).squareRoot())
    var bias = [Float](repeating: 0, count: B * Tq * Tk)
    for b in 0..<B { for i in 0..<Tq { for j in 0..<Tk {
        let ia = i + Tk - Tq
        var ok = !(pattern.causal && j > ia)
        if let w = pattern.window, abs(ia - j) > w { ok = false }
        if let keyValid, keyValid[b * Tk + j] == 0 { ok = false }
        if !ok { bias[(b * Tq + i) * Tk + j] = -.infinity }
    } } }
    scores = scores + Tensor(shape: [B, 1, Tq, Tk], scalars: bias)
    let out = Tensor.matmul(scores.softmax(), split(v, Tk))
    return out.permute([0, 2, 1, 3]).reshape([B, Tq, C])
}

private func fused(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, keyValid: [UInt8]?, pattern: AttentionPattern,
                   dropout: Float = 0) -> Tensor {
    var g = RandomGenerator(seed: 11)
    return Tensor.multiHeadAttention(query: q, key: k, value: v, heads: heads, keyValid: keyValid, pattern: pattern,
                                     dropout: dropout, generator: &g)
}

@Suite struct AttentionTests {
    static let patterns: [(String, AttentionPattern, Bool)] = [
        ("full", AttentionPattern(), false),
        ("padding", AttentionPattern(), true),
        ("causal", AttentionPattern(causal: true), false),
        ("window", AttentionPattern(window: 2), false),
        ("causal window + padding", AttentionPattern(causal: true, window: 1), true),
    ]

    @Test(arguments: 0..<5) func fusedEqualsComposedAndGradientsCheck(_ which: Int) {
        let (name, pattern, padded) = Self.patterns[which]
        let q = TestTensors.normal([2, 7, 8], seed: 1), k = TestTensors.normal([2, 7, 8], seed: 2)
        let v = TestTensors.normal([2, 7, 8], seed: 3)
        let valid: [UInt8]? = padded ? [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0] : nil
        let a = fused(q, k, v, heads: 2, keyValid: valid, pattern: pattern).scalars
        let b = reference(q, k, v, heads: 2, keyValid: valid, pattern: pattern).scalars
        #expect(maxAbsDifference(a, b) < 1e-5, "\(name)")
        let result = GradientCheck.run([q, k, v]) { fused($0[0], $0[1], $0[2], heads: 2, keyValid: valid, pattern: pattern) }
        #expect(result.passed, "\(name): \(result)")
    }

    @Test func crossAttentionAndCachedDecodingShapes() {
        // Tq ≠ Tk: cross-attention, and the last queries of a causal prefix (KV cache).
        let q = TestTensors.normal([2, 3, 8], seed: 4), k = TestTensors.normal([2, 5, 8], seed: 5)
        let v = TestTensors.normal([2, 5, 8], seed: 6)
        for pattern in [AttentionPattern(), AttentionPattern(causal: true)] {
            let a = fused(q, k, v, heads: 4, keyValid: nil, pattern: pattern).scalars
            let b = reference(q, k, v, heads: 4, keyValid: nil, pattern: pattern).scalars
            #expect(maxAbsDifference(a, b) < 1e-5)
            let result = GradientCheck.run([q, k, v]) { fused($0[0], $0[1], $0[2], heads: 4, keyValid: nil, pattern: pattern) }
            #expect(result.passed, "\(result)")
        }
    }

    @Test func longSequencesUseSeveralBlocks() {
        // 150 queries: two blocks of full attention, three of windowed.
        let q = TestTensors.normal([1, 150, 4], seed: 7), k = TestTensors.normal([1, 150, 4], seed: 8)
        let v = TestTensors.normal([1, 150, 4], seed: 9)
        for pattern in [AttentionPattern(), AttentionPattern(window: 5), AttentionPattern(causal: true, window: 70)] {
            let a = fused(q, k, v, heads: 2, keyValid: nil, pattern: pattern).scalars
            let b = reference(q, k, v, heads: 2, keyValid: nil, pattern: pattern).scalars
            #expect(maxAbsDifference(a, b) < 1e-5)
        }
    }

    @Test func dropoutGradients() {
        let q = TestTensors.normal([1, 6, 4], seed: 10), k = TestTensors.normal([1, 6, 4], seed: 11)
        let v = TestTensors.normal([1, 6, 4], seed: 12)
        let result = GradientCheck.run([q, k, v]) { fused($0[0], $0[1], $0[2], heads: 2, keyValid: nil, pattern: AttentionPattern(), dropout: 0.3) }
        #expect(result.passed, "\(result)")
    }

    /// With one-hot values (Tk = D, v[j] = e_j in every head) the output IS the matrix of
    /// attention probabilities after dropout, so the mask can be read off element by element.
    @Test func dropoutRateScaleAndReproducibility() {
        let B = 4, H = 2, Tq = 64, Tk = 16, D = Tk, C = H * D, p: Float = 0.3
        let q = TestTensors.normal([B, Tq, C], seed: 16), k = TestTensors.normal([B, Tk, C], seed: 17)
        var oneHot = [Float](repeating: 0, count: B * Tk * C)
        for b in 0..<B { for j in 0..<Tk { for h in 0..<H { oneHot[(b * Tk + j) * C + h * D + j] = 1 } } }
        let v = Tensor(shape: [B, Tk, C], scalars: oneHot)
        var g = RandomGenerator(seed: 18)
        g.counter = 1000
        let start = g
        let dropped = Tensor.multiHeadAttention(query: q, key: k, value: v, heads: H, dropout: p, generator: &g).scalars
        #expect(g.counter == start.counter + UInt64(B * H * Tq * Tk))
        var unused = start
        let probabilities = Tensor.multiHeadAttention(query: q, key: k, value: v, heads: H, generator: &unused).scalars
        #expect(unused == start)   // no dropout, no draws

        // Every element is either dropped (0) or the probability scaled by 1/(1−p).
        var zeros = 0
        for (d, P) in zip(dropped, probabilities) {
            #expect(P > 0)
            if d == 0 { zeros += 1 } else { #expect(abs(d - P / (1 - p)) <= 1e-6 * P / (1 - p) + 1e-9, "survivor \(d) vs \(P)") }
        }
        // The number dropped is Binomial(n, p): within 5 standard deviations.
        let n = Double(B * H * Tq * Tk), sigma = (n * Double(p) * Double(1 - p)).squareRoot()
        #expect(abs(Double(zeros) - n * Double(p)) <= 5 * sigma, "\(zeros) of \(Int(n)) dropped, expected \(n * Double(p)) ± \(5 * sigma)")

        // The same generator state reproduces the output exactly; another state does not.
        var again = start
        #expect(Tensor.multiHeadAttention(query: q, key: k, value: v, heads: H, dropout: p, generator: &again).scalars == dropped)
        var later = g
        #expect(Tensor.multiHeadAttention(query: q, key: k, value: v, heads: H, dropout: p, generator: &later).scalars != dropped)
    }

    @Test func fullyMaskedQueryGivesZeros() {
        let q = TestTensors.normal([1, 2, 4], seed: 13), k = TestTensors.normal([1, 2, 4], seed: 14)
        let v = TestTensors.normal([1, 2, 4], seed: 15)
        let out = fused(q, k, v, heads: 1, keyValid: [0, 0], pattern: AttentionPattern()).scalars
        #expect(out.allSatisfy { $0 == 0 })
    }
}
