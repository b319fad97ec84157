import SeqNN

/// How a translator's decoder produces the target: one token at a time (autoregressive,
/// this model) or in parallel passes (the non-autoregressive models, which reuse the
/// encoder, the layers, the vocabularies and the model directory). `seq translate` reads
/// it from config.json and picks its decoding loop from it.
public enum DecoderKind: String, Codable, Sendable, CaseIterable {
    case autoregressive
    case natVanilla = "nat-vanilla"
    case natCMLM = "nat-cmlm"
    case natCTC = "nat-ctc"
}

/// The encoder-decoder Transformer's hyper-parameters under fairseq / transformers' Marian
/// keys (`d_model`, `encoder_layers`, …), plus the special ids and the decoder kind.
public struct TranslatorConfig: ModelConfig, Equatable {
    public var vocabSize: Int
    /// The target vocabulary's size when it is separate (nil: one joint vocabulary).
    public var targetVocabSize: Int?
    public var width: Int
    public var encoderLayers: Int
    public var decoderLayers: Int
    public var heads: Int
    public var feedForward: Int
    public var dropout: Float
    public var activation: String
    public var maxPositions: Int
    /// Pre-LN (layer norm before each sublayer, a final norm on each stack) or post-LN.
    public var normalizeBefore: Bool
    /// One embedding matrix for source and target (needs a joint vocabulary).
    public var shareEmbeddings: Bool
    /// The output projection is the target embedding matrix.
    public var tieOutput: Bool
    /// Embeddings × √width before the positions are added.
    public var scaleEmbedding: Bool
    public var padID: Int
    public var bosID: Int
    public var eosID: Int
    public var unkID: Int
    public var decoder: DecoderKind
    /// Non-autoregressive models only (absent from an autoregressive config.json, so those
    /// load unchanged). The id standing for a masked target position (mask-predict) or the
    /// CTC blank: `<s>`, which a NAT decoder never reads nor writes, so the vocabulary and
    /// the embedding shapes stay those of the autoregressive model (`--init` copies them).
    public var maskID: Int?
    public var blankID: Int?
    /// The length predictor's classes are 0...maxTargetLength (vanilla NAT, mask-predict).
    public var maxTargetLength: Int?
    /// CTC: decoder positions per source position (×2 or ×3).
    public var upsample: Int?
    public var modelType: String
    public var architectures: [String]?

    public static let modelTypeName = "seq-translator"
    public static let architecture = "TransformerForTranslation"

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case targetVocabSize = "target_vocab_size"
        case width = "d_model"
        case encoderLayers = "encoder_layers"
        case decoderLayers = "decoder_layers"
        case heads = "attention_heads"
        case feedForward = "ffn_dim"
        case dropout
        case activation = "activation_function"
        case maxPositions = "max_position_embeddings"
        case normalizeBefore = "normalize_before"
        case shareEmbeddings = "share_embeddings"
        case tieOutput = "tie_word_embeddings"
        case scaleEmbedding = "scale_embedding"
        case padID = "pad_token_id"
        case bosID = "bos_token_id"
        case eosID = "eos_token_id"
        case unkID = "unk_token_id"
        case decoder
        case maskID = "mask_token_id"
        case blankID = "blank_token_id"
        case maxTargetLength = "max_target_length"
        case upsample = "upsample_ratio"
        case modelType = "model_type"
        case architectures
    }

    public init(vocabSize: Int, targetVocabSize: Int? = nil, width: Int, encoderLayers: Int, decoderLayers: Int, heads: Int,
                feedForward: Int, dropout: Float = 0.1, activation: String = "relu", maxPositions: Int = 1024,
                normalizeBefore: Bool = true, shareEmbeddings: Bool = true, tieOutput: Bool = true, scaleEmbedding: Bool = true,
                decoder: DecoderKind = .autoregressive) {
        self.vocabSize = vocabSize
        self.targetVocabSize = targetVocabSize
        self.width = width
        self.encoderLayers = encoderLayers
        self.decoderLayers = decoderLayers
        self.heads = heads
        self.feedForward = feedForward
        self.dropout = dropout
        self.activation = activation
        self.maxPositions = maxPositions
        self.normalizeBefore = normalizeBefore
        self.shareEmbeddings = shareEmbeddings
        self.tieOutput = tieOutput
        self.scaleEmbedding = scaleEmbedding
        (padID, bosID, eosID, unkID) = (0, 1, 2, 3)
        self.decoder = decoder
        modelType = Self.modelTypeName
        architectures = nil
    }

    /// This configuration as a non-autoregressive decoder of `kind`: the special ids and the
    /// length classes or upsampling it needs (the autoregressive kind clears them).
    public func withDecoder(_ kind: DecoderKind, maxTargetLength: Int = 255, upsample: Int = 2) -> TranslatorConfig {
        var c = self
        c.decoder = kind
        c.maskID = kind == .natCMLM ? bosID : nil
        c.blankID = kind == .natCTC ? bosID : nil
        c.maxTargetLength = kind == .natCMLM || kind == .natVanilla ? maxTargetLength : nil
        c.upsample = kind == .natCTC ? upsample : nil
        return c
    }

    /// Whether the decoder has a length predictor (vanilla NAT and mask-predict).
    public var predictsLength: Bool { decoder == .natVanilla || decoder == .natCMLM }

    /// The target side's vocabulary size (the joint one unless separate).
    public var targetVocabularySize: Int { targetVocabSize ?? vocabSize }

    public var norm: NormPlacement { normalizeBefore ? .pre : .post }

    public func problem() -> String? {
        if modelType != Self.modelTypeName { return "model_type is '\(modelType)', expected '\(Self.modelTypeName)' (a translation model)" }
        if vocabSize < 5 || targetVocabularySize < 5 { return "vocab_size and target_vocab_size must be at least 5" }
        if width < 2 || width % 2 != 0 { return "d_model must be an even number of at least 2, got \(width)" }
        if encoderLayers < 1 || decoderLayers < 1 { return "encoder_layers and decoder_layers must be at least 1" }
        if heads < 1 || width % heads != 0 { return "d_model \(width) is not divisible by attention_heads \(heads)" }
        if feedForward < 1 { return "ffn_dim must be positive" }
        if !(0..<1).contains(dropout) { return "dropout must be in [0, 1), got \(dropout)" }
        if FeedForward.Activation(huggingFace: activation) == nil { return "activation_function '\(activation)' is not one of relu, gelu, gelu_new" }
        if maxPositions < 8 { return "max_position_embeddings must be at least 8" }
        if shareEmbeddings && targetVocabSize != nil && targetVocabSize != vocabSize {
            return "share_embeddings needs one joint vocabulary, but target_vocab_size \(targetVocabSize!) differs from vocab_size \(vocabSize)"
        }
        for id in [padID, bosID, eosID, unkID] where id < 0 || id >= min(vocabSize, targetVocabularySize) {
            return "special token id \(id) is outside the vocabulary"
        }
        switch decoder {
        case .autoregressive: break
        case .natCMLM:
            guard let maskID, maskID > 0, maskID < targetVocabularySize else { return "a nat-cmlm model needs mask_token_id inside the target vocabulary" }
        case .natCTC:
            guard let blankID, blankID > 0, blankID < targetVocabularySize else { return "a nat-ctc model needs blank_token_id inside the target vocabulary" }
            guard let upsample, (1...8).contains(upsample) else { return "upsample_ratio must be in 1...8" }
        case .natVanilla: break
        }
        if predictsLength {
            guard let maxTargetLength, (1...4096).contains(maxTargetLength) else { return "max_target_length must be in 1...4096 for a \(decoder.rawValue) model" }
        }
        return nil
    }
}

/// Named sizes; each dimension can still be overridden by a flag.
public enum TranslatorPreset: String, Codable, Sendable, CaseIterable {
    /// 2 + 2 layers × 128, 4 heads, FFN 512: the bundled corpus in minutes.
    case tiny
    /// 3 + 3 layers × 192, 4 heads, FFN 768.
    case small
    /// The PyTorch reference's shape: 3 + 3 layers × 256, 4 heads, FFN 1024 (7.6 M with an
    /// 8000-entry joint vocabulary).
    case base
    /// Deep encoder, shallow decoder (Kasai et al. 2021): 6 + 1 layers × 256, 4 heads, FFN 1024.
    case deepShallow = "deep-shallow"
    /// 6 + 6 layers × 512, 8 heads, FFN 2048 (Transformer-base).
    case big

    public func config(vocabSize: Int, targetVocabSize: Int? = nil) -> TranslatorConfig {
        let (w, e, d, h, f): (Int, Int, Int, Int, Int) = switch self {
        case .tiny: (128, 2, 2, 4, 512)
        case .small: (192, 3, 3, 4, 768)
        case .base: (256, 3, 3, 4, 1024)
        case .deepShallow: (256, 6, 1, 4, 1024)
        case .big: (512, 6, 6, 8, 2048)
        }
        return TranslatorConfig(vocabSize: vocabSize, targetVocabSize: targetVocabSize, width: w, encoderLayers: e, decoderLayers: d,
                                heads: h, feedForward: f, shareEmbeddings: targetVocabSize == nil)
    }
}
