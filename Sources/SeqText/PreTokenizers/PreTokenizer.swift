/// A pre-tokenizer stage: splits normalized text into words (ranges of scalars).
/// Not `indirect` (the sequence case recurses through an array already): an indirect enum's
/// boxes are referenced by pointers whose spare bits carry the case, which LeakSanitizer
/// does not recognise, so a stage held by a global cache was reported as leaked.
public enum PreTokenizer: Sendable, Equatable {
    /// BERT's: split on whitespace (dropped), then isolate each punctuation scalar.
    case bert
    /// `\w+|[^\w\s]+`.
    case whitespace
    /// Split on whitespace only.
    case whitespaceSplit
    /// Isolate each punctuation scalar.
    case punctuation
    /// Digits apart from the rest; each digit alone when `individual`.
    case digits(individual: Bool)
    /// GPT-2's byte-level split (its regex), with an optional leading space.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    /// ICU word boundaries (dictionary segmentation for Chinese, Japanese, Thai, ...; emoji
    /// ZWJ sequences and flags stay whole); whitespace segments are dropped.
    case icuWords
    case sequence([PreTokenizer])

    /// The per-scalar class when the stage splits by scalar classes alone.
    public var classifier: (@Sendable (UInt32) -> CharClass)? {
        switch self {
        case .bert:
            return { c in CharClasses.isWhitespace(c) ? .space : CharClasses.isBertPunctuation(c) ? .isolated : .word }
        case .whitespaceSplit:
            return { c in CharClasses.isWhitespace(c) ? .space : .word }
        case .whitespace:
            return { c in CharClasses.isWhitespace(c) ? .space : CharClasses.isWordChar(c) ? .word : .symbol }
        case .punctuation:
            return { c in CharClasses.isBertPunctuation(c) ? .isolated : .word }
        case .digits(let individual):
            return { c in CharClasses.isDigit(c) ? (individual ? .isolated : .symbol) : .word }
        case .sequence(let stages) where stages.count == 1:
            return stages[0].classifier
        default:
            return nil
        }
    }

    /// Splits each range of `text` into words.
    public func split(_ text: NormalizedText, _ ranges: [Range<Int>]) -> [Range<Int>] {
        if let classify = classifier {
            var out = [Range<Int>]()
            for r in ranges { Self.splitByClass(text.scalars, r, classify, &out) }
            return out
        }
        switch self {
        case .sequence(let stages):
            var rs = ranges
            for st in stages { rs = st.split(text, rs) }
            return rs
        case .byteLevel(_, let useRegex):
            guard useRegex else { return ranges }
            var out = [Range<Int>]()
            for r in ranges { ByteLevel.splitGPT2(text.scalars, r, &out) }
            return out
        case .icuWords:
            var out = [Range<Int>]()
            for r in ranges where !r.isEmpty {
                text.scalars.withUnsafeBufferPointer { all in
                    let slice = UnsafeBufferPointer(rebasing: all[r])
                    let (b, _) = ICU.wordBoundaries(slice)
                    for k in 0..<(b.count - 1) {
                        let w = (r.lowerBound + b[k])..<(r.lowerBound + b[k + 1])
                        if !w.allSatisfy({ CharClasses.isWhitespace(text.scalars[$0]) }) { out.append(w) }
                    }
                }
            }
            return out
        default:
            return ranges
        }
    }

    static func splitByClass(_ s: [UInt32], _ r: Range<Int>, _ classify: (UInt32) -> CharClass, _ out: inout [Range<Int>]) {
        var start = -1
        var runClass = CharClass.word
        for i in r {
            let cls = classify(s[i])
            switch cls {
            case .space:
                if start >= 0 { out.append(start..<i); start = -1 }
            case .isolated:
                if start >= 0 { out.append(start..<i); start = -1 }
                out.append(i..<i + 1)
            case .word, .symbol:
                if start >= 0 && runClass != cls { out.append(start..<i); start = -1 }
                if start < 0 { start = i; runClass = cls }
            }
        }
        if start >= 0 { out.append(start..<r.upperBound) }
    }
}
