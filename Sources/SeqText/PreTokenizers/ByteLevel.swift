/// GPT-2's byte-level scheme: the split regex
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, matched by
/// hand, and the byte ↔ printable-character table its vocabularies are written in.
public enum ByteLevel {
    /// byte → the scalar GPT-2 writes it as.
    public static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = 256 + n
                n += 1
            }
        }
        return table
    }()

    /// scalar → byte (inverse of `byteToScalar`).
    public static let scalarToByte: [UInt32: UInt8] = {
        var m = [UInt32: UInt8]()
        for (b, c) in byteToScalar.enumerated() { m[c] = UInt8(b) }
        return m
    }()

    /// The raw bytes a byte-level token string stands for (nil if it is not byte-level).
    public static func bytes(ofToken token: String) -> [UInt8]? {
        var out = [UInt8]()
        for u in token.unicodeScalars {
            guard let b = scalarToByte[u.value] else { return nil }
            out.append(b)
        }
        return out
    }

    /// The byte-level token string of raw bytes.
    public static func token(ofBytes bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(byteToScalar[Int(b)])!) }
        return String(s)
    }

    enum Kind { case letter, number, space, other }

    static func kind(_ c: UInt32) -> Kind {
        if c < 0x80 {
            if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { return .letter }
            if c >= 0x30 && c <= 0x39 { return .number }
            if c == 0x20 || (c >= 0x09 && c <= 0x0D) { return .space }
            return .other
        }
        if CharClasses.isWhitespace(c) { return .space }
        switch ICU.category(c) {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalDigitNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    static func splitGPT2(_ s: [UInt32], _ r: Range<Int>, _ out: inout [Range<Int>]) {
        var i = r.lowerBound
        let end = r.upperBound
        while i < end {
            let c = s[i]
            if c == 0x27, i + 1 < end {
                let n1 = s[i + 1]
                if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 { out.append(i..<i + 2); i += 2; continue }
                if i + 2 < end {
                    let n2 = s[i + 2]
                    if (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) {
                        out.append(i..<i + 3); i += 3; continue
                    }
                }
            }
            var j = i
            if c == 0x20 && i + 1 < end && kind(s[i + 1]) != .space { j = i + 1 }
            let k = kind(s[j])
            if k != .space {
                var e = j + 1
                while e < end && kind(s[e]) == k { e += 1 }
                out.append(i..<e); i = e; continue
            }
            var e = i + 1
            while e < end && kind(s[e]) == .space { e += 1 }
            if e == end || e - i == 1 { out.append(i..<e); i = e } else { out.append(i..<e - 1); i = e - 1 }
        }
    }
}
