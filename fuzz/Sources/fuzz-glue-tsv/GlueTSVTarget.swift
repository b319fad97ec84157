import Foundation
import FuzzReaders
import FuzzSupport
import SeqCore
import SeqTasks

/// Bytes → both tab-separated classification readers (GLUE `sentence<TAB>label`, and SICK /
/// premise-hypothesis pairs), each under refuse and skip (`ReaderPolicies`). Every row kept
/// is a line of the input, in order, whose cells hold what the row says: the text (and
/// pair) as they stand, the label trimmed (and lower-cased for pairs) and not empty.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGlueTSV(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    // The lines as the readers see them; nil when the file itself is refused (not UTF-8, a
    // huge line), in which case both readers must refuse it too.
    let file = try? DatasetLines(contents: Data(bytes), path: ReaderPolicies.path, what: "TSV")
    let text = Dictionary(uniqueKeysWithValues: (file?.lines ?? []).map { ($0.number, $0.text) })

    func checkRows(_ name: String, _ rows: [LabelledText]?, pair: Bool) {
        guard let rows else { return }
        Fuzz.require(file != nil, "\(name): rows read from a file DatasetLines refuses")
        var previous = 0
        for row in rows {
            Fuzz.require(row.line > previous, "\(name): row of line \(row.line) after line \(previous)")
            previous = row.line
            guard let line = text[row.line] else { Fuzz.require(false, "\(name): row of line \(row.line), not a line of the input"); return }
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            Fuzz.require(cells.contains(row.text), "\(name): line \(row.line) has no cell '\(row.text)'")
            Fuzz.require(!row.label.isEmpty && row.label == row.label.trimmingCharacters(in: .whitespaces),
                         "\(name): label '\(row.label)' is empty or untrimmed")
            if pair {
                Fuzz.require(!row.text.isEmpty && row.pair.map { !$0.isEmpty && cells.contains($0) } == true,
                             "\(name): line \(row.line): pair '\(row.text)' / '\(String(describing: row.pair))' empty or not cells of the line")
                Fuzz.require(cells.contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == row.label },
                             "\(name): line \(row.line) has no cell for label '\(row.label)'")
            } else {
                Fuzz.require(row.pair == nil && cells.contains { $0.trimmingCharacters(in: .whitespaces) == row.label },
                             "\(name): line \(row.line) has no cell for label '\(row.label)'")
            }
        }
    }

    let glue = ReaderPolicies.check("glue", bytes: bytes) { (h: inout BadInputHandler) throws(InputProblem) in
        try TextClassificationData.glue(DatasetLines(contents: Data(bytes), path: ReaderPolicies.path, what: "TSV"), handler: &h)
    }
    checkRows("glue refuse", glue.refused, pair: false)
    checkRows("glue skip", glue.skipped, pair: false)
    let pairs = ReaderPolicies.check("pairs", bytes: bytes) { (h: inout BadInputHandler) throws(InputProblem) in
        try TextClassificationData.pairs(DatasetLines(contents: Data(bytes), path: ReaderPolicies.path, what: "TSV"), handler: &h)
    }
    checkRows("pairs refuse", pairs.refused, pair: true)
    checkRows("pairs skip", pairs.skipped, pair: true)
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_glue_tsv_main")
public func fuzzGlueTSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, warmUp: [Array("sentence\tlabel\nok\t1\n".utf8)], fuzzGlueTSV)
}
