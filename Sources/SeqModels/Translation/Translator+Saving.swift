import Foundation
import SeqNN
import SeqTensor

extension TranslatorConfig {
    /// The architectures a translation model directory may record.
    public static let architectures = [architecture]
}

extension Translator {
    public func save(to directory: URL) throws {
        try ModelDirectory.save(self, config: config, architecture: TranslatorConfig.architecture, to: directory)
    }

    /// Loads a model directory written by `save(to:)`; another kind of model (a BERT) is
    /// refused in one sentence naming what the directory holds.
    public static func load(directory: URL) throws -> Translator {
        let kind = try ModelKind.read(directory)
        guard kind.modelType == TranslatorConfig.modelTypeName else {
            throw CheckpointError("\(directory.path) holds a \(kind.name) model, not a translation model (model_type '\(TranslatorConfig.modelTypeName)'); train one with seq train-translation")
        }
        let config = try TranslatorConfig.load(directory: directory)
        let weights = directory.appendingPathComponent("model.safetensors")
        let archive = try Safetensors.read(weights)
        var generator = RandomGenerator(seed: 0)
        let model = WeightInitialization.skipped { withoutGradients { Translator(config, generator: &generator) } }
        try model.load(from: archive, file: weights.path)
        return model
    }
}
