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
    /// Copies tensors from a safetensors archive into this module's parameters by name.
    /// `prefixes` are tried in order (e.g. "" and "bert." for BertModel inside
    /// BertForMaskedLM). Every parameter must be found with its exact shape; tensors the
    /// module does not use are returned (e.g. position_ids buffers, unused heads).
    @discardableResult
    public func load(from archive: SafetensorsArchive, prefixes: [String] = [""], file: String) throws -> [String] {
        var used = Set<String>()
        for (name, parameter) in namedParameters {
            guard let key = prefixes.map({ $0 + name }).first(where: { archive[$0] != nil }), let tensor = archive[key] else {
                throw CheckpointError("\(file): missing tensor '\(name)' (looked for \(prefixes.map { $0 + name }.joined(separator: ", ")))")
            }
            guard tensor.shape == parameter.shape else {
                throw CheckpointError("\(file): tensor '\(key)' has shape \(tensor.shape), expected \(parameter.shape)")
            }
            parameter.assign(tensor)
            used.insert(key)
        }
        return archive.names.filter { !used.contains($0) }
    }
}

extension BertModel {
    /// Loads a Hugging Face BERT directory (config.json + model.safetensors): a bare
    /// BertModel or the encoder inside BertForMaskedLM / BertForSequenceClassification.
    public static func load(directory: URL) throws -> BertModel {
        let config = try BertConfig.load(directory: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let archive = try Safetensors.read(weights)
        var generator = RandomGenerator(seed: 0)
        let model = withoutGradients { BertModel(config, generator: &generator) }
        try model.load(from: archive, prefixes: ["", "bert."], file: weights.path)
        return model
    }
}

extension BertConfig {
    /// Reads and validates DIR/config.json; errors name the file and the bad key.
    public static func load(directory: URL) throws -> BertConfig {
        let url = directory.appendingPathComponent("config.json")
        do {
            let config = try JSONDecoder().decode(BertConfig.self, from: Data(contentsOf: url))
            try config.validate()
            return config
        } catch let error as BertConfigError {
            throw CheckpointError("\(url.path): \(error.message)")
        } catch {
            throw CheckpointError("\(url.path): not a readable BERT config.json (\(error.localizedDescription))")
        }
    }
}
