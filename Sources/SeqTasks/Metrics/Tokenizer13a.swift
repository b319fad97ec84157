/// sacreBLEU's default BLEU tokenizer, "13a" (mteval-v13a.pl's normalisation as WMT uses
/// it): sacrebleu 2.x `tokenizers/tokenizer_13a.py` followed by `tokenizer_re.py`, step for
/// step, over Unicode scalars.
///
/// 1. remove `<skipped>`; join `-\n`; other `\n` become spaces;
/// 2. when the line holds `&`: `&quot;` → `"`, `&amp;` → `&`, `&lt;` → `<`, `&gt;` → `>`,
///    in that order (so `&amp;lt;` ends as `<`, `&amp;quot;` as `&quot;`);
/// 3. pad the line with one space on each side, then four regex substitutions, each a
///    left-to-right scan of non-overlapping matches:
///    - `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `: every ASCII symbol except `'`, `,`,
///      `-` and `.` is split off;
///    - `([^0-9])([\.,])` → `\1 \2 `: a period or comma not after a digit;
///    - `([\.,])([^0-9])` → ` \1 \2`: a period or comma not before a digit;
///    - `([0-9])(-)` → `\1 \2 `: a dash after a digit;
/// 4. `' '.join(line.split())`, with Python's Unicode whitespace.
///
/// Digits are ASCII `0-9` only, as in Python's `[0-9]`.
public enum Tokenizer13a {
    /// The tokenized line: tokens joined by single spaces.
    public static func tokenize(_ line: String) -> String {
        PythonText.string(tokenize(scalars: PythonText.scalars(line)))
    }

    /// The tokens of `line` (what BLEU's `line.split()` sees after tokenizing).
    public static func tokens(_ line: String) -> [String] {
        let t = tokenize(scalars: PythonText.scalars(line))
        return PythonText.splitRanges(t).map { PythonText.string(t[$0]) }
    }

    static func tokenize(scalars line: [UInt32]) -> [UInt32] {
        var s = replacing(line, Array("<skipped>".unicodeScalars.map(\.value)), with: [])
        s = replacing(s, [0x2D, 0x0A], with: [])
        s = s.map { $0 == 0x0A ? 0x20 : $0 }
        if s.contains(0x26) {
            for (entity, char) in entities { s = replacing(s, entity, with: [char]) }
        }
        var padded: [UInt32] = []
        padded.reserveCapacity(s.count * 2 + 2)
        padded.append(0x20)
        for c in s {
            if isSplitSymbol(c) {
                padded.append(0x20); padded.append(c); padded.append(0x20)
            } else {
                padded.append(c)
            }
        }
        padded.append(0x20)
        s = padded
        // ([^0-9])([\.,]) -> \1 \2
        s = substitutePairs(s, first: { !isDigit($0) }, second: isPeriodOrComma) { out, a, b in
            out.append(a); out.append(0x20); out.append(b); out.append(0x20)
        }
        // ([\.,])([^0-9]) -> ' \1 \2'
        s = substitutePairs(s, first: isPeriodOrComma, second: { !isDigit($0) }) { out, a, b in
            out.append(0x20); out.append(a); out.append(0x20); out.append(b)
        }
        // ([0-9])(-) -> \1 \2
        s = substitutePairs(s, first: isDigit, second: { $0 == 0x2D }) { out, a, b in
            out.append(a); out.append(0x20); out.append(b); out.append(0x20)
        }
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        for r in PythonText.splitRanges(s) {
            if !out.isEmpty { out.append(0x20) }
            out.append(contentsOf: s[r])
        }
        return out
    }

    private static let entities: [([UInt32], UInt32)] = [
        (Array("&quot;".unicodeScalars.map(\.value)), 0x22),
        (Array("&amp;".unicodeScalars.map(\.value)), 0x26),
        (Array("&lt;".unicodeScalars.map(\.value)), 0x3C),
        (Array("&gt;".unicodeScalars.map(\.value)), 0x3E),
    ]

    /// The class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: U+0020–0026, U+0028–002B, U+002F,
    /// U+003A–0040, U+005B–0060, U+007B–007E.
    @inline(__always)
    static func isSplitSymbol(_ c: UInt32) -> Bool {
        switch c {
        case 0x20...0x26, 0x28...0x2B, 0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    @inline(__always) static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isPeriodOrComma(_ c: UInt32) -> Bool { c == 0x2E || c == 0x2C }

    /// Python's `str.replace(old, new)`: non-overlapping occurrences, left to right.
    static func replacing(_ s: [UInt32], _ old: [UInt32], with new: [UInt32]) -> [UInt32] {
        let m = old.count
        guard m > 0, s.count >= m, let first = old.first else { return s }
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        let n = s.count
        while i < n {
            if s[i] == first && i + m <= n && s[i..<(i + m)].elementsEqual(old) {
                out.append(contentsOf: new)
                i += m
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// `re.sub` of a two-character pattern `(A)(B)`: at each position, a match consumes two
    /// scalars and the scan resumes after them; otherwise one scalar is copied.
    @inline(__always)
    static func substitutePairs(
        _ s: [UInt32], first: (UInt32) -> Bool, second: (UInt32) -> Bool,
        replace: (inout [UInt32], UInt32, UInt32) -> Void
    ) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count + s.count / 4)
        var i = 0
        let n = s.count
        while i < n {
            if i + 1 < n && first(s[i]) && second(s[i + 1]) {
                replace(&out, s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }
}
