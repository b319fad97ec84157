import Foundation
import SeqNN
import SeqTensor

/// A BERT encoder with a fine-tuning head, saved and loaded as the transformers class of
/// the same name (`bert.*` + the head's tensors, `architectures` and `id2label` in
/// config.json), so a directory moves both ways between seq and transformers.
public protocol BertHeadModel: Module {
    /// transformers' class name, recorded in config.json's `architectures`.
    static var architecture: String { get }
    /// Whether the head reads the pooled [CLS] state (transformers builds the others with
    /// `add_pooling_layer=False`).
    static var usesPooler: Bool { get }
    var bert: BertModel { get }
    /// The encoder's config with the head's labels.
    var config: BertConfig { get }
    /// A fresh head (normal(0, initializer_range) weights, zero biases, as transformers'
    /// `_init_weights`) on `encoder`; `config.labels` names the classes.
    init(encoder: BertModel, config: BertConfig, generator: inout RandomGenerator)
    /// Class names when config.json has none (QA's two outputs); nil: `id2label` required.
    static var defaultLabels: [String]? { get }
}

/// The architectures a fine-tuning run may start from: bare encoders and pretraining
/// checkpoints (whose heads are dropped), and fine-tuned models (fine-tuned again).
public let bertStartingArchitectures = ["BertModel", "BertForMaskedLM", "BertForPreTraining", "BertForSequenceClassification",
                                        "BertForTokenClassification", "BertForQuestionAnswering"]

/// The encoder's parameters without the pooler: what every BERT checkpoint shares.
private final class EncoderBody: Module {
    let model: BertModel
    init(_ model: BertModel) { self.model = model }
    func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("embeddings", model.embeddings, body)
        for (i, layer) in model.layers.enumerated() { visit("encoder.layer.\(i)", layer, body) }
    }
}

extension BertHeadModel {
    public static var defaultLabels: [String]? { nil }

    /// Starts fine-tuning from any BERT directory (a sentence-transformers BertModel without
    /// prefix, a `seq pretrain` output, a transformers checkpoint): its encoder, its pooler
    /// when it has one and the head needs it (else a fresh one), and a fresh head for
    /// `labels`. Heads the directory holds are not used. With `pretrained: false` only the
    /// directory's config is used: the same architecture, every weight fresh (transformers'
    /// initialisation, seeded).
    public static func startingFrom(directory: URL, labels: [String], seed: UInt64, pretrained: Bool = true) throws -> Self {
        try ModelDirectory.require(directory, oneOf: bertStartingArchitectures, for: "fine-tuning")
        var config = try BertConfig.load(directory: directory)
        config.architectures = [architecture]
        config.labels = labels
        var generator = RandomGenerator(seed: seed)
        let model = withoutGradients { () -> Self in
            let encoder = BertModel(config, pooler: usesPooler, generator: &generator)
            return Self(encoder: encoder, config: config, generator: &generator)
        }
        if !pretrained { return model }
        let weights = directory.appendingPathComponent("model.safetensors")
        let archive = try Safetensors.read(weights)
        try EncoderBody(model.bert).load(from: archive, prefixes: ["bert.", ""], file: weights.path)
        if let pooler = model.bert.pooler, ["bert.pooler.dense.weight", "pooler.dense.weight"].contains(where: { archive[$0] != nil }) {
            try pooler.load(from: archive, prefixes: ["bert.pooler.dense.", "pooler.dense."], file: weights.path)
        }
        return model
    }

    /// Loads a directory this head was saved to (by seq or transformers); another
    /// architecture is refused in one sentence.
    public static func load(directory: URL, for purpose: String) throws -> Self {
        let kind = try ModelKind.read(directory)
        guard kind.architectures.contains(architecture) else {
            throw CheckpointError("\(directory.path) holds a \(kind.name) model, but \(purpose) needs a \(architecture) (fine-tune one with seq finetune)")
        }
        var config = try BertConfig.load(directory: directory)
        if config.labels == nil { config.labels = defaultLabels }
        guard let count = config.labels?.count, (1..<100_000).contains(count) else {
            throw CheckpointError("\(directory.appendingPathComponent("config.json").path): no id2label; expected the class names of the head")
        }
        let weights = directory.appendingPathComponent("model.safetensors")
        let archive = try Safetensors.read(weights)
        var generator = RandomGenerator(seed: 0)
        let model = WeightInitialization.skipped {
            withoutGradients { () -> Self in
                Self(encoder: BertModel(config, pooler: usesPooler, generator: &generator), config: config, generator: &generator)
            }
        }
        try model.load(from: archive, file: weights.path)
        return model
    }

    /// config.json (with `architectures` and `id2label`/`label2id`) and model.safetensors.
    public func save(to directory: URL) throws {
        try ModelDirectory.save(self, config: config, architecture: Self.architecture, to: directory)
    }

    /// Class names in index order.
    public var labels: [String] { config.labels ?? [] }
}
