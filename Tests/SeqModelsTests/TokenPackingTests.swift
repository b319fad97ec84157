import Testing
import SeqModels
import SeqNN
import SeqTensor
import SeqTestSupport

/// Skipping padding (`BertModel.paddingPositions = .skipped`, `TokenPacking`) changes what
/// is computed, not what comes out: at every real token the hidden state, the dropout masks
/// and every parameter's gradient equal the padded computation's.
@Suite struct TokenPackingTests {
    static let config = BertConfig(vocabSize: 30, hiddenSize: 16, layerCount: 2, headCount: 2, intermediateSize: 24,
                                   hiddenDropout: 0.2, attentionDropout: 0.1)
    /// Lengths 5, 2 and 4 padded to 5, with a second segment in the first row.
    static let batch = BertBatch.padding([[2, 7, 8, 3, 9], [2, 3], [2, 11, 12, 3]], typeIDs: [[0, 0, 0, 0, 1], [0, 0], [0, 0, 0, 0]])
    static let real = batch.attentionMask.map { $0 != 0 }

    func model() -> BertModel {
        var g = RandomGenerator(seed: 5)
        return withoutGradients { BertModel(Self.config, pooler: false, generator: &g) }
    }

    /// Hidden state and gradients of Σ w ⊙ hidden over the real tokens, in one mode.
    func run(_ m: BertModel, _ mode: BertModel.PaddingPositions, training: Bool, seed: UInt64 = 9)
        -> (hidden: [Float], grads: [String: [Float]], generator: RandomGenerator) {
        m.paddingPositions = mode
        m.zeroGrad()
        let context = ForwardContext(training: training, generator: RandomGenerator(seed: seed))
        let hidden = m.encode(Self.batch, context: context)
        let C = Self.config.hiddenSize
        var w = TestTensors.normal(hidden.shape, seed: 3).scalars
        for (i, r) in Self.real.enumerated() where !r { for c in 0..<C { w[i * C + c] = 0 } }
        (hidden * Tensor(shape: hidden.shape, scalars: w)).sum().backward()
        let grads = Dictionary(uniqueKeysWithValues: m.namedParameters.map { ($0.name, $0.parameter.grad?.scalars ?? []) })
        return (hidden.scalars, grads, context.generator)
    }

    func realRows(_ x: [Float]) -> [Float] {
        let C = Self.config.hiddenSize
        return Self.real.indices.filter { Self.real[$0] }.flatMap { x[($0 * C)..<(($0 + 1) * C)] }
    }

    @Test(arguments: [false, true]) func skippedPaddingEqualsComputedAtRealTokens(_ training: Bool) throws {
        let m = model()
        let computed = run(m, .computed, training: training), skipped = run(m, .skipped, training: training)
        let a = realRows(computed.hidden), b = realRows(skipped.hidden)
        #expect(maxAbsDifference(a, b) <= 1e-5, "real tokens differ by \(maxAbsDifference(a, b))")
        // Padding rows are never computed: zero.
        let C = Self.config.hiddenSize
        for (i, r) in Self.real.enumerated() where !r { #expect(skipped.hidden[(i * C)..<((i + 1) * C)].allSatisfy { $0 == 0 }) }
        #expect(computed.generator == skipped.generator, "both modes consume the same random stream")
        for (name, g) in computed.grads {
            let h = try #require(skipped.grads[name])
            let scale = g.reduce(0) { max($0, abs($1)) }
            #expect(g.count == h.count && maxAbsDifference(g, h) <= 1e-5 * max(scale, 1), "\(name): |Δ| \(maxAbsDifference(g, h))")
        }
        if training {
            // Control: dropout is live (another seed changes the real tokens), so the equality
            // above is a statement about the masks, not about dropout being off.
            let other = run(m, .skipped, training: true, seed: 10)
            #expect(maxAbsDifference(realRows(other.hidden), b) > 1e-2)
        }
    }

    /// packed then unpacked keeps the real rows and zeroes the padding; the gradient flows
    /// back to exactly the real rows.
    @Test func packAndUnpackAreAdjoint() throws {
        let packing = try #require(Self.batch.packing)
        #expect(packing.count == 11 && packing.rows == [0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 13])
        let x = TestTensors.normal([3, 5, 4], seed: 1).requiringGrad()
        let round = x.packed(packing).unpacked(packing)
        #expect(round.shape == [3, 5, 4])
        for i in 0..<15 {
            let row = Array(round.scalars[(i * 4)..<(i * 4 + 4)])
            #expect(row == (Self.real[i] ? Array(x.scalars[(i * 4)..<(i * 4 + 4)]) : [0, 0, 0, 0]))
        }
        let w = TestTensors.normal([3, 5, 4], seed: 2)
        (round * w).sum().backward()
        let g = try #require(x.grad).scalars
        for i in 0..<15 { #expect(Array(g[(i * 4)..<(i * 4 + 4)]) == (Self.real[i] ? Array(w.scalars[(i * 4)..<(i * 4 + 4)]) : [0, 0, 0, 0])) }
        // No padding, nothing to pack.
        #expect(BertBatch.padding([[2, 3], [2, 3]]).packing == nil)
    }

    /// QA with padding skipped: real positions keep their logits, padding gets
    /// `paddingLogit` and so no probability.
    @Test func questionAnsweringMasksPaddingWhenSkipped() {
        var g = RandomGenerator(seed: 6)
        let m = withoutGradients {
            BertForQuestionAnswering(encoder: BertModel(Self.config, pooler: false, generator: &g), config: Self.config, generator: &g)
        }
        m.bert.paddingPositions = .computed
        let computed = withoutGradients { m.logits(Self.batch, context: .evaluation()) }
        m.bert.paddingPositions = .skipped
        let skipped = withoutGradients { m.logits(Self.batch, context: .evaluation()) }
        for (i, r) in Self.real.enumerated() {
            if r {
                #expect(abs(computed.start.scalars[i] - skipped.start.scalars[i]) <= 1e-5)
                #expect(abs(computed.end.scalars[i] - skipped.end.scalars[i]) <= 1e-5)
            } else {
                #expect(skipped.start.scalars[i] == BertForQuestionAnswering.paddingLogit)
                #expect(skipped.end.scalars[i] == BertForQuestionAnswering.paddingLogit)
                #expect(computed.start.scalars[i] != BertForQuestionAnswering.paddingLogit)
            }
        }
    }

    /// Token t's state in each sequence of a [B, T, C] tensor, flattened.
    static func token(_ t: Int, of x: Tensor, batch B: Int, length T: Int) -> [Float] {
        let C = x.count / (B * T), all = x.scalars
        var out: [Float] = []
        for b in 0..<B { out += all[((b * T + t) * C)..<((b * T + t + 1) * C)] }
        return out
    }

    /// Inference reads [CLS] from a last layer that computes only the first tokens: the same
    /// values as the whole layer's first row, packed or padded, with padding or without.
    @Test(arguments: [BertModel.PaddingPositions.skipped, .computed]) func firstTokensEqualTheWholeLastLayer(_ mode: BertModel.PaddingPositions) {
        let m = model()
        m.paddingPositions = mode
        let C = Self.config.hiddenSize
        for batch in [Self.batch, BertBatch.padding([[2, 7, 8, 3], [2, 9, 10, 3]])] {
            let whole = withoutGradients { m.encode(batch, context: .evaluation()) }
            let first = withoutGradients { m.encodeFirstTokens(batch, context: .evaluation()) }
            #expect(first.shape == [batch.batchSize, C])
            let expected = Self.token(0, of: whole, batch: batch.batchSize, length: batch.length)
            #expect(maxAbsDifference(first.scalars, expected) <= 1e-5, "first tokens differ by \(maxAbsDifference(first.scalars, expected))")
            // Control: the second tokens' states are not what came out.
            let second = Self.token(1, of: whole, batch: batch.batchSize, length: batch.length)
            #expect(maxAbsDifference(first.scalars, second) > 1e-2)
        }
    }

    /// The same for a pre-LN layer (the translation encoder's), packed and padded.
    @Test func firstTokensOfAPreNormLayer() throws {
        var g = RandomGenerator(seed: 8)
        let layer = withoutGradients { TransformerEncoderLayer(width: 16, heads: 2, hidden: 24, activation: .gelu, dropout: 0.1, norm: .pre, generator: &g) }
        let packing = try #require(Self.batch.packing)
        let x = TestTensors.normal([3, 5, 16], seed: 4)
        let mask = AttentionMask(keyValid: packing.keyValid)
        let whole = withoutGradients { layer(x, mask: mask, context: .evaluation()) }
        let expected = Self.token(0, of: whole, batch: 3, length: 5)
        let padded = withoutGradients { layer.firstTokens(x, packing: nil, mask: mask, batch: 3, length: 5, context: .evaluation()) }
        let packed = withoutGradients { layer.firstTokens(x.packed(packing), packing: packing, batch: 3, length: 5, context: .evaluation()) }
        #expect(maxAbsDifference(padded.scalars, expected) <= 1e-5)
        #expect(maxAbsDifference(packed.scalars, expected) <= 1e-5)
    }
}
