import SeqCore
import SeqNN

/// BERT's hyper-parameters under Hugging Face's config.json keys, so a model directory
/// moves both ways between seq and transformers.
public struct BertConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    /// "gelu" (erf form, transformers' default), "gelu_new" / "gelu_pytorch_tanh" (tanh
    /// form) or "relu".
    public var hiddenActivation: String
    public var hiddenDropout: Float
    public var attentionDropout: Float
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var initializerRange: Float
    public var layerNormEpsilon: Float
    public var padTokenID: Int
    public var modelType: String
    public var architectures: [String]?
    /// A fine-tuned head's class names by index, as transformers writes them
    /// (`{"0": "negative", …}`); nil for models without classification labels.
    public var id2label: [String: String]?
    /// The inverse map, written beside `id2label` as transformers does.
    public var label2id: [String: Int]?

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case hiddenActivation = "hidden_act"
        case hiddenDropout = "hidden_dropout_prob"
        case attentionDropout = "attention_probs_dropout_prob"
        case maxPositions = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size"
        case initializerRange = "initializer_range"
        case layerNormEpsilon = "layer_norm_eps"
        case padTokenID = "pad_token_id"
        case modelType = "model_type"
        case architectures
        case id2label
        case label2id
        case numLabels = "num_labels"
    }

    public init(vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                hiddenActivation: String = "gelu", hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1,
                maxPositions: Int = 512, typeVocabSize: Int = 2, initializerRange: Float = 0.02,
                layerNormEpsilon: Float = 1e-12, padTokenID: Int = 0, architectures: [String]? = nil) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.initializerRange = initializerRange
        self.layerNormEpsilon = layerNormEpsilon
        self.padTokenID = padTokenID
        self.modelType = "bert"
        self.architectures = architectures
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        layerCount = try c.decode(Int.self, forKey: .layerCount)
        headCount = try c.decode(Int.self, forKey: .headCount)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? "gelu"
        hiddenDropout = try c.decodeIfPresent(Float.self, forKey: .hiddenDropout) ?? 0.1
        attentionDropout = try c.decodeIfPresent(Float.self, forKey: .attentionDropout) ?? 0.1
        maxPositions = try c.decodeIfPresent(Int.self, forKey: .maxPositions) ?? 512
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        initializerRange = try c.decodeIfPresent(Float.self, forKey: .initializerRange) ?? 0.02
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-12
        padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID) ?? 0
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        id2label = try c.decodeIfPresent([String: String].self, forKey: .id2label)
        label2id = try c.decodeIfPresent([String: Int].self, forKey: .label2id)
        // transformers accepts `num_labels` alone and names the classes LABEL_i.
        if id2label == nil, let n = try c.decodeIfPresent(Int.self, forKey: .numLabels), (1...100_000).contains(n) {
            labels = (0..<n).map { "LABEL_\($0)" }
        }
    }

    /// Encodes every key but `num_labels`, which transformers derives from `id2label`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(layerCount, forKey: .layerCount)
        try c.encode(headCount, forKey: .headCount)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(hiddenActivation, forKey: .hiddenActivation)
        try c.encode(hiddenDropout, forKey: .hiddenDropout)
        try c.encode(attentionDropout, forKey: .attentionDropout)
        try c.encode(maxPositions, forKey: .maxPositions)
        try c.encode(typeVocabSize, forKey: .typeVocabSize)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode(padTokenID, forKey: .padTokenID)
        try c.encode(modelType, forKey: .modelType)
        try c.encodeIfPresent(architectures, forKey: .architectures)
        try c.encodeIfPresent(id2label, forKey: .id2label)
        try c.encodeIfPresent(label2id, forKey: .label2id)
    }

    /// Class names in index order (from `id2label`); setting them writes both maps.
    public var labels: [String]? {
        get {
            guard let id2label else { return nil }
            let pairs = id2label.compactMap { k, v in Int(k).map { ($0, v) } }
            guard pairs.count == id2label.count, Set(pairs.map(\.0)) == Set(0..<pairs.count) else { return nil }
            return pairs.sorted { $0.0 < $1.0 }.map(\.1)
        }
        set {
            id2label = newValue.map { Dictionary(uniqueKeysWithValues: $0.enumerated().map { (String($0.offset), $0.element) }) }
            label2id = newValue.map { Dictionary($0.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a }) }
        }
    }

    /// Checks the values a model cannot be built from; the message names the key.
    public func validate() throws(BertConfigError) {
        func need(_ ok: Bool, _ message: String) throws(BertConfigError) { if !ok { throw BertConfigError(message: message) } }
        try need(vocabSize > 0, "vocab_size must be positive")
        try need(hiddenSize > 0 && layerCount >= 0 && headCount > 0, "hidden_size, num_hidden_layers, num_attention_heads must be positive")
        try need(hiddenSize % headCount == 0, "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(headCount)")
        try need(intermediateSize > 0, "intermediate_size must be positive")
        try need(maxPositions > 0 && typeVocabSize > 0, "max_position_embeddings and type_vocab_size must be positive")
        try need(FeedForward.Activation(huggingFace: hiddenActivation) != nil,
                 "hidden_act '\(hiddenActivation)' is not one of gelu, gelu_new, gelu_pytorch_tanh, relu")
        try need((0..<1).contains(hiddenDropout) && (0..<1).contains(attentionDropout), "dropout probabilities must be in [0, 1)")
        try need(layerNormEpsilon > 0, "layer_norm_eps must be positive")
        try need(padTokenID >= 0 && padTokenID < vocabSize, "pad_token_id \(padTokenID) is not an id of the vocabulary (0..<\(vocabSize))")
        try requireWeightsFit()
        if let id2label {
            try need(labels != nil, "id2label must map the indices 0..<\(id2label.count) to names")
        }
    }

    /// 2 layers × 128, 2 heads, ffn 512.
    public static func tiny(vocabSize: Int) -> BertConfig {
        BertConfig(vocabSize: vocabSize, hiddenSize: 128, layerCount: 2, headCount: 2, intermediateSize: 512)
    }
    /// 4 layers × 256, 4 heads, ffn 1024.
    public static func small(vocabSize: Int) -> BertConfig {
        BertConfig(vocabSize: vocabSize, hiddenSize: 256, layerCount: 4, headCount: 4, intermediateSize: 1024)
    }
    /// 6 layers × 384, 12 heads, ffn 1536 (MiniLM-L6's shape).
    public static func base(vocabSize: Int) -> BertConfig {
        BertConfig(vocabSize: vocabSize, hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536)
    }
}

public struct BertConfigError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
