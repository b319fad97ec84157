/// Text being normalized: the scalars so far and, for each, the index of the scalar of the
/// original text it came from (Hugging Face's `NormalizedString` alignments, kept per scalar:
/// a scalar inserted by a normalizer shares the origin of the scalar it came from).
public struct NormalizedText: Sendable {
    public var scalars: [UInt32]
    public var origins: [Int32]

    public init(scalars: [UInt32], origins: [Int32]) {
        self.scalars = scalars
        self.origins = origins
    }

    /// The original text itself: origins 0, 1, 2, ...
    public init(original: [UInt32], offset: Int = 0) {
        scalars = original
        origins = (0..<original.count).map { Int32($0 + offset) }
    }

    public var string: String { UTF8Decoding.string(scalars) }
}

/// Options of BERT's normalizer (`BertNormalizer` in tokenizer.json).
public struct BertNormalizerOptions: Sendable, Equatable {
    public var cleanText = true
    public var handleChineseChars = true
    /// nil: follow `lowercase`, as BERT does.
    public var stripAccents: Bool? = nil
    public var lowercase = true

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }
}

/// A normalizer stage, as tokenizer.json describes them; `.sequence` composes a pipeline.
/// Not `indirect` (the sequence case recurses through an array already): an indirect enum's
/// boxes are referenced by pointers whose spare bits carry the case, which LeakSanitizer
/// does not recognise, so a stage held by a global cache was reported as leaked.
public enum Normalizer: Sendable, Equatable {
    case bert(BertNormalizerOptions)
    case lowercase
    /// Removes combining marks (Mn, Mc, Me); put `.nfd` before it to strip accents.
    case stripAccents
    case nfc, nfd, nfkc, nfkd
    /// Replaces every occurrence of a literal string.
    case replace(pattern: String, content: String)
    case strip(left: Bool, right: Bool)
    case prepend(String)
    case sequence([Normalizer])

    /// True when the stage maps each scalar independently of its neighbours, so the whole
    /// stage compiles to a per-scalar table (`CharMap`).
    public var isPerScalar: Bool {
        switch self {
        case .bert, .lowercase, .stripAccents, .nfd, .nfkd: return true
        case .sequence(let stages): return stages.allSatisfy(\.isPerScalar)
        default: return false
        }
    }

    /// What one scalar becomes (only for per-scalar stages).
    public func map(_ c: UInt32) -> [UInt32] {
        var out = [c]
        mapInPlace(&out)
        return out
    }

    func mapInPlace(_ s: inout [UInt32]) {
        switch self {
        case .bert(let o):
            // The stages run one after another over the whole text, as in BertNormalizer.
            var out = [UInt32]()
            if o.cleanText {
                for c in s {
                    if c == 0 || c == 0xFFFD || CharClasses.isBertControl(c) { continue }
                    out.append(CharClasses.isBertWhitespace(c) ? 0x20 : c)
                }
                s = out
            }
            if o.handleChineseChars && s.contains(where: CharClasses.isChineseChar) {
                out = []
                for c in s {
                    if CharClasses.isChineseChar(c) { out.append(0x20); out.append(c); out.append(0x20) } else { out.append(c) }
                }
                s = out
            }
            if o.stripAccents ?? o.lowercase {
                if s.contains(where: { $0 >= 0xC0 }) { s = ICU.normalize(s, form: .nfd) }
                s.removeAll(where: CharClasses.isNonSpacingMark)
            }
            if o.lowercase { s = Self.lower(s) }
        case .lowercase: s = Self.lower(s)
        case .stripAccents: s.removeAll(where: CharClasses.isMark)
        case .nfd: s = s.allSatisfy({ $0 < 0xC0 }) ? s : ICU.normalize(s, form: .nfd)
        case .nfkd: s = s.allSatisfy({ $0 < 0xA0 }) ? s : ICU.normalize(s, form: .nfkd)
        case .sequence(let stages): for st in stages { st.mapInPlace(&s) }
        default: break
        }
    }

    /// Per-scalar full lowercase (Rust's `char::to_lowercase`: no final-sigma context).
    static func lower(_ s: [UInt32]) -> [UInt32] {
        var out = [UInt32]()
        out.reserveCapacity(s.count)
        for c in s {
            if c < 0x80 { out.append(c >= 0x41 && c <= 0x5A ? c + 32 : c) }
            else { out.append(contentsOf: ICU.lowercase([c])) }
        }
        return out
    }

    /// Applies the stage to `text`, keeping origins.
    public func apply(_ text: inout NormalizedText) {
        switch self {
        case .sequence(let stages):
            for st in stages { st.apply(&text) }
        case .bert, .lowercase, .stripAccents, .nfd, .nfkd:
            var scalars = [UInt32](), origins = [Int32]()
            scalars.reserveCapacity(text.scalars.count)
            origins.reserveCapacity(text.scalars.count)
            for (c, o) in zip(text.scalars, text.origins) {
                for m in map(c) { scalars.append(m); origins.append(o) }
            }
            // Canonical reordering across scalars for decompositions.
            if self == .nfd || self == .nfkd { Self.reorder(&scalars, &origins) }
            text = NormalizedText(scalars: scalars, origins: origins)
        case .nfc, .nfkc:
            applyComposing(&text, form: self == .nfc ? .nfc : .nfkc)
        case .replace(let pattern, let content):
            let p = Array(pattern.unicodeScalars.map(\.value)), r = Array(content.unicodeScalars.map(\.value))
            guard !p.isEmpty else { return }
            var scalars = [UInt32](), origins = [Int32]()
            var i = 0
            let s = text.scalars
            while i < s.count {
                if i + p.count <= s.count && s[i] == p[0] && Array(s[i..<i + p.count]) == p {
                    for c in r { scalars.append(c); origins.append(text.origins[i]) }
                    i += p.count
                } else {
                    scalars.append(s[i]); origins.append(text.origins[i]); i += 1
                }
            }
            text = NormalizedText(scalars: scalars, origins: origins)
        case .strip(let left, let right):
            var lo = 0, hi = text.scalars.count
            if left { while lo < hi && CharClasses.isWhitespace(text.scalars[lo]) { lo += 1 } }
            if right { while hi > lo && CharClasses.isWhitespace(text.scalars[hi - 1]) { hi -= 1 } }
            text = NormalizedText(scalars: Array(text.scalars[lo..<hi]), origins: Array(text.origins[lo..<hi]))
        case .prepend(let p):
            guard let first = text.origins.first else { return }
            let ps = p.unicodeScalars.map(\.value)
            text.scalars.insert(contentsOf: ps, at: 0)
            text.origins.insert(contentsOf: [Int32](repeating: first, count: ps.count), at: 0)
        }
    }

    static func reorder(_ s: inout [UInt32], _ o: inout [Int32]) {
        var i = 1
        while i < s.count {
            let cc = s[i] < 0x300 ? 0 : ICU.combiningClass(s[i])
            if cc != 0 {
                var j = i
                while j > 0 {
                    let pc = s[j - 1] < 0x300 ? 0 : ICU.combiningClass(s[j - 1])
                    if pc <= cc { break }
                    s.swapAt(j, j - 1); o.swapAt(j, j - 1); j -= 1
                }
            }
            i += 1
        }
    }

    /// NFC/NFKC: normalize runs between normalization boundaries. Where a run shrinks, origins
    /// follow tokenizers' sequential alignment: the composed first scalar takes the run's first
    /// origin and absorbs the removed scalars, the rest take the origins after them; where it
    /// grows (ﬁ → f i), added scalars share the origin before them.
    private func applyComposing(_ text: inout NormalizedText, form: ICU.Form) {
        let s = text.scalars
        if s.allSatisfy({ $0 < 0x300 && (form == .nfc || $0 < 0xA0) }) { return }
        var scalars = [UInt32](), origins = [Int32]()
        var start = 0
        func flush(_ end: Int) {
            guard end > start else { return }
            let run = Array(s[start..<end])
            let out = ICU.normalize(run, form: form)
            if out.count == run.count {
                scalars += out; origins += text.origins[start..<end]
            } else if out.count < run.count {
                let absorbed = run.count - out.count
                for (k, c) in out.enumerated() {
                    scalars.append(c); origins.append(text.origins[k == 0 ? start : min(start + k + absorbed, end - 1)])
                }
            } else {
                for (k, c) in out.enumerated() {
                    scalars.append(c); origins.append(text.origins[min(start + k, end - 1)])
                }
            }
            start = end
        }
        for i in 1..<max(1, s.count) where s[i] < 0x300 || ICU.hasBoundaryBefore(s[i], form: form) {
            flush(i)
        }
        flush(s.count)
        text = NormalizedText(scalars: scalars, origins: origins)
    }
}
