import SeqCore

/// One labelled text or text pair: a GLUE sentence, an NLI premise and hypothesis.
public struct LabelledText: Sendable, Equatable {
    public var text: String
    public var pair: String?
    public var label: String
    /// Where it was read, for errors about its label.
    public var line: Int

    public init(text: String, pair: String? = nil, label: String, line: Int) {
        self.text = text
        self.pair = pair
        self.label = label
        self.line = line
    }
}

/// Readers of tab-separated classification data.
public enum TextClassificationData {
    /// GLUE TSV with a header naming the columns `sentence` and `label` (SST-2: label 0 or 1,
    /// other columns ignored). Every row needs the header's column count and a label.
    public static func glue(path: String, handler: inout BadInputHandler) throws(InputProblem) -> [LabelledText] {
        try glue(DatasetLines(path: path, what: glueExpected), handler: &handler)
    }

    static let glueExpected = "GLUE TSV with a header line 'sentence<TAB>label'"

    /// `glue(path:)` on lines already read (the fuzz target's entry).
    public static func glue(_ file: DatasetLines, handler: inout BadInputHandler) throws(InputProblem) -> [LabelledText] {
        let path = file.path, expected = glueExpected
        let rows = try table(file, expected: expected, handler: &handler)
        guard let s = rows.header.firstIndex(of: "sentence"), let l = rows.header.firstIndex(of: "label") else {
            throw InputProblem(file: path, line: 1, message: "the header has no 'sentence' and 'label' columns; expected \(expected)")
        }
        var out: [LabelledText] = []
        for (line, cells) in rows.rows {
            let label = cells[l].trimmingCharacters(in: .whitespaces)
            if label.isEmpty {
                try handler.reject(InputProblem(file: path, line: line, message: "the label is missing; expected \(expected)"))
                continue
            }
            out.append(LabelledText(text: cells[s], label: label, line: line))
        }
        try refuseEmpty(out, path: path, handler: handler, expected: expected)
        return out
    }

    /// Sentence pairs with a 3-way label (lower-cased: entailment, neutral, contradiction):
    /// the SICK release (header with `sentence_A`, `sentence_B`, `entailment_label`), a TSV
    /// with a header naming `premise`, `hypothesis`, `label`, or a headerless TSV of
    /// exactly premise<TAB>hypothesis<TAB>label.
    public static func pairs(path: String, handler: inout BadInputHandler) throws(InputProblem) -> [LabelledText] {
        try pairs(DatasetLines(path: path, what: pairsExpected), handler: &handler)
    }

    static let pairsExpected = "SICK TSV (sentence_A, sentence_B, entailment_label columns) or premise<TAB>hypothesis<TAB>label"

    /// `pairs(path:)` on lines already read (the fuzz target's entry).
    public static func pairs(_ file: DatasetLines, handler: inout BadInputHandler) throws(InputProblem) -> [LabelledText] {
        let path = file.path, expected = pairsExpected
        let rows = try table(file, expected: expected, handler: &handler, headerless: { $0.count == 3 && !$0.contains("premise") })
        let columns: (Int, Int, Int)
        if let a = rows.header.firstIndex(of: "sentence_A"), let b = rows.header.firstIndex(of: "sentence_B"),
           let l = rows.header.firstIndex(of: "entailment_label") {
            columns = (a, b, l)
        } else if let a = rows.header.firstIndex(of: "premise"), let b = rows.header.firstIndex(of: "hypothesis"),
                  let l = rows.header.firstIndex(of: "label") {
            columns = (a, b, l)
        } else if rows.headerless {
            columns = (0, 1, 2)
        } else {
            throw InputProblem(file: path, line: 1, message: "the header names neither sentence_A/sentence_B/entailment_label nor premise/hypothesis/label; expected \(expected)")
        }
        var out: [LabelledText] = []
        for (line, cells) in rows.rows {
            let label = cells[columns.2].trimmingCharacters(in: .whitespaces).lowercased()
            if label.isEmpty || cells[columns.0].isEmpty || cells[columns.1].isEmpty {
                try handler.reject(InputProblem(file: path, line: line, message: "a sentence or the label is missing; expected \(expected)"))
                continue
            }
            out.append(LabelledText(text: cells[columns.0], pair: cells[columns.1], label: label, line: line))
        }
        try refuseEmpty(out, path: path, handler: handler, expected: expected)
        return out
    }

    /// Skipping every row leaves nothing to train or evaluate on: an error, as a file of
    /// no rows is, rather than an empty dataset reaching the task.
    static func refuseEmpty(_ rows: [LabelledText], path: String, handler: BadInputHandler, expected: String) throws(InputProblem) {
        if rows.isEmpty {
            throw InputProblem(file: path, message: "no rows left after skipping \(handler.skipped) bad ones; expected \(expected)")
        }
    }

    struct Table {
        var header: [String]
        var headerless: Bool
        var rows: [(Int, [String])]
    }

    /// Splits lines on tabs; the first line is the header unless `headerless` says the
    /// first row is data. Blank lines are skipped; a row with another column count than
    /// the header is a bad record.
    static func table(_ file: DatasetLines, expected: String, handler: inout BadInputHandler,
                      headerless: ([String]) -> Bool = { _ in false }) throws(InputProblem) -> Table {
        let path = file.path
        let lines = file.lines.filter { !$0.text.isEmpty }
        guard let first = lines.first else { throw InputProblem(file: path, message: "the file is empty; expected \(expected)") }
        let firstCells = first.text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let noHeader = headerless(firstCells)
        var table = Table(header: firstCells.map { $0.trimmingCharacters(in: .whitespaces) }, headerless: noHeader, rows: [])
        for (number, text) in lines.dropFirst(noHeader ? 0 : 1) {
            let cells = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == firstCells.count else {
                try handler.reject(InputProblem(file: path, line: number, message: "\(cells.count) tab-separated columns where the \(noHeader ? "first line has" : "header has") \(firstCells.count); expected \(expected)"))
                continue
            }
            table.rows.append((number, cells))
        }
        if table.rows.isEmpty { throw InputProblem(file: path, message: "no data rows; expected \(expected)") }
        return table
    }
}
