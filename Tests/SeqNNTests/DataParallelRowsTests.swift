import Testing
import SeqNN
import SeqTensor
import SeqTestSupport

/// A data-parallel rank computes a contiguous slice of the global batch with
/// `ForwardContext.rows`; its outputs and gradients must be the whole batch's rows.
@Suite struct DataParallelRowsTests {
    @Test(arguments: [NormPlacement.pre, .post]) func encoderLayerSlicesEqualTheWholeBatch(_ norm: NormPlacement) {
        var g = RandomGenerator(seed: 21)
        let layer = TransformerEncoderLayer(width: 8, heads: 2, hidden: 16, activation: .gelu, dropout: 0.1,
                                            attentionDropout: 0.1, norm: norm, generator: &g)
        let B = 4, T = 5
        let x = TestTensors.normal([B, T, 8], seed: 22)
        let valid: [UInt8] = (0..<(B * T)).map { $0 == 9 || $0 >= 18 ? 0 : 1 }
        let start = RandomGenerator(seed: 23)
        // loss = Σ r ⊙ y, a sum over rows (not a mean), so the halves' gradients add up to
        // the whole batch's; weighted by r because a plain sum is blind to layer norm.
        let r = TestTensors.normal([B, T, 8], seed: 24)

        func run(_ rows: Range<Int>, slice: RowSlice?) -> (Tensor, RandomGenerator) {
            let context = ForwardContext(training: true, generator: start, rows: slice)
            let mask = AttentionMask(keyValid: Array(valid[(rows.lowerBound * T)..<(rows.upperBound * T)]))
            let y = layer(x.slice(axis: 0, rows), mask: mask, context: context)
            (y * r.slice(axis: 0, rows)).sum().backward()
            return (y, context.generator)
        }

        layer.zeroGrad()
        let (full, fullGenerator) = run(0..<B, slice: nil)
        let fullGrads = layer.namedParameters.map { $0.parameter.grad!.scalars }
        layer.zeroGrad()
        let (a, firstGenerator) = run(0..<2, slice: RowSlice(offset: 0, count: 2, globalCount: B))
        let (b, secondGenerator) = run(2..<4, slice: RowSlice(offset: 2, count: 2, globalCount: B))
        let sliceGrads = layer.namedParameters.map { $0.parameter.grad!.scalars }

        // Not bitwise: every engine kernel here is row-wise, but OpenBLAS's sgemm gives a
        // row slightly different bits when the product has 10 rows instead of 20 (another
        // edge tile, another summation order: up to ~1e-6 on one Linear, measured). The
        // dropout masks themselves are identical (RowSliceTests checks them bitwise).
        let outputDiff = maxAbsDifference(Tensor.concatenate([a, b], axis: 0).scalars, full.scalars)
        #expect(outputDiff <= 1e-5, "outputs differ by \(outputDiff)")
        #expect(firstGenerator == fullGenerator && secondGenerator == fullGenerator)
        #expect(fullGenerator.counter > start.counter)
        // Parameter gradients sum over rows in a different order: equal within 1e-5 relative
        // to each gradient's largest entry, floored at the largest entry of all gradients
        // (the key bias's gradient is zero up to rounding: softmax ignores a per-query shift).
        let largest = fullGrads.flatMap { $0 }.map(abs).max() ?? 0
        for ((name, _), (whole, halves)) in zip(layer.namedParameters, zip(fullGrads, sliceGrads)) {
            let scale = max(whole.map(abs).max() ?? 0, largest * 1e-3)
            let diff = maxAbsDifference(whole, halves)
            #expect(diff <= 1e-5 * scale, "\(name): max |Δ| \(diff), max |g| \(scale)")
        }
    }
}
