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
/// like `1.1`, which are not part of the surface sentence) are not words and are skipped,
/// once their IDs are checked.
public enum CoNLLU {
    static let expected = "CoNLL-U: ten tab-separated columns per word (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC)"

    public static func read(path: String, handler: inout BadInputHandler) throws(InputProblem) -> [TaggedSentence] {
        try read(DatasetLines(path: path, what: expected), handler: &handler)
    }

    /// `read(path:)` on lines already read (the fuzz target's entry).
    public static func read(_ file: DatasetLines, handler: inout BadInputHandler) throws(InputProblem) -> [TaggedSentence] {
        let sentences = try parse(file.lines, path: file.path, handler: &handler)
        if sentences.isEmpty { throw InputProblem(file: file.path, message: "no sentences; expected \(expected)") }
        return sentences
    }

    /// Parses lines; a sentence with a bad line is refused or skipped whole. Without
    /// `requireTags` (input to tag, as `seq predict` reads it) a word's UPOS may be `_`.
    public static func parse(_ lines: [(number: Int, text: String)], path: String, requireTags: Bool = true,
                             handler: inout BadInputHandler) throws(InputProblem) -> [TaggedSentence] {
        var out: [TaggedSentence] = []
        var words: [String] = [], tags: [String] = [], first = 0, broken = false
        // The last multiword token's range end and line: its words must all follow it.
        var range = (end: 0, line: 0)
        func finish() throws(InputProblem) {
            if !broken && range.end > words.count {
                try handler.reject(InputProblem(file: path, line: range.line, message: "a multiword token's range ends at word \(range.end) but the sentence has \(words.count) words; expected \(expected)"))
                broken = true
            }
            if !words.isEmpty && !broken { out.append(TaggedSentence(words: words, tags: tags, line: first)) }
            words = []; tags = []; broken = false; range = (0, 0)
        }
        for (number, text) in lines {
            if isBlank(text) { try finish(); continue }
            if text.hasPrefix("#") || broken { continue }
            let cells = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count == 10 else {
                try handler.reject(InputProblem(file: path, line: number, message: "\(cells.count) tab-separated columns; expected \(expected)"))
                broken = true
                continue
            }
            let id = cells[0]
            // A multiword token `a-b` stands before its words a…b (a is the next word, b > a,
            // not inside the previous range); an empty node `i.j` follows word i (0 before
            // the first). Neither is a word, but a malformed one means a broken sentence.
            if id.contains("-") {
                let ends = id.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard ends.count == 2, let a = ends[0], let b = ends[1], a == words.count + 1, b > a, range.end < a else {
                    try handler.reject(InputProblem(file: path, line: number, message: "multiword token ID '\(id)' where a range \(words.count + 1)-N after the previous range was expected; expected \(expected)"))
                    broken = true
                    continue
                }
                range = (b, number)
                continue
            }
            if id.contains(".") {
                let parts = id.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
                guard parts.count == 2, parts[0] == words.count, let j = parts[1], j >= 1 else {
                    try handler.reject(InputProblem(file: path, line: number, message: "empty node ID '\(id)' where \(words.count).N was expected; expected \(expected)"))
                    broken = true
                    continue
                }
                continue
            }
            guard let n = Int(id), n == words.count + 1 else {
                try handler.reject(InputProblem(file: path, line: number, message: "word ID '\(id)' where \(words.count + 1) was expected; expected \(expected)"))
                broken = true
                continue
            }
            let upos = cells[3]
            guard !cells[1].isEmpty, !requireTags || (!upos.isEmpty && upos != "_") else {
                try handler.reject(InputProblem(file: path, line: number, message: "the word has no FORM or no UPOS tag; expected \(expected)"))
                broken = true
                continue
            }
            if words.isEmpty { first = number }
            words.append(String(cells[1]))
            tags.append(String(upos))
        }
        try finish()
        return out
    }

    /// A line that ends a sentence: empty, or only spaces and tabs.
    public static func isBlank(_ line: String) -> Bool { line.trimmingCharacters(in: .whitespaces).isEmpty }

    /// The lines `parse` read, written back with each word's UPOS replaced by `tags` (one
    /// list per sentence `parse` returned, one tag per word). Sentences end where `parse`
    /// ends them (`isBlank`), so a line of spaces between sentences cannot shift the tags of
    /// one sentence onto the next; blank lines are written as empty lines.
    public static func fillingUPOS(_ lines: [(number: Int, text: String)], tags: [[String]]) -> String {
        var out = "", sentence = 0, word = 0
        for (_, text) in lines {
            if isBlank(text) {
                if word > 0 { sentence += 1; word = 0 }
                out += "\n"
                continue
            }
            var cells = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if !text.hasPrefix("#"), cells.count == 10, Int(cells[0]) != nil, sentence < tags.count, word < tags[sentence].count {
                cells[3] = tags[sentence][word]
                word += 1
            }
            out += cells.joined(separator: "\t") + "\n"
        }
        return out
    }
}
