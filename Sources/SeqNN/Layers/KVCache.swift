import SeqTensor

// Legend: B batch (hypotheses), L the cache's maximum length, T positions filled so far,
// t positions appended by one step, C model width.

/// Keys and values of the positions decoded so far, for one self-attention layer, with a
/// key-padding flag per (row, position). Decoding one token at a time then costs O(T) per
/// step instead of recomputing the prefix.
///
/// Storage is preallocated [B, L, C] for keys and for values, and a step writes its t
/// positions in place: no concatenation (a copy of the whole prefix) per step. Attention
/// reads the first T positions straight from these buffers: `Tensor.multiHeadAttention`
/// takes `keyLength: T` and steps from one row to the next by L·C, so no view or copy of
/// the filled part is made either. (A [B, T, C] view would need strided tensors, which the
/// engine leaves out on purpose; copying the prefix each step would be the concatenation
/// again.)
///
/// The cache owns its padding flags so that `reorder(_:)` moves keys, values and flags
/// together. It holds inference-time values: decode under `withoutGradients`. (If a tape
/// still holds a buffer, the next append copies it first: correct, only slower.)
public final class KVCache {
    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        /// Appending `appending` positions to `length` would pass `maxLength`.
        case full(maxLength: Int, length: Int, appending: Int)

        public var description: String {
            switch self {
            case let .full(maxLength, length, appending):
                "KV cache is full: \(length) positions cached, \(appending) more would pass its maximum length \(maxLength)"
            }
        }
    }

    /// Positions the buffers hold (L).
    public let maxLength: Int
    /// Positions filled so far (T).
    public private(set) var length = 0
    /// [B, L, C]; only the first `length` positions of each row are meaningful. Nil until
    /// the first append.
    public private(set) var keys: Tensor?
    public private(set) var values: Tensor?
    /// [B·L]: non-zero where the cached position is a real token (positions ≥ `length`
    /// are 1 and never read).
    public private(set) var keyValid: [UInt8] = []
    /// Whether any cached position is padding (attention then needs the flags at all).
    private var hasPadding = false

    public init(maxLength: Int) {
        precondition(maxLength > 0, "a KV cache needs a positive maximum length, got \(maxLength)")
        self.maxLength = maxLength
    }

    /// Rows (hypotheses) in the cache; 0 before the first append.
    public var batchSize: Int { keys?.shape[0] ?? 0 }

    /// The flags attention needs: nil while every cached position is real.
    var paddingFlags: [UInt8]? { hasPadding ? keyValid : nil }

    /// Writes one step's keys and values [B, t, C] after the cached positions, with their
    /// flags `keyValid` [B·t] (nil: all real). Throws `Error.full` instead of writing past
    /// `maxLength`.
    public func append(keys k: Tensor, values v: Tensor, keyValid valid: [UInt8]? = nil) throws(Error) {
        precondition(k.rank == 3 && v.shape == k.shape, "KV cache appends [B, t, C] keys and values, got \(k.shape) / \(v.shape)")
        precondition(!k.requiresGrad && !v.requiresGrad, "a KV cache holds inference-time values: decode under withoutGradients")
        let B = k.shape[0], t = k.shape[1], C = k.shape[2], L = maxLength
        if let valid { precondition(valid.count == B * t, "keyValid needs \(B * t) flags, got \(valid.count)") }
        guard length + t <= L else { throw .full(maxLength: L, length: length, appending: t) }
        if keys == nil {
            keys = Tensor(uninitialized: [B, L, C])
            values = Tensor(uninitialized: [B, L, C])
            keyValid = [UInt8](repeating: 1, count: B * L)
        }
        precondition(keys!.shape == [B, L, C], "KV cache holds [\(batchSize), \(L), \(keys!.shape[2])], cannot append \(k.shape)")
        let T = length
        func write(_ source: Tensor, into buffer: inout Tensor?) {
            source.withUnsafeBufferPointer { src in
                buffer!.withUnsafeMutableBufferPointer { dst in
                    for b in 0..<B {
                        (dst.baseAddress! + (b * L + T) * C).update(from: src.baseAddress! + b * t * C, count: t * C)
                    }
                }
            }
        }
        write(k, into: &keys)
        write(v, into: &values)
        if let valid {
            for b in 0..<B { for j in 0..<t { keyValid[b * L + T + j] = valid[b * t + j] } }
            hasPadding = hasPadding || valid.contains(0)
        }
        length = T + t
    }

    /// Keeps the rows `beams` (indices into the current batch, repeats allowed, possibly
    /// fewer rows: finished hypotheses leave), moving keys, values and padding flags
    /// together. Copies only the filled positions.
    public func reorder(_ beams: [Int32]) {
        guard let keys, let values else { return }
        let B = keys.shape[0], L = maxLength, C = keys.shape[2], T = length, n = beams.count
        for r in beams { precondition(r >= 0 && Int(r) < B, "beam index \(r) out of range 0..<\(B)") }
        func gather(_ source: Tensor) -> Tensor {
            var out = Tensor(uninitialized: [n, L, C])
            source.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for (i, r) in beams.enumerated() {
                        (dst.baseAddress! + i * L * C).update(from: src.baseAddress! + Int(r) * L * C, count: T * C)
                    }
                }
            }
            return out
        }
        self.keys = gather(keys)
        self.values = gather(values)
        var flags = [UInt8](repeating: 1, count: n * L)
        for (i, r) in beams.enumerated() { for j in 0..<T { flags[i * L + j] = keyValid[Int(r) * L + j] } }
        keyValid = flags
        hasPadding = flags.contains(0)
    }
}

/// The encoder memory's keys and values [B, S, C] for one cross-attention layer, projected
/// once (on the first decoding step) and reused at every step, with the memory's padding
/// flags [B·S] so that `reorder(_:)` keeps all three aligned.
public final class CrossAttentionCache {
    public private(set) var keys: Tensor?
    public private(set) var values: Tensor?
    public private(set) var keyValid: [UInt8]?

    public init() {}

    public var isFilled: Bool { keys != nil }

    func fill(keys k: Tensor, values v: Tensor, keyValid valid: [UInt8]?) {
        keys = k.detached()
        values = v.detached()
        keyValid = valid
    }

    /// Keeps the rows `beams` (repeats allowed, possibly fewer rows).
    public func reorder(_ beams: [Int32]) {
        guard let keys, let values else { return }
        let B = keys.shape[0], S = keys.shape[1]
        self.keys = withoutGradients { keys.indexSelect(beams) }
        self.values = withoutGradients { values.indexSelect(beams) }
        if let keyValid {
            precondition(keyValid.count == B * S, "memory flags out of step with the cached memory")
            self.keyValid = beams.flatMap { keyValid[(Int($0) * S)..<(Int($0) * S + S)] }
        }
    }
}
