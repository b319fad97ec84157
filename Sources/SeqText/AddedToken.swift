/// A token matched in the raw text before normalization (Hugging Face's `added_tokens`):
/// special tokens like `[CLS]` are never split by the model.
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int32
    public var special: Bool
    public var singleWord: Bool
    public var lstrip: Bool
    public var rstrip: Bool
    public var normalized: Bool

    public init(content: String, id: Int32, special: Bool = true, singleWord: Bool = false,
                lstrip: Bool = false, rstrip: Bool = false, normalized: Bool = false) {
        self.content = content
        self.id = id
        self.special = special
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
    }
}

/// Finds added tokens in a scalar sequence, leftmost then longest.
struct AddedTokenMatcher: Sendable {
    let tokens: [(scalars: [UInt32], token: AddedToken)]
    /// Bit per ASCII byte that starts some token; `nonASCIIStart` when some token starts above.
    let asciiStarts: [Bool]
    let nonASCIIStart: Bool

    init(_ added: [AddedToken]) {
        let ts = added.filter { !$0.content.isEmpty }.map { (Array($0.content.unicodeScalars.map(\.value)), $0) }
        tokens = ts.sorted { $0.0.count > $1.0.count }
        var starts = [Bool](repeating: false, count: 128)
        var non = false
        for t in ts { if t.0[0] < 128 { starts[Int(t.0[0])] = true } else { non = true } }
        asciiStarts = starts
        nonASCIIStart = non
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// True when an ASCII line may contain an added token.
    func mayMatch(ascii bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if tokens.isEmpty { return false }
        for b in bytes where asciiStarts[Int(b)] { return true }
        return false
    }

    /// Matches as (range of scalars consumed, token).
    func find(_ s: UnsafeBufferPointer<UInt32>) -> [(Range<Int>, AddedToken)] {
        var out = [(Range<Int>, AddedToken)]()
        if tokens.isEmpty { return out }
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            if c < 128 && !asciiStarts[Int(c)] || c >= 128 && !nonASCIIStart { i += 1; continue }
            var matched: (Int, AddedToken)? = nil
            for (ts, t) in tokens where ts[0] == c && i + ts.count <= n {
                var ok = true
                for k in 1..<ts.count where s[i + k] != ts[k] { ok = false; break }
                if ok && t.singleWord {
                    let before = i == 0 || !CharClasses.isWordChar(s[i - 1])
                    let after = i + ts.count == n || !CharClasses.isWordChar(s[i + ts.count])
                    ok = before && after
                }
                if ok { matched = (ts.count, t); break }
            }
            if let (len, t) = matched {
                var lo = i, hi = i + len
                if t.lstrip { while lo > 0 && CharClasses.isWhitespace(s[lo - 1]) && (out.last?.0.upperBound ?? 0) < lo { lo -= 1 } }
                if t.rstrip { while hi < n && CharClasses.isWhitespace(s[hi]) { hi += 1 } }
                out.append((lo..<hi, t))
                i = hi
            } else {
                i += 1
            }
        }
        return out
    }
}
