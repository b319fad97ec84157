import CICU

/// Thin Swift face of the CICU shim: the few ICU calls the tokenizer uses.
public enum ICU {
    /// ICU's version, as linked (e.g. "72.1").
    public static var version: String { String(cString: seq_icu_version()) }
    /// The Unicode version of ICU's character data (e.g. "15.0").
    public static var unicodeVersion: String { String(cString: seq_icu_unicode_version()) }

    /// ICU's UCharCategory values that the tokenizer tests.
    public enum Category: Int32 {
        case unassigned = 0, uppercaseLetter, lowercaseLetter, titlecaseLetter, modifierLetter, otherLetter
        case nonSpacingMark, enclosingMark, combiningSpacingMark
        case decimalDigitNumber, letterNumber, otherNumber
        case spaceSeparator, lineSeparator, paragraphSeparator
        case control, format, privateUse, surrogate
        case dashPunctuation, startPunctuation, endPunctuation, connectorPunctuation, otherPunctuation
        case mathSymbol, currencySymbol, modifierSymbol, otherSymbol
        case initialPunctuation, finalPunctuation
    }

    public static func category(_ c: UInt32) -> Category {
        Category(rawValue: seq_icu_char_type(c)) ?? .unassigned
    }

    /// The White_Space property (what Rust's `char::is_whitespace` tests).
    public static func isWhiteSpace(_ c: UInt32) -> Bool { seq_icu_is_white_space(c) != 0 }

    /// The Unicode version that assigned `c`, as major * 100 + minor (0 when unassigned).
    public static func age(_ c: UInt32) -> Int32 { seq_icu_char_age(c) }

    /// The Alphabetic property.
    public static func isAlphabetic(_ c: UInt32) -> Bool { seq_icu_is_alphabetic(c) != 0 }

    public static func combiningClass(_ c: UInt32) -> Int32 { seq_icu_combining_class(c) }

    public enum Form: Int32 { case nfc = 0, nfd = 1, nfkc = 2, nfkd = 3 }

    /// True when `form` never combines `c` with the scalars before it.
    public static func hasBoundaryBefore(_ c: UInt32, form: Form) -> Bool {
        seq_icu_has_boundary_before(form.rawValue, c) != 0
    }

    /// Normalizes a run of scalars (one ICU call for the whole run).
    public static func normalize(_ scalars: UnsafeBufferPointer<UInt32>, form: Form) -> [UInt32] {
        var capacity = max(16, scalars.count * 4)
        while true {
            var out = [UInt32](repeating: 0, count: capacity)
            let n = out.withUnsafeMutableBufferPointer { o in
                seq_icu_normalize(form.rawValue, scalars.baseAddress, Int32(scalars.count), o.baseAddress, Int32(capacity))
            }
            if n >= 0 { out.removeLast(capacity - Int(n)); return out }
            if capacity > scalars.count * 64 + 64 { return Array(scalars) }
            capacity *= 4
        }
    }

    public static func normalize(_ scalars: [UInt32], form: Form) -> [UInt32] {
        scalars.withUnsafeBufferPointer { normalize($0, form: form) }
    }

    /// Full lowercase mapping (root locale) of a run of scalars.
    public static func lowercase(_ scalars: [UInt32]) -> [UInt32] {
        var capacity = max(8, scalars.count * 3)
        while true {
            var out = [UInt32](repeating: 0, count: capacity)
            let n = scalars.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    seq_icu_to_lower(s.baseAddress, Int32(s.count), o.baseAddress, Int32(capacity))
                }
            }
            if n >= 0 { out.removeLast(capacity - Int(n)); return out }
            if capacity > scalars.count * 64 + 64 { return scalars }
            capacity *= 4
        }
    }

    /// Word-boundary segmentation (UAX #29 + ICU dictionaries): segment boundaries as scalar
    /// indices (0 and count included) and each segment's rule status (0: space/punctuation).
    public static func wordBoundaries(_ scalars: UnsafeBufferPointer<UInt32>) -> (boundaries: [Int], statuses: [Int32]) {
        if scalars.isEmpty { return ([0], []) }
        let capacity = scalars.count + 2
        var b = [Int32](repeating: 0, count: capacity)
        var s = [Int32](repeating: 0, count: capacity)
        let n = b.withUnsafeMutableBufferPointer { bp in
            s.withUnsafeMutableBufferPointer { sp in
                seq_icu_word_boundaries(scalars.baseAddress, Int32(scalars.count), bp.baseAddress, sp.baseAddress, Int32(capacity))
            }
        }
        if n < 2 { return ([0, scalars.count], [0]) }
        return (b[0..<Int(n)].map { Int($0) }, Array(s[0..<Int(n) - 1]))
    }
}
