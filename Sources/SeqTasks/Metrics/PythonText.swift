/// The few pieces of Python's `str` that the reference metric scripts lean on, over Unicode
/// scalars (Python strings index code points, not grapheme clusters).
enum PythonText {
    /// `chr(c).isspace()`: what `str.split()` and `str.rstrip()` treat as whitespace
    /// (bidirectional class WS, B or S, or category Zs; Python 3.11).
    @inline(__always)
    static func isSpace(_ c: UInt32) -> Bool {
        if c <= 0x20 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) }
        if c < 0x85 { return false }
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// `str.split()`: the maximal runs of non-whitespace, as ranges into `s`.
    static func splitRanges(_ s: [UInt32]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = s.count
        while i < n {
            while i < n && isSpace(s[i]) { i += 1 }
            if i == n { break }
            let start = i
            while i < n && !isSpace(s[i]) { i += 1 }
            out.append(start..<i)
        }
        return out
    }

    /// `''.join(s.split())`: `s` without any whitespace.
    static func removingSpaces(_ s: [UInt32]) -> [UInt32] {
        s.filter { !isSpace($0) }
    }

    /// `s.rstrip()`.
    static func rstripped(_ s: [UInt32]) -> [UInt32] {
        var end = s.count
        while end > 0 && isSpace(s[end - 1]) { end -= 1 }
        return end == s.count ? s : Array(s[..<end])
    }

    static func scalars(_ s: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars { out.append(u.value) }
        return out
    }

    static func string(_ s: some Sequence<UInt32>) -> String {
        var v = String.UnicodeScalarView()
        for c in s { v.append(Unicode.Scalar(c) ?? "\u{FFFD}") }
        return String(v)
    }
}
