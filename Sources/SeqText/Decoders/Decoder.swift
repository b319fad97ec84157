/// Turns token strings back into text (`decoder` in tokenizer.json).
public enum Decoder: Sendable, Equatable {
    /// Joins with spaces, glues `prefix` continuations; `cleanup` undoes BERT's spacing
    /// around punctuation and contractions.
    case wordPiece(prefix: String, cleanup: Bool)
    /// GPT-2: token characters back to bytes, bytes to UTF-8.
    case byteLevel
    /// `<0xXX>` tokens back to bytes.
    case byteFallback
    case sequence([Decoder])

    public func decode(_ tokens: [String]) -> String {
        switch self {
        case .wordPiece(let prefix, let cleanup):
            // Byte-wise prefix test: String.hasPrefix compares grapheme clusters, and "##" followed
            // by a combining mark (Devanagari "##ि") is not a grapheme prefix.
            let p = Array(prefix.utf8)
            var out = [UInt8]()
            for (i, t) in tokens.enumerated() {
                let b = Array(t.utf8)
                if i == 0 { out += b; continue }
                if !p.isEmpty && b.starts(with: p) { out += b[p.count...] } else { out.append(0x20); out += b }
            }
            let s = String(decoding: out, as: UTF8.self)
            return cleanup ? Self.cleanUp(s) : s
        case .byteLevel:
            var bytes = [UInt8]()
            for t in tokens { bytes += ByteLevel.bytes(ofToken: t) ?? Array(t.utf8) }
            return String(decoding: bytes, as: UTF8.self)
        case .byteFallback:
            var bytes = [UInt8]()
            for t in tokens {
                if t.count == 6, t.hasPrefix("<0x"), t.hasSuffix(">"), let b = UInt8(t.dropFirst(3).prefix(2), radix: 16) {
                    bytes.append(b)
                } else {
                    bytes += Array(t.utf8)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        case .sequence(let ds):
            // Each stage sees the previous stage's output as one token.
            var toks = tokens
            for d in ds { toks = [d.decode(toks)] }
            return toks.joined()
        }
    }

    /// Hugging Face's `cleanup`: " ." → ".", " ?" → "?", " !" → "!", " ," → ",", " ' " → "'",
    /// " n't" → "n't", " 'm" → "'m", " do not" → " don't", " 's" → "'s", " 've" → "'ve", " 're" → "'re".
    static func cleanUp(_ s: String) -> String {
        var r = s
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                       (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            r = r.replacingAll(a, with: b)
        }
        return r
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        guard !a.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of needle: String) -> Range<Index>? {
        let n = Array(needle.utf8)
        let u = self.utf8
        var i = u.startIndex
        while i != u.endIndex {
            var j = i, k = 0
            while k < n.count && j != u.endIndex && u[j] == n[k] { j = u.index(after: j); k += 1 }
            if k == n.count { return i..<j }
            i = u.index(after: i)
        }
        return nil
    }
}
