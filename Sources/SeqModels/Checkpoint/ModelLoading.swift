import Foundation
import SeqNN
import SeqTensor

/// Why a checkpoint could not be loaded: one sentence naming the file and what was expected.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Module {
    /// Copies tensors from a safetensors archive into this module's parameters and buffers
    /// by name. `prefixes` are tried in order (e.g. "" and "bert." for BertModel inside
    /// BertForMaskedLM). Every parameter and buffer must be found with its exact shape;
    /// tensors the module does not use are returned (position_ids buffers, unused heads).
    @discardableResult
    public func load(from archive: SafetensorsArchive, prefixes: [String] = [""], file: String) throws(CheckpointError) -> [String] {
        var used = Set<String>()
        var failure: CheckpointError?
        func take(_ name: String, _ target: Parameter) {
            guard failure == nil else { return }
            guard let key = prefixes.map({ $0 + name }).first(where: { archive[$0] != nil }), let tensor = archive[key] else {
                failure = CheckpointError("\(file): missing tensor '\(name)' (looked for \(prefixes.map { $0 + name }.joined(separator: ", ")))")
                return
            }
            guard tensor.shape == target.shape else {
                failure = CheckpointError("\(file): tensor '\(key)' has shape \(tensor.shape), expected \(target.shape)")
                return
            }
            target.assign(tensor)
            used.insert(key)
        }
        forEachParameter(take)
        forEachBuffer(take)
        if let failure { throw failure }
        return archive.names.filter { !used.contains($0) }
    }
}

extension BertModel {
    /// Loads a Hugging Face BERT directory (config.json + model.safetensors): a bare
    /// BertModel or the encoder inside any BERT head (BertForMaskedLM,
    /// BertForSequenceClassification, …). The pooler is loaded when the weights have one;
    /// a masked-LM checkpoint has none (transformers builds it with add_pooling_layer=False),
    /// and mean-pooled sentence embeddings do not use it.
    public static func load(directory: URL) throws -> BertModel {
        let config = try BertConfig.load(directory: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let archive = try Safetensors.read(weights)
        let prefixes = ["", "bert."]
        let hasPooler = prefixes.contains { archive[$0 + "pooler.dense.weight"] != nil }
        var generator = RandomGenerator(seed: 0)
        let model = WeightInitialization.skipped { withoutGradients { BertModel(config, pooler: hasPooler, generator: &generator) } }
        try model.load(from: archive, prefixes: prefixes, file: weights.path)
        return model
    }
}
