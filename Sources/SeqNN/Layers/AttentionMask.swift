import SeqTensor

/// What a query may attend to: key padding (per sequence), plus the pattern (causal,
/// windowed). Applied inside the fused attention kernel, never materialised as a
/// [B, H, Tq, Tk] bias.
public struct AttentionMask: Sendable, Equatable {
    /// [B·Tk], non-zero for real keys; nil when every key is real.
    public var keyValid: [UInt8]?
    public var pattern: AttentionPattern

    public init(keyValid: [UInt8]? = nil, pattern: AttentionPattern = AttentionPattern()) {
        self.keyValid = keyValid
        self.pattern = pattern
    }

    /// Padding: `valid[b][t]` says whether key t of sequence b is a real token.
    public static func keyPadding(_ valid: [[Bool]]) -> AttentionMask {
        AttentionMask(keyValid: valid.flatMap { $0.map { $0 ? UInt8(1) : 0 } })
    }

    public static let causal = AttentionMask(pattern: AttentionPattern(causal: true))

    /// The same pattern with key padding `valid` [B·Tk] (non-zero = real key), e.g. a
    /// padded target under the causal mask: `.causal.addingKeyPadding(valid)`.
    public func addingKeyPadding(_ valid: [UInt8]) -> AttentionMask {
        precondition(keyValid == nil || keyValid!.count == valid.count, "key padding of \(valid.count) flags for a mask of \(keyValid!.count)")
        let merged = keyValid.map { zip($0, valid).map { $0 != 0 && $1 != 0 ? UInt8(1) : 0 } } ?? valid
        return AttentionMask(keyValid: merged, pattern: pattern)
    }

    /// Truncated attention to ±`window` positions (optionally causal).
    public static func window(_ w: Int, causal: Bool = false) -> AttentionMask {
        AttentionMask(pattern: AttentionPattern(causal: causal, window: w))
    }
}
