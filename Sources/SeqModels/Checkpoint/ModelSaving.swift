import Foundation
import SeqNN
import SeqTensor

extension Module {
    /// Each distinct parameter once, under the first name that reaches it (tied weights are
    /// stored once, as transformers does), then the buffers (batch-norm running statistics).
    public var checkpointTensors: [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>(), out: [(String, Tensor)] = []
        forEachParameter { name, p in
            if seen.insert(ObjectIdentifier(p)).inserted { out.append((name, p.value.detached())) }
        }
        forEachBuffer { name, p in out.append((name, p.value.detached())) }
        return out
    }
}

extension BertConfig: ModelConfig {
    public func problem() -> String? {
        do { try validate() } catch { return error.message }
        return nil
    }
}

extension BertForMaskedLM {
    public func save(to directory: URL) throws {
        try ModelDirectory.save(self, config: config, architecture: architecture, to: directory)
    }

    /// The architectures whose weights hold this model's tensors.
    public static let architectures = ["BertForMaskedLM", "BertForPreTraining"]

    /// Loads a BertForMaskedLM / BertForPreTraining directory written by seq or transformers.
    public static func load(directory: URL) throws -> BertForMaskedLM {
        let config = try BertConfig.load(directory: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let archive = try Safetensors.read(weights)
        let nsp = archive["cls.seq_relationship.weight"] != nil
        var generator = RandomGenerator(seed: 0)
        let model = WeightInitialization.skipped { withoutGradients { BertForMaskedLM(config, nextSentencePrediction: nsp, generator: &generator) } }
        try model.load(from: archive, file: weights.path)
        return model
    }
}
