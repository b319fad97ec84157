import Testing
import SeqTensor

/// Loaders build a model with initialisation skipped, then overwrite every weight.
@Suite struct WeightInitializationTests {
    @Test func skippedInitializationDrawsNothing() {
        var g = RandomGenerator(seed: 3)
        let skipped = WeightInitialization.skipped {
            (Tensor.normal([4, 5], std: 0.02, generator: &g), Tensor.uniform([3], lo: -1, hi: 1, generator: &g))
        }
        #expect(skipped.0.scalars == [Float](repeating: 0, count: 20) && skipped.1.scalars == [0, 0, 0])
        #expect(g == RandomGenerator(seed: 3), "the generator is left as it was")
        // Outside the scope, draws are back (and advance the generator).
        let drawn = Tensor.normal([4, 5], std: 0.02, generator: &g)
        #expect(drawn.scalars.contains { $0 != 0 } && g.counter > 0)
    }
}
