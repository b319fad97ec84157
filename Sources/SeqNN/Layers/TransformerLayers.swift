import SeqTensor

/// Where layer norm sits: after each residual add (post-LN: BERT, the original
/// Transformer) or before each sublayer (pre-LN: stabler for deep or fast-warmup training).
public enum NormPlacement: String, Sendable, Codable {
    case pre, post
}

/// The position-wise feed-forward block: dense → activation → dropout → dense.
public final class FeedForward: Module {
    public enum Activation: String, Sendable, Codable {
        case relu, gelu, geluTanh = "gelu_tanh"

        /// transformers' `hidden_act` names: "gelu" is the erf form, "gelu_new" and
        /// "gelu_pytorch_tanh" the tanh form.
        public init?(huggingFace name: String) {
            switch name {
            case "gelu": self = .gelu
            case "gelu_new", "gelu_pytorch_tanh": self = .geluTanh
            case "relu": self = .relu
            default: return nil
            }
        }

        public func callAsFunction(_ x: Tensor) -> Tensor {
            switch self {
            case .relu: x.relu()
            case .gelu: x.geluErf()
            case .geluTanh: x.gelu()
            }
        }
    }
    public let up: Linear
    public let down: Linear
    public let activation: Activation
    public let dropout: Dropout

    public init(width: Int, hidden: Int, activation: Activation, dropout: Float = 0, std: Float = 0.02,
                generator: inout RandomGenerator) {
        up = Linear(inFeatures: width, outFeatures: hidden, std: std, generator: &generator)
        down = Linear(inFeatures: hidden, outFeatures: width, std: std, generator: &generator)
        self.activation = activation
        self.dropout = Dropout(dropout)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) { visit("fc1", up, body); visit("fc2", down, body) }

    public func callAsFunction(_ x: Tensor, context: ForwardContext) -> Tensor {
        down(dropout(activation(up(x)), context))
    }
}

/// An encoder layer: self-attention and feed-forward, each in a residual branch with
/// dropout, layer norm before (pre-LN) or after (post-LN) the branch. BERT's layer is this
/// one with `norm: .post`, no activation dropout and `ParameterNames.bert` (SeqModels).
public final class TransformerEncoderLayer: Module {
    /// Where each parameter lives in a checkpoint: one dotted path per child module,
    /// relative to the layer. Declared once per architecture, so a checkpoint loads under
    /// its own names with no rename table.
    public struct ParameterNames: Sendable, Equatable {
        public var query: String, key: String, value: String, attentionOutput: String
        public var attentionNorm: String
        public var feedForwardUp: String, feedForwardDown: String, feedForwardNorm: String

        public init(query: String, key: String, value: String, attentionOutput: String, attentionNorm: String,
                    feedForwardUp: String, feedForwardDown: String, feedForwardNorm: String) {
            self.query = query; self.key = key; self.value = value; self.attentionOutput = attentionOutput
            self.attentionNorm = attentionNorm
            self.feedForwardUp = feedForwardUp; self.feedForwardDown = feedForwardDown; self.feedForwardNorm = feedForwardNorm
        }

        /// fairseq-like names: `self_attn.query`, `self_attn_layer_norm`, `ffn.fc1`, `final_layer_norm`.
        public static let fairseq = ParameterNames(
            query: "self_attn.query", key: "self_attn.key", value: "self_attn.value", attentionOutput: "self_attn.output",
            attentionNorm: "self_attn_layer_norm", feedForwardUp: "ffn.fc1", feedForwardDown: "ffn.fc2",
            feedForwardNorm: "final_layer_norm")
    }

    public let attention: MultiHeadAttention
    public let attentionNorm: LayerNorm
    public let feedForward: FeedForward
    public let feedForwardNorm: LayerNorm
    public let dropout: Dropout
    public let norm: NormPlacement
    public let names: ParameterNames

    /// `dropout` is applied to each branch's output; `attentionDropout` (to the attention
    /// probabilities) and `activationDropout` (between the two dense layers of the
    /// feed-forward block) default to `dropout`. Weights are drawn normal(0, `std`), in
    /// the order query, key, value, attention output, feed-forward up, down.
    public init(width: Int, heads: Int, hidden: Int, activation: FeedForward.Activation = .relu, dropout: Float = 0.1,
                attentionDropout: Float? = nil, activationDropout: Float? = nil,
                norm: NormPlacement = .pre, epsilon: Float = 1e-5, std: Float = 0.02,
                names: ParameterNames = .fairseq, generator: inout RandomGenerator) {
        attention = MultiHeadAttention(width: width, headCount: heads, dropout: attentionDropout ?? dropout, std: std,
                                       generator: &generator)
        attentionNorm = LayerNorm(dimension: width, epsilon: epsilon)
        feedForward = FeedForward(width: width, hidden: hidden, activation: activation, dropout: activationDropout ?? dropout,
                                  std: std, generator: &generator)
        feedForwardNorm = LayerNorm(dimension: width, epsilon: epsilon)
        self.dropout = Dropout(dropout)
        self.norm = norm
        self.names = names
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit(names.query, attention.query, body); visit(names.key, attention.key, body)
        visit(names.value, attention.value, body); visit(names.attentionOutput, attention.output, body)
        visit(names.attentionNorm, attentionNorm, body)
        visit(names.feedForwardUp, feedForward.up, body); visit(names.feedForwardDown, feedForward.down, body)
        visit(names.feedForwardNorm, feedForwardNorm, body)
    }

    public func callAsFunction(_ x: Tensor, mask: AttentionMask?, context: ForwardContext) -> Tensor {
        residual(x, selfAttention: { attention($0, mask: mask, context: context) },
                 feedForward: { feedForward($0, context: context) }, dropout: { dropout($0, context) })
    }

    /// The two residual branches around `selfAttention` and `feedForward`, each followed by
    /// `dropout`, with the norms before (pre-LN) or after (post-LN): one wiring for the
    /// padded and the packed call, evaluated in the same order (so dropout draws match).
    func residual(_ x: Tensor, selfAttention: (Tensor) -> Tensor, feedForward: (Tensor) -> Tensor,
                  dropout drop: (Tensor) -> Tensor) -> Tensor {
        switch norm {
        case .pre:
            let h = x + drop(selfAttention(attentionNorm(x)))
            return h + drop(feedForward(feedForwardNorm(h)))
        case .post:
            let h = attentionNorm(x + drop(selfAttention(x)))
            return feedForwardNorm(h + drop(feedForward(h)))
        }
    }
}

extension TransformerEncoderLayer {
    /// The layer over a packed batch (`TokenPacking`): x [N, C] holds the real tokens only,
    /// so the projections, feed-forward, norms and dropout skip the padding. The same
    /// function as the padded call at every real token, dropout masks included.
    public func callAsFunction(_ x: Tensor, packing: TokenPacking, pattern: AttentionPattern = AttentionPattern(),
                               context: ForwardContext) -> Tensor {
        residual(x, selfAttention: { attention.output(attention.attend($0, packing: packing, pattern: pattern, context: context)) },
                 feedForward: { feedForward.down(feedForward.dropout(feedForward.activation(feedForward.up($0)), packing: packing, context)) },
                 dropout: { dropout($0, packing: packing, context) })
    }
}

extension TransformerEncoderLayer {
    /// The layer's output at each sequence's first token only → [B, C]: all that a
    /// classifier reading [CLS] needs from the last layer. Every token still serves as key
    /// and value; the query, output projection, norms and feed-forward run on B rows
    /// instead of B·T (or N). x is [B, T, C] with key padding `mask`, or packed [N, C] with
    /// `packing`. Inference only: in training the full layer keeps dropout's random stream
    /// as it is.
    public func firstTokens(_ x: Tensor, packing: TokenPacking?, mask: AttentionMask? = nil, batch B: Int, length T: Int,
                            context: ForwardContext) -> Tensor {
        precondition(!context.training, "firstTokens is for inference (dropout off)")
        let C = x.shape[x.rank - 1]
        let first = packing.map { x.indexSelect($0.firstRows) } ?? x.slice(axis: 1, 0..<1).reshape([B, C])
        let keysFrom = norm == .pre ? attentionNorm(x) : x
        let queriesFrom = norm == .pre ? attentionNorm(first) : first
        func spread(_ y: Tensor) -> Tensor { packing.map { y.unpacked($0) } ?? y }
        var generator = context.generator
        let attended = Tensor.multiHeadAttention(
            query: attention.query(queriesFrom).reshape([B, 1, C]), key: spread(attention.key(keysFrom)),
            value: spread(attention.value(keysFrom)), heads: attention.headCount, keyValid: packing?.keyValid ?? mask?.keyValid,
            pattern: AttentionPattern(), dropout: 0, rows: nil, generator: &generator).reshape([B, C])
        let branch = attention.output(attended)
        switch norm {
        case .pre:
            let h = first + branch
            return h + feedForward(feedForwardNorm(h), context: context)
        case .post:
            let h = attentionNorm(first + branch)
            return feedForwardNorm(h + feedForward(h, context: context))
        }
    }
}

/// A decoder layer: causal self-attention, cross-attention to the encoder's output, and
/// feed-forward; with per-layer caches for incremental decoding.
public final class TransformerDecoderLayer: Module {
    public let selfAttention: MultiHeadAttention
    public let selfAttentionNorm: LayerNorm
    public let crossAttention: MultiHeadAttention
    public let crossAttentionNorm: LayerNorm
    public let feedForward: FeedForward
    public let feedForwardNorm: LayerNorm
    public let dropout: Dropout
    public let norm: NormPlacement

    public init(width: Int, heads: Int, hidden: Int, activation: FeedForward.Activation = .relu, dropout: Float = 0.1,
                norm: NormPlacement = .pre, epsilon: Float = 1e-5, generator: inout RandomGenerator) {
        selfAttention = MultiHeadAttention(width: width, headCount: heads, dropout: dropout, generator: &generator)
        selfAttentionNorm = LayerNorm(dimension: width, epsilon: epsilon)
        crossAttention = MultiHeadAttention(width: width, headCount: heads, dropout: dropout, generator: &generator)
        crossAttentionNorm = LayerNorm(dimension: width, epsilon: epsilon)
        feedForward = FeedForward(width: width, hidden: hidden, activation: activation, dropout: dropout, generator: &generator)
        feedForwardNorm = LayerNorm(dimension: width, epsilon: epsilon)
        self.dropout = Dropout(dropout)
        self.norm = norm
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) {
        visit("self_attn", selfAttention, body); visit("self_attn_layer_norm", selfAttentionNorm, body)
        visit("encoder_attn", crossAttention, body); visit("encoder_attn_layer_norm", crossAttentionNorm, body)
        visit("ffn", feedForward, body); visit("final_layer_norm", feedForwardNorm, body)
    }

    /// Caches for one decoder layer: its own keys/values (preallocated to `maxLength`
    /// target positions) and the projected encoder memory.
    public final class Cache {
        public let selfAttention: KVCache
        public let crossAttention = CrossAttentionCache()
        public init(maxLength: Int) { selfAttention = KVCache(maxLength: maxLength) }
        /// Keeps the hypotheses `beams` (see `KVCache.reorder(_:)`).
        public func reorder(_ beams: [Int32]) { selfAttention.reorder(beams); crossAttention.reorder(beams) }
    }

    /// x [B, T, C] (all target positions in training; the new positions when decoding with
    /// `cache`), memory [B, S, C] from the encoder, `memoryMask` its padding. `selfMask` is
    /// the target's own mask: causal for autoregressive decoding (the default), with the
    /// target's key padding if any (`AttentionMask.causal.addingKeyPadding(_:)`); nil or
    /// padding only for non-autoregressive decoders (mask-predict, CTC) that see the whole
    /// target. With `cache`, `selfMask.keyValid` flags the new positions only.
    public func callAsFunction(_ x: Tensor, memory: Tensor, memoryMask: AttentionMask?,
                               selfMask: AttentionMask? = .causal, cache: Cache? = nil,
                               context: ForwardContext) -> Tensor {
        switch norm {
        case .pre:
            var h = x + dropout(selfAttention(selfAttentionNorm(x), mask: selfMask, cache: cache?.selfAttention, context: context), context)
            h = h + dropout(crossAttention(crossAttentionNorm(h), memory: memory, mask: memoryMask, cache: cache?.crossAttention,
                                           context: context), context)
            return h + dropout(feedForward(feedForwardNorm(h), context: context), context)
        case .post:
            var h = selfAttentionNorm(x + dropout(selfAttention(x, mask: selfMask, cache: cache?.selfAttention, context: context), context))
            h = crossAttentionNorm(h + dropout(crossAttention(h, memory: memory, mask: memoryMask, cache: cache?.crossAttention,
                                                              context: context), context))
            return feedForwardNorm(h + dropout(feedForward(h, context: context), context))
        }
    }
}
