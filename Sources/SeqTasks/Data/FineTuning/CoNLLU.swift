import SeqCore

/// A sentence of a CoNLL-U file: its syntactic words with their UPOS tags.
public struct TaggedSentence: Sendable, Equatable {
    public var words: [String]
    public var tags: [String]
    /// The line of the sentence's first word.
    public var line: Int

    public init(words: [String], tags: [String], line: Int) {
        self.words = words
        self.tags = tags
        self.line = line
    }
}

/// CoNLL-U (https://universaldependencies.org/format.html): sentences separated by blank
/// lines, comments starting with '#', ten tab-separated columns per word line. Tagging
/// uses the syntactic words (integer IDs) with their FORM and UPOS; multiword-token lines
/// (ID a range like `1-2`, whose words follow as their own lines) and empty nodes (ID
/// like `1.1`, which are not part of the surface sentence) are not words and are skipped.
public enum CoNLLU {
    static let expected = "CoNLL-U: ten tab-separated columns per word (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC)"

    public static func read(path: String, handler: inout BadInputHandler) throws(InputProblem) -> [TaggedSentence] {
        let file = try DatasetLines(path: path, what: expected)
        let sentences = try parse(file.lines, path: path, handler: &handler)
        if sentences.isEmpty { throw InputProblem(file: path, message: "no sentences; expected \(expected)") }
        return sentences
    }

    /// Parses lines; a sentence with a bad line is refused or skipped whole.
    public static func parse(_ lines: [(number: Int, text: String)], path: String,
                             handler: inout BadInputHandler) throws(InputProblem) -> [TaggedSentence] {
        var out: [TaggedSentence] = []
        var words: [String] = [], tags: [String] = [], first = 0, broken = false
        func finish() {
            if !words.isEmpty && !broken { out.append(TaggedSentence(words: words, tags: tags, line: first)) }
            words = []; tags = []; broken = false
        }
        for (number, text) in lines {
            if text.trimmingCharacters(in: .whitespaces).isEmpty { finish(); continue }
            if text.hasPrefix("#") || broken { continue }
            let cells = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count == 10 else {
                try handler.reject(InputProblem(file: path, line: number, message: "\(cells.count) tab-separated columns; expected \(expected)"))
                broken = true
                continue
            }
            let id = cells[0]
            if id.contains("-") || id.contains(".") { continue }
            guard let n = Int(id), n == words.count + 1 else {
                try handler.reject(InputProblem(file: path, line: number, message: "word ID '\(id)' where \(words.count + 1) was expected; expected \(expected)"))
                broken = true
                continue
            }
            let upos = cells[3]
            guard !cells[1].isEmpty, !upos.isEmpty, upos != "_" else {
                try handler.reject(InputProblem(file: path, line: number, message: "the word has no FORM or no UPOS tag; expected \(expected)"))
                broken = true
                continue
            }
            if words.isEmpty { first = number }
            words.append(String(cells[1]))
            tags.append(String(upos))
        }
        finish()
        return out
    }
}
