/// SQuAD v1.1 exact match and F1 exactly as the official `evaluate-v1.1.py`:
///
///     normalize_answer(s) = white_space_fix(remove_articles(remove_punc(lower(s))))
///
/// - `lower`: Python's `str.lower()` (full Unicode lowercase mapping, final sigma in context);
/// - `remove_punc`: drops the 32 ASCII characters of `string.punctuation` only (so “ ” — «
///   and other Unicode punctuation stay);
/// - `remove_articles`: `re.sub(r'\b(a|an|the)\b', ' ', text)`, i.e. a maximal run of word
///   characters (Unicode letters and numbers, `_`; not combining marks) that is exactly
///   `a`, `an` or `the` becomes a space;
/// - `white_space_fix`: `' '.join(text.split())` with Python's Unicode whitespace.
///
/// Exact match compares the normalised strings; F1 is over whitespace tokens with
/// multiset (Counter) intersection, 0 when nothing is shared (so two empty answers have
/// exact match 1 and F1 0). A question takes the best score over its ground truths; the
/// dataset averages over all questions, an unanswered one scoring 0, times 100.
public enum SQuADScore {
    public struct Result: Sendable, Equatable {
        public var exactMatch: Double
        public var f1: Double
    }

    /// One question: its id and the texts of its ground-truth answers.
    public struct Question: Sendable {
        public var id: String
        public var answers: [String]
        public init(id: String, answers: [String]) {
            self.id = id
            self.answers = answers
        }
    }

    public static func normalizeAnswer(_ s: String) -> String {
        PythonText.string(normalize(s))
    }

    public static func exactMatch(prediction: String, groundTruth: String) -> Bool {
        normalize(prediction) == normalize(groundTruth)
    }

    public static func f1(prediction: String, groundTruth: String) -> Double {
        f1(predictionTokens: tokens(prediction), groundTruthTokens: tokens(groundTruth))
    }

    /// The best exact match (0 or 1) and F1 (0...1) over `groundTruths`; 0 and 0 when there
    /// are none (the official script's `max([])` would raise).
    public static func score(prediction: String, groundTruths: [String]) -> Result {
        let p = normalize(prediction)
        let pTokens = PythonText.splitRanges(p).map { Array(p[$0]) }
        var em = 0.0, f1 = 0.0
        for (i, truth) in groundTruths.enumerated() {
            let g = normalize(truth)
            let e: Double = p == g ? 1 : 0
            let f = self.f1(predictionTokens: pTokens, groundTruthTokens: PythonText.splitRanges(g).map { Array(g[$0]) })
            em = i == 0 ? e : max(em, e)
            f1 = i == 0 ? f : max(f1, f)
        }
        return Result(exactMatch: em, f1: f1)
    }

    /// `evaluate(dataset, predictions)`: percentages over every question of `questions`,
    /// those without a prediction counting 0.
    public static func evaluate(questions: [Question], predictions: [String: String]) -> Result {
        var em = 0.0, f1 = 0.0
        for q in questions {
            guard let prediction = predictions[q.id] else { continue }
            let r = score(prediction: prediction, groundTruths: q.answers)
            em += r.exactMatch
            f1 += r.f1
        }
        let total = Double(questions.count)
        guard total > 0 else { return Result(exactMatch: 0, f1: 0) }
        return Result(exactMatch: 100.0 * em / total, f1: 100.0 * f1 / total)
    }

    static func tokens(_ s: String) -> [[UInt32]] {
        let n = normalize(s)
        return PythonText.splitRanges(n).map { Array(n[$0]) }
    }

    static func f1(predictionTokens p: [[UInt32]], groundTruthTokens g: [[UInt32]]) -> Double {
        var counts: [[UInt32]: Int] = [:]
        for t in g { counts[t, default: 0] += 1 }
        var same = 0
        for t in p {
            if let c = counts[t], c > 0 {
                same += 1
                counts[t] = c - 1
            }
        }
        if same == 0 { return 0 }
        let precision = 1.0 * Double(same) / Double(p.count)
        let recall = 1.0 * Double(same) / Double(g.count)
        return (2 * precision * recall) / (precision + recall)
    }

    static func normalize(_ s: String) -> [UInt32] {
        let lowered = lower(PythonText.scalars(s))
        let unpunctuated = lowered.filter { !isASCIIPunctuation($0) }
        let articlesRemoved = removeArticles(unpunctuated)
        var out: [UInt32] = []
        out.reserveCapacity(articlesRemoved.count)
        for r in PythonText.splitRanges(articlesRemoved) {
            if !out.isEmpty { out.append(0x20) }
            out.append(contentsOf: articlesRemoved[r])
        }
        return out
    }

    /// Python's `str.lower()`: each scalar's full lowercase mapping; U+03A3 Σ becomes ς in
    /// the Final_Sigma context (after a cased letter and not before one, skipping
    /// case-ignorable scalars both ways), σ otherwise.
    static func lower(_ s: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c < 0x80 {
                out.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
                continue
            }
            guard let scalar = Unicode.Scalar(c) else { out.append(c); continue }
            if c == 0x3A3 {
                out.append(isFinalSigma(s, at: i) ? 0x3C2 : 0x3C3)
                continue
            }
            for u in scalar.properties.lowercaseMapping.unicodeScalars { out.append(u.value) }
        }
        return out
    }

    static func isFinalSigma(_ s: [UInt32], at i: Int) -> Bool {
        func properties(_ c: UInt32) -> Unicode.Scalar.Properties? { Unicode.Scalar(c)?.properties }
        var j = i - 1
        while j >= 0, properties(s[j])?.isCaseIgnorable == true { j -= 1 }
        guard j >= 0, properties(s[j])?.isCased == true else { return false }
        j = i + 1
        while j < s.count, properties(s[j])?.isCaseIgnorable == true { j += 1 }
        return j == s.count || properties(s[j])?.isCased != true
    }

    /// `string.punctuation`: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
    @inline(__always)
    static func isASCIIPunctuation(_ c: UInt32) -> Bool {
        switch c {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    /// Python `re`'s `\w` for str patterns: `str.isalnum()` (letters Lu Ll Lt Lm Lo, and any
    /// scalar with a numeric value) or `_`.
    static func isWordCharacter(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
        guard let p = Unicode.Scalar(c)?.properties else { return false }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return p.numericType != nil
        }
    }

    static func removeArticles(_ s: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            guard isWordCharacter(s[i]) else { out.append(s[i]); i += 1; continue }
            var j = i
            while j < s.count && isWordCharacter(s[j]) { j += 1 }
            let word = s[i..<j]
            if word.elementsEqual([0x61]) || word.elementsEqual([0x61, 0x6E]) || word.elementsEqual([0x74, 0x68, 0x65]) {
                out.append(0x20)
            } else {
                out.append(contentsOf: word)
            }
            i = j
        }
        return out
    }
}
