/// normalizer → pre-tokenizer → model → post-processor, with added tokens matched first,
/// offsets kept in Unicode scalars of the input, and a decoder back to text.
public final class Tokenizer: Sendable {
    public let normalizer: Normalizer?
    public let preTokenizer: PreTokenizer?
    public let model: Model
    public let postProcessor: PostProcessor?
    public let decoder: Decoder?
    public let addedTokens: [AddedToken]
    public let truncation: Truncation?
    public let padding: Padding?

    let matcher: AddedTokenMatcher
    /// Normalizer and pre-tokenizer compiled per scalar, when both allow it.
    let charMap: CharMap?
    /// ASCII byte → mapped byte (bits 0-7), class (bits 8-9), dropped (bit 10), expands (bit 11).
    let asciiTable: [UInt16]
    let asciiFast: Bool
    let byteLevel: Bool
    /// ByteLevel pre-tokenizer's `add_prefix_space`.
    let prefixSpace: Bool
    /// Per id: leading and trailing space bytes of the token (for offset trimming); empty when off.
    let tokenSpaces: [UInt16]
    let vocabulary: Vocabulary
    let specialIds: Set<Int32>

    public init(normalizer: Normalizer?, preTokenizer: PreTokenizer?, model: Model,
                postProcessor: PostProcessor?, decoder: Decoder? = nil, addedTokens: [AddedToken] = [],
                truncation: Truncation? = nil, padding: Padding? = nil) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedTokens = addedTokens
        self.truncation = truncation
        self.padding = padding
        matcher = AddedTokenMatcher(addedTokens)
        var vocab = model.vocabulary
        for t in addedTokens where vocab.token(t.id) == nil || vocab.id(t.content) == nil {
            if Int(t.id) >= vocab.count { vocab.add(t.content) }
        }
        vocabulary = vocab
        specialIds = Set(addedTokens.filter(\.special).map(\.id))
        if case .byteLevel(let add, _) = preTokenizer { byteLevel = true; prefixSpace = add } else { byteLevel = false; prefixSpace = false }
        if postProcessor?.trimOffsets == true {
            tokenSpaces = vocab.tokens.map { t in
                let b = ByteLevel.bytes(ofToken: t) ?? Array(t.utf8)
                let lead = b.prefix(while: { $0 == 0x20 }).count
                let trail = lead == b.count ? lead : b.reversed().prefix(while: { $0 == 0x20 }).count
                return UInt16(min(lead, 255)) << 8 | UInt16(min(trail, 255))
            }
        } else {
            tokenSpaces = []
        }

        let perScalar = normalizer?.isPerScalar ?? true
        let classifier: (@Sendable (UInt32) -> CharClass)?
        if let preTokenizer { classifier = preTokenizer.classifier } else { classifier = { @Sendable _ in CharClass.word } }
        if perScalar, let classifier {
            let map = CharMap.shared(normalizer: normalizer, preTokenizer: preTokenizer, classify: classifier)
            charMap = map
            var table = [UInt16](repeating: 0, count: 128)
            var fast = true
            for b in 0..<128 {
                var dropped = false, expands = false
                var out: UInt32 = 0, cls = CharClass.word, n = 0
                map.forEach(UInt32(b)) { c, k in n += 1; out = c; cls = k }
                if n == 0 { dropped = true } else if n > 1 || out >= 0x80 { expands = true; fast = false }
                table[b] = UInt16(out & 0xFF) | UInt16(cls.rawValue) << 8 | (dropped ? 0x400 : 0) | (expands ? 0x800 : 0)
            }
            asciiTable = table
            asciiFast = fast
        } else {
            charMap = nil
            asciiTable = []
            asciiFast = false
        }
    }

    /// The same pipeline with other truncation and padding (nil: off).
    public func with(truncation: Truncation?, padding: Padding?) -> Tokenizer {
        Tokenizer(normalizer: normalizer, preTokenizer: preTokenizer, model: model, postProcessor: postProcessor,
                  decoder: decoder, addedTokens: addedTokens, truncation: truncation, padding: padding)
    }

    /// Id of a token string (vocabulary or added token).
    public func id(of token: String) -> Int32? {
        addedTokens.first(where: { $0.content == token })?.id ?? vocabulary.id(token)
    }

    /// Token string of an id.
    public func token(of id: Int32) -> String? {
        addedTokens.first(where: { $0.id == id })?.content ?? vocabulary.token(id)
    }

    public var vocabularySize: Int { vocabulary.count }

    /// The largest id this tokenizer can produce: of the vocabulary, the added tokens and
    /// the post-processor's special tokens (nil for an empty vocabulary). A model needs an
    /// embedding row for each.
    public var largestId: Int32? {
        var ids = addedTokens.map(\.id)
        if vocabulary.count > 0 { ids.append(Int32(vocabulary.count - 1)) }
        if let p = postProcessor { ids += p.specialTokens.values.flatMap { $0.ids } }
        return ids.max()
    }

    /// A reusable encoder (scratch buffers) for one thread.
    public func makeLineEncoder() -> LineEncoder { LineEncoder(self) }

    /// Encodes one text (or a pair), with truncation and padding as configured.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) -> Encoding {
        let enc = makeLineEncoder()
        var a = enc.encoding(of: Array(text.utf8))
        var b = pair.map { enc.encoding(of: Array($0.utf8)) }
        var overflow = [(Encoding, Encoding?)]()
        if let t = truncation {
            let added = addSpecialTokens ? (postProcessor?.addedCount(pair: b != nil) ?? 0) : 0
            overflow = Self.truncate(&a, &b, maxLength: max(0, t.maxLength - added), strategy: t.strategy, stride: t.stride)
        }
        var out = finish(a, b, addSpecialTokens)
        out.overflowing = overflow.map { finish($0.0, $0.1, addSpecialTokens) }
        if let p = padding, let length = p.length { Self.pad(&out, to: length, p) }
        return out
    }

    /// Encodes many texts; pads to the longest when padding has no fixed length.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true) -> [Encoding] {
        var out = texts.map { encode($0, addSpecialTokens: addSpecialTokens) }
        if let p = padding, p.length == nil {
            var longest = out.map(\.count).max() ?? 0
            if let m = p.padToMultipleOf, m > 0, longest % m != 0 { longest += m - longest % m }
            for i in out.indices { Self.pad(&out[i], to: longest, p) }
        }
        return out
    }

    func finish(_ a: Encoding, _ b: Encoding?, _ addSpecial: Bool) -> Encoding {
        if addSpecial, let pp = postProcessor { return pp.apply(a, b) }
        var out = a
        out.sequenceIds = Array(repeating: 0, count: a.count)
        if let b {
            for i in 0..<b.count {
                out.append(id: b.ids[i], token: b.tokens[i], typeId: 1, offset: b.offsets[i],
                           special: b.specialTokensMask[i] != 0, sequence: 1)
            }
        }
        return out
    }

    /// Truncates `a` (and `b`) to `maxLength` tokens in all; returns the overflowing windows
    /// of the truncated sequence (each `stride` tokens overlapping the previous window).
    static func truncate(_ a: inout Encoding, _ b: inout Encoding?, maxLength: Int, strategy: Truncation.Strategy,
                         stride: Int) -> [(Encoding, Encoding?)] {
        let total = a.count + (b?.count ?? 0)
        guard total > maxLength else { return [] }
        func windows(_ e: Encoding, _ keep: Int) -> (Encoding, [Encoding]) {
            guard keep > 0 else { return (e.slice(0..<0), []) }
            let step = max(1, keep - min(stride, keep - 1))
            var parts = [Encoding]()
            var start = 0
            while start < e.count {
                parts.append(e.slice(start..<min(e.count, start + keep)))
                if start + keep >= e.count { break }
                start += step
            }
            return (parts[0], Array(parts.dropFirst()))
        }
        switch strategy {
        case .onlyFirst:
            let keep = maxLength - (b?.count ?? 0)
            guard keep > 0 else { return [] }
            let (w, rest) = windows(a, keep); a = w; return rest.map { ($0, b) }
        case .onlySecond:
            guard let bb = b else { return [] }
            let keep = maxLength - a.count
            guard keep > 0 else { return [] }
            let (w, rest) = windows(bb, keep); b = w
            return rest.map { (a, $0) }   // extractive QA: question A with each window of context B
        case .longestFirst:
            var la = a.count, lb = b?.count ?? 0
            while la + lb > maxLength { if la >= lb { la -= 1 } else { lb -= 1 } }
            let (wa, rest) = windows(a, la)
            a = wa
            if let bb = b { b = bb.slice(0..<lb) }
            return rest.map { ($0, b) }
        }
    }

    static func pad(_ e: inout Encoding, to length: Int, _ p: Padding) {
        var target = length
        if let m = p.padToMultipleOf, m > 0, target % m != 0 { target += m - target % m }
        let n = target - e.count
        guard n > 0 else { return }
        let ids = [Int32](repeating: p.padId, count: n)
        let zeros = [Int32](repeating: 0, count: n)
        if p.left {
            e.ids = ids + e.ids; e.tokens = Array(repeating: p.padToken, count: n) + e.tokens
            e.typeIds = Array(repeating: p.padTypeId, count: n) + e.typeIds
            e.offsets = Array(repeating: .init(0, 0), count: n) + e.offsets
            e.specialTokensMask = Array(repeating: 1, count: n) + e.specialTokensMask
            e.attentionMask = zeros + e.attentionMask
            e.sequenceIds = Array(repeating: nil, count: n) + e.sequenceIds
        } else {
            e.ids += ids; e.tokens += Array(repeating: p.padToken, count: n)
            e.typeIds += Array(repeating: p.padTypeId, count: n)
            e.offsets += Array(repeating: .init(0, 0), count: n)
            e.specialTokensMask += Array(repeating: 1, count: n)
            e.attentionMask += zeros
            e.sequenceIds += Array(repeating: nil, count: n)
        }
    }

    /// Ids back to text through the decoder (special tokens skipped by default).
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = true) -> String {
        let tokens = ids.compactMap { id -> String? in
            if skipSpecialTokens && specialIds.contains(id) { return nil }
            return token(of: id)
        }
        return (decoder ?? .wordPiece(prefix: "##", cleanup: true)).decode(tokens)
    }
}
