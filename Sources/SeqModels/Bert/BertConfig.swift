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
