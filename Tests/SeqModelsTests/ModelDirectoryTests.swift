import Foundation
import Testing
import SeqModels
import SeqNN
import SeqTensor

/// A model with a buffer (batch norm's running statistics) and its config, to show that a
/// model directory round-trips buffers as well as parameters for any `ModelConfig`.
private struct NormedConfig: ModelConfig, Equatable {
    var features: Int
    var modelType = "seq-test-normed"
    var architectures: [String]?

    enum CodingKeys: String, CodingKey {
        case features, architectures
        case modelType = "model_type"
    }

    func problem() -> String? { features > 0 ? nil : "features must be positive" }
}

private final class Normed: Module {
    let dense: Linear
    let norm: BatchNorm
    init(_ config: NormedConfig, generator: inout RandomGenerator) {
        dense = Linear(inFeatures: config.features, outFeatures: config.features, generator: &generator)
        norm = BatchNorm(features: config.features)
    }
    func forEachParameter(_ body: (String, Parameter) -> Void) { visit("dense", dense, body); visit("norm", norm, body) }
    func forEachBuffer(_ body: (String, Parameter) -> Void) { visitBuffers("norm", norm, body) }
    func callAsFunction(_ x: Tensor, context: ForwardContext) -> Tensor { norm(dense(x), context: context) }
}

@Suite struct ModelDirectoryTests {
    static func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("seq-modeldir-\(UUID().uuidString)")
    }

    /// Training moves the running statistics away from (0, 1); a saved and reloaded model
    /// has the same statistics and gives the same evaluation outputs. Before buffers were
    /// loaded, the reloaded model evaluated with (0, 1) and differed.
    @Test func buffersRoundTrip() throws {
        let config = NormedConfig(features: 3)
        var g = RandomGenerator(seed: 3)
        let model = Normed(config, generator: &g)
        let x = Tensor.normal([8, 3], mean: 2, std: 3, generator: &g)
        _ = withoutGradients { model(x, context: ForwardContext(training: true)) }
        #expect(model.norm.runningMean.value.scalars != [0, 0, 0])
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ModelDirectory.save(model, config: config, architecture: "Normed", to: dir)
        #expect(try NormedConfig.load(directory: dir) == NormedConfig(features: 3, architectures: ["Normed"]))

        var g2 = RandomGenerator(seed: 99)
        let loaded = Normed(config, generator: &g2)
        let unused = try loaded.load(from: try Safetensors.read(dir.appendingPathComponent("model.safetensors")), file: "model.safetensors")
        #expect(unused.isEmpty)
        #expect(loaded.norm.runningMean.value.scalars == model.norm.runningMean.value.scalars)
        #expect(loaded.norm.runningVariance.value.scalars == model.norm.runningVariance.value.scalars)
        let a = withoutGradients { model(x, context: .evaluation()) }, b = withoutGradients { loaded(x, context: .evaluation()) }
        #expect(a.scalars == b.scalars)
    }

    /// A directory records its architecture; a command that needs another refuses it in
    /// one sentence naming the directory, what it holds and what was needed.
    @Test func wrongArchitectureIsRefusedInOneSentence() throws {
        var g = RandomGenerator(seed: 1)
        let config = BertConfig(vocabSize: 20, hiddenSize: 8, layerCount: 1, headCount: 2, intermediateSize: 16, maxPositions: 16)
        let mlm = BertForMaskedLM(config, generator: &g)
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try mlm.save(to: dir)
        #expect(try ModelKind.read(dir) == ModelKind(modelType: "bert", architectures: ["BertForMaskedLM"]))
        #expect(try ModelDirectory.require(dir, oneOf: BertForMaskedLM.architectures, for: "pretraining").name == "BertForMaskedLM")
        do {
            try ModelDirectory.require(dir, oneOf: ["TransformerTranslator"], for: "seq translate")
            Issue.record("a BERT directory was accepted as a translator")
        } catch {
            #expect(error.message == "\(dir.path) holds a BertForMaskedLM model, but seq translate needs one of: TransformerTranslator")
            #expect(!error.message.contains("\n"))
        }
        // A path that is not a model directory, and a config that is not JSON.
        #expect(throws: CheckpointError.self) { try ModelKind.read(dir.appendingPathComponent("config.json")) }
        try Data("{".utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(throws: CheckpointError.self) { try ModelKind.read(dir) }
    }

    /// A masked-LM directory has no pooler (as transformers' BertForMaskedLM); the bare
    /// encoder loads from it all the same (`seq embed` on `seq pretrain`'s output).
    @Test func encoderLoadsFromAMaskedLMDirectory() throws {
        var g = RandomGenerator(seed: 2)
        let config = BertConfig(vocabSize: 20, hiddenSize: 8, layerCount: 1, headCount: 2, intermediateSize: 16, maxPositions: 16)
        let mlm = BertForMaskedLM(config, generator: &g)
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try mlm.save(to: dir)
        let encoder = try BertModel.load(directory: dir)
        #expect(encoder.pooler == nil)
        let batch = BertBatch(ids: [2, 5, 6, 3], batchSize: 1, length: 4)
        let a = withoutGradients { mlm.bert.encode(batch, context: .evaluation()) }
        let b = withoutGradients { encoder.encode(batch, context: .evaluation()) }
        #expect(a.scalars == b.scalars)
    }
}
