import Testing
import SeqTensor
import SeqTestSupport

// Random draws keyed by global row: a slice of the batch (a data-parallel rank's rows)
// gets exactly the rows of the whole batch's dropout masks, and leaves the generator where
// the whole batch would.

@Suite struct RowSliceTests {
    @Test func dropoutOfSlicesEqualsDropoutOfTheWholeBatch() {
        let x = TestTensors.normal([4, 3, 5], seed: 1)
        var whole = RandomGenerator(seed: 9)
        whole.counter = 17
        var first = whole, second = whole
        let full = x.dropout(0.4, generator: &whole)
        let a = x.slice(axis: 0, 0..<2).dropout(0.4, rows: RowSlice(offset: 0, count: 2, globalCount: 4), generator: &first)
        let b = x.slice(axis: 0, 2..<4).dropout(0.4, rows: RowSlice(offset: 2, count: 2, globalCount: 4), generator: &second)
        #expect(Tensor.concatenate([a, b], axis: 0).scalars == full.scalars)
        #expect(first == whole && second == whole)
        // The whole batch described as a slice is today's behaviour.
        var again = RandomGenerator(seed: 9)
        again.counter = 17
        #expect(x.dropout(0.4, rows: .whole(4), generator: &again).scalars == full.scalars)
    }

    @Test func attentionDropoutOfSlicesEqualsTheWholeBatch() {
        let q = TestTensors.normal([4, 6, 8], seed: 2), k = TestTensors.normal([4, 6, 8], seed: 3)
        let v = TestTensors.normal([4, 6, 8], seed: 4)
        let valid: [UInt8] = (0..<24).map { $0 % 6 == 5 && $0 > 12 ? 0 : 1 }
        func run(_ rows: Range<Int>, slice: RowSlice?, _ g: inout RandomGenerator) -> Tensor {
            Tensor.multiHeadAttention(query: q.slice(axis: 0, rows), key: k.slice(axis: 0, rows), value: v.slice(axis: 0, rows),
                                      heads: 2, keyValid: Array(valid[(rows.lowerBound * 6)..<(rows.upperBound * 6)]),
                                      pattern: AttentionPattern(causal: true), dropout: 0.3, rows: slice, generator: &g)
        }
        var whole = RandomGenerator(seed: 5)
        var first = whole, second = whole
        let full = run(0..<4, slice: nil, &whole)
        let a = run(0..<2, slice: RowSlice(offset: 0, count: 2, globalCount: 4), &first)
        let b = run(2..<4, slice: RowSlice(offset: 2, count: 2, globalCount: 4), &second)
        #expect(Tensor.concatenate([a, b], axis: 0).scalars == full.scalars)
        #expect(first == whole && second == whole)
        // Gradients of the slices, concatenated, are the whole batch's (the backward
        // regenerates the same keyed masks).
        let result = GradientCheck.run([q.slice(axis: 0, 2..<4)]) { xs in
            var g = RandomGenerator(seed: 5)
            return Tensor.multiHeadAttention(query: xs[0], key: k.slice(axis: 0, 2..<4), value: v.slice(axis: 0, 2..<4),
                                             heads: 2, dropout: 0.3, rows: RowSlice(offset: 2, count: 2, globalCount: 4),
                                             generator: &g)
        }
        #expect(result.passed, "\(result)")
    }
}
