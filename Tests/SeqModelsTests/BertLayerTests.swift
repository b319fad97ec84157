import Testing
import SeqModels
import SeqNN
import SeqTensor
import SeqTestSupport

/// BERT's layer is the generic post-LN encoder layer: same numbers as transformers'
/// BertLayer order of operations (and as seq's former BertLayer), under the HF names.
@Suite struct BertLayerTests {
    static func config() -> BertConfig {
        BertConfig(vocabSize: 30, hiddenSize: 16, layerCount: 1, headCount: 2, intermediateSize: 24,
                   hiddenDropout: 0.2, attentionDropout: 0.1)
    }

    @Test func namesAreTransformers() {
        var g = RandomGenerator(seed: 1)
        let layer = TransformerEncoderLayer(bert: Self.config(), generator: &g)
        #expect(layer.namedParameters.map(\.name) == [
            "attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight", "attention.self.key.bias",
            "attention.self.value.weight", "attention.self.value.bias", "attention.output.dense.weight", "attention.output.dense.bias",
            "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
            "intermediate.dense.weight", "intermediate.dense.bias", "output.dense.weight", "output.dense.bias",
            "output.LayerNorm.weight", "output.LayerNorm.bias",
        ])
        #expect(layer.norm == .post && layer.attentionNorm.epsilon == 1e-12 && layer.feedForward.dropout.probability == 0)
    }

    /// transformers' BertLayer: LayerNorm(dropout(attention) + x), then
    /// LayerNorm(dropout(dense(act(dense(h)))) + h), written out from the layer's own
    /// modules; bitwise equal in training mode too (same dropout draws in the same order).
    @Test(arguments: [false, true]) func equalsBertsOrderOfOperations(_ training: Bool) {
        var g = RandomGenerator(seed: 2)
        let layer = TransformerEncoderLayer(bert: Self.config(), generator: &g)
        let x = TestTensors.normal([2, 5, 16], seed: 3)
        let mask = AttentionMask(keyValid: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        let a = ForwardContext(training: training, generator: RandomGenerator(seed: 4))
        let b = ForwardContext(training: training, generator: RandomGenerator(seed: 4))
        let generic = withoutGradients { layer(x, mask: mask, context: a) }
        let reference = withoutGradients { () -> Tensor in
            let attended = layer.attention(x, mask: mask, context: b)
            let h = layer.attentionNorm(layer.dropout(attended, b) + x)
            let f = layer.feedForward.down(layer.feedForward.activation(layer.feedForward.up(h)))
            return layer.feedForwardNorm(layer.dropout(f, b) + h)
        }
        #expect(generic.scalars == reference.scalars)
        #expect(a.generator == b.generator)
    }
}
