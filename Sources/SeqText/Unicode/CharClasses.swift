/// Character predicates with the exact definitions Hugging Face tokenizers (and the original
/// BERT `tokenization.py`) use, over ICU's Unicode data.
public enum CharClasses {
    /// Hugging Face tokenizers takes general categories from the `unicode_categories` crate,
    /// whose tables are Unicode 8.0: a scalar assigned later has no category there (it is
    /// neither punctuation, nor control, nor a nonspacing mark). Matched by testing every
    /// code point against tokenizers 0.23 (bench/tokenizer/check_all_scalars.sh).
    public static let categoryUnicodeVersion: Int32 = 800

    @inlinable
    static func category(_ c: UInt32) -> ICU.Category {
        // Scalars whose category changed after Unicode 8.0.
        switch c {
        case 0x166D, 0x111C9: return .otherPunctuation
        case 0x1734: return .nonSpacingMark
        case 0x1885, 0x1886: return .otherLetter
        case 0xA9BD: return .combiningSpacingMark
        default: break
        }
        let cat = ICU.category(c)
        if cat == .unassigned || ICU.age(c) > categoryUnicodeVersion { return .unassigned }
        return cat
    }

    /// BERT's whitespace: tab, newline, carriage return, and the White_Space property.
    @inlinable
    public static func isBertWhitespace(_ c: UInt32) -> Bool {
        if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { return true }
        if c < 0x80 { return false }
        return ICU.isWhiteSpace(c)
    }

    /// The White_Space property (Rust's `char::is_whitespace`).
    @inlinable
    public static func isWhitespace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        return ICU.isWhiteSpace(c)
    }

    /// BERT's control characters: categories Cc, Cf, Co, Cs, except tab, newline, CR.
    public static func isBertControl(_ c: UInt32) -> Bool {
        if c == 0x09 || c == 0x0A || c == 0x0D { return false }
        switch category(c) {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// ASCII punctuation, or any Unicode punctuation category (Pc Pd Ps Pe Pi Pf Po).
    public static func isBertPunctuation(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)
        }
        switch category(c) {
        case .connectorPunctuation, .dashPunctuation, .startPunctuation, .endPunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    /// The CJK Unified Ideograph blocks BERT surrounds with spaces.
    @inlinable
    public static func isChineseChar(_ c: UInt32) -> Bool {
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
            || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
            || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F)
    }

    /// Nonspacing marks (Mn), which accent stripping removes.
    public static func isNonSpacingMark(_ c: UInt32) -> Bool {
        if c < 0x300 { return false }
        return category(c) == .nonSpacingMark
    }

    /// Any mark (Mn, Mc, Me) of Unicode 9.0: what the `StripAccents` normalizer removes
    /// (tokenizers tests `is_combining_mark` of its normalization crate there, whose tables are
    /// Unicode 9.0, not the Unicode 8.0 categories BERT's normalizer uses).
    public static let markUnicodeVersion: Int32 = 900

    public static func isMark(_ c: UInt32) -> Bool {
        if c < 0x300 || ICU.age(c) > markUnicodeVersion { return false }
        switch ICU.category(c) {
        case .nonSpacingMark, .combiningSpacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Numeric scalars (Nd, Nl, No: Rust's `char::is_numeric`), as the Digits pre-tokenizer tests.
    public static func isDigit(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        switch ICU.category(c) {
        case .decimalDigitNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\w` of the regex crate: Alphabetic, marks, decimal digits, connector punctuation, joiners.
    public static func isWordChar(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
        if c == 0x200C || c == 0x200D || ICU.isAlphabetic(c) { return true }
        switch ICU.category(c) {
        case .nonSpacingMark, .enclosingMark, .combiningSpacingMark, .decimalDigitNumber, .connectorPunctuation:
            return true
        default: return false
        }
    }
}
