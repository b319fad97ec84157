import Foundation
import Testing
import SeqModels
import SeqNN
import SeqTensor
import SeqTestSupport

@Suite struct BertPretrainingTests {
    static func tinyConfig() -> BertConfig {
        var c = BertConfig(vocabSize: 50, hiddenSize: 16, layerCount: 2, headCount: 2, intermediateSize: 32, maxPositions: 16)
        c.hiddenDropout = 0; c.attentionDropout = 0
        return c
    }

    static func batch() -> MaskedLMBatch {
        let input = BertBatch.padding([[2, 10, 11, 12, 3], [2, 20, 21, 3]], typeIDs: [[0, 0, 0, 1, 1], [0, 0, 1, 1]])
        return MaskedLMBatch(input: input, maskedPositions: [1, 3, 6], maskedTargets: [10, 12, 21], nextSentenceLabels: [0, 1])
    }

    @Test func saveLoadRoundTripGivesSameLogits() throws {
        var g = RandomGenerator(seed: 5)
        let model = BertForMaskedLM(Self.tinyConfig(), nextSentencePrediction: true, generator: &g)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-bert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.save(to: dir)
        let loaded = try BertForMaskedLM.load(directory: dir)
        let a = withoutGradients { model.logits(Self.batch().input, context: .evaluation()) }
        let b = withoutGradients { loaded.logits(Self.batch().input, context: .evaluation()) }
        #expect(a.scalars == b.scalars)
        // The tied decoder matrix is stored once, under the embedding's name.
        let names = try Safetensors.read(dir.appendingPathComponent("model.safetensors")).names
        #expect(names.contains("bert.embeddings.word_embeddings.weight"))
        #expect(!names.contains { $0.contains("decoder") })
        #expect(names.contains("cls.seq_relationship.weight") && names.contains("bert.pooler.dense.weight"))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(config["architectures"] as? [String] == ["BertForPreTraining"])
        #expect(config["hidden_size"] as? Int == 16)
    }

    @Test func tiedWeightIsOneParameter() {
        var g = RandomGenerator(seed: 6)
        let model = BertForMaskedLM(Self.tinyConfig(), generator: &g)
        let names = model.namedParameters.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(!names.contains("bert.pooler.dense.weight"))
        #expect(model.parameters.count == names.count)
    }

    /// The whole model's gradient, for a few parameters, against finite differences.
    @Test func lossGradientMatchesFiniteDifferences() {
        var g = RandomGenerator(seed: 7)
        let model = BertForMaskedLM(Self.tinyConfig(), nextSentencePrediction: true, generator: &g)
        let batch = Self.batch()
        let out = model.loss(batch, context: .evaluation())
        out.loss.backward()
        let h: Float = 1e-2
        for (name, p) in model.namedParameters where name.hasSuffix("layer.1.attention.self.query.weight")
            || name.hasSuffix("embeddings.word_embeddings.weight") || name.hasSuffix("predictions.bias")
            || name.hasSuffix("LayerNorm.weight") {
            let grad = p.grad!.scalars
            for j in stride(from: 0, to: p.count, by: max(1, p.count / 5)) {
                let original = p.value.scalars
                var plus = original, minus = original
                plus[j] += h; minus[j] -= h
                p.assign(Tensor(shape: p.shape, scalars: plus))
                let lp = withoutGradients { model.loss(batch, context: .evaluation()).loss.item }
                p.assign(Tensor(shape: p.shape, scalars: minus))
                let lm = withoutGradients { model.loss(batch, context: .evaluation()).loss.item }
                p.assign(Tensor(shape: p.shape, scalars: original))
                let numeric = (lp - lm) / (2 * h)
                #expect(abs(numeric - grad[j]) <= 3e-3 + 0.03 * abs(numeric), "\(name)[\(j)]: analytic \(grad[j]) numeric \(numeric)")
            }
        }
    }
}
