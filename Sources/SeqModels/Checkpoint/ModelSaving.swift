import Foundation
import SeqNN
import SeqTensor

extension Module {
    /// Each distinct parameter once, under the first name that reaches it: tied weights are
    /// stored once, as transformers does.
    public var checkpointTensors: [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>(), out: [(String, Tensor)] = []
        forEachParameter { name, p in
            if seen.insert(ObjectIdentifier(p)).inserted { out.append((name, p.value.detached())) }
        }
        forEachBuffer { name, p in out.append((name, p.value.detached())) }
        return out
    }
}

extension BertConfig {
    /// config.json bytes as transformers writes them (sorted keys, 2-space indent).
    public func jsonData(architectures: [String]) throws -> Data {
        var c = self
        c.architectures = architectures
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(c)
    }
}

/// Writes a model directory: config.json and model.safetensors, each atomically (temporary
/// file, fsync, rename), weights first so that a directory with a new config.json always
/// has the weights that match it.
public func saveModelDirectory(_ module: Module, config: BertConfig, architectures: [String], to directory: URL,
                               metadata: [String: String] = ["format": "pt"]) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try Safetensors.write(module.checkpointTensors, metadata: metadata, to: directory.appendingPathComponent("model.safetensors"))
    let json = try config.jsonData(architectures: architectures)
    try AtomicFile.write(to: directory.appendingPathComponent("config.json")) { sink in
        try json.withUnsafeBytes { try sink.write($0) }
    }
}

extension BertForMaskedLM {
    public func save(to directory: URL) throws {
        try saveModelDirectory(self, config: config, architectures: [architecture], to: directory)
    }

    /// Loads a BertForMaskedLM / BertForPreTraining directory written by seq or transformers.
    public static func load(directory: URL) throws -> BertForMaskedLM {
        let config = try BertConfig.load(directory: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let archive = try Safetensors.read(weights)
        let nsp = archive["cls.seq_relationship.weight"] != nil
        var generator = RandomGenerator(seed: 0)
        let model = withoutGradients { BertForMaskedLM(config, nextSentencePrediction: nsp, generator: &generator) }
        try model.load(from: archive, file: weights.path)
        return model
    }
}
