/// UTF-8 → Unicode scalars exactly as Python's `bytes.decode("utf-8", errors="replace")`:
/// each maximal subpart of an ill-formed sequence becomes one U+FFFD (Unicode 15, §3.9,
/// "U+FFFD Substitution of Maximal Subparts"), surrogates and overlongs are ill-formed.
public enum UTF8Decoding {
    public static let replacement: UInt32 = 0xFFFD

    /// True when every byte is ASCII (8 bytes at a time).
    @inlinable
    public static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        var acc: UInt64 = 0
        while i &+ 8 <= n {
            acc |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i &+= 8
        }
        while i < n { acc |= UInt64(base[i]); i &+= 1 }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// Decodes `bytes`, calling `body(scalar)` for each scalar of the decoded text.
    @inlinable
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt32) -> Void) {
        let n = bytes.count
        var i = 0
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { body(UInt32(b0)); i &+= 1; continue }
            var need = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            var cp: UInt32 = 0
            switch b0 {
            case 0xC2...0xDF: need = 1; cp = UInt32(b0 & 0x1F)
            case 0xE0: need = 2; lo = 0xA0; cp = UInt32(b0 & 0x0F)
            case 0xE1...0xEC, 0xEE...0xEF: need = 2; cp = UInt32(b0 & 0x0F)
            case 0xED: need = 2; hi = 0x9F; cp = UInt32(b0 & 0x0F)
            case 0xF0: need = 3; lo = 0x90; cp = UInt32(b0 & 0x07)
            case 0xF1...0xF3: need = 3; cp = UInt32(b0 & 0x07)
            case 0xF4: need = 3; hi = 0x8F; cp = UInt32(b0 & 0x07)
            default:
                body(replacement); i &+= 1; continue
            }
            var j = i &+ 1
            var ok = true
            for k in 0..<need {
                guard j < n else { ok = false; break }
                let b = bytes[j]
                let low: UInt8 = k == 0 ? lo : 0x80
                let high: UInt8 = k == 0 ? hi : 0xBF
                guard b >= low && b <= high else { ok = false; break }
                cp = cp << 6 | UInt32(b & 0x3F)
                j &+= 1
            }
            body(ok ? cp : replacement)
            i = j
        }
    }

    /// Decodes `bytes` into an array of scalars.
    public static func scalars(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        var out = [UInt32]()
        out.reserveCapacity(bytes.count)
        decode(bytes) { out.append($0) }
        return out
    }

    public static func scalars(_ bytes: [UInt8]) -> [UInt32] {
        bytes.withUnsafeBufferPointer { scalars($0) }
    }

    /// Appends the UTF-8 encoding of `c` to `out`.
    @inlinable
    public static func encode(_ c: UInt32, into out: inout [UInt8]) {
        if c < 0x80 { out.append(UInt8(c)) }
        else if c < 0x800 { out.append(UInt8(0xC0 | (c >> 6))); out.append(UInt8(0x80 | (c & 0x3F))) }
        else if c < 0x10000 {
            out.append(UInt8(0xE0 | (c >> 12))); out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (c >> 18))); out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F))); out.append(UInt8(0x80 | (c & 0x3F)))
        }
    }

    /// The UTF-8 length of scalar `c`.
    @inlinable
    public static func length(_ c: UInt32) -> Int {
        c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
    }

    public static func string(_ scalars: some Sequence<UInt32>) -> String {
        var bytes = [UInt8]()
        for c in scalars { encode(c, into: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
