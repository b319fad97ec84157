import FuzzSupport
import SeqCore
import SeqTasks

/// What every dataset reader with a `BadInputPolicy` must keep, whatever the bytes:
/// - an error names the reader's file and a line inside the input (1-based) or none;
/// - refusing and skipping agree: the problem refuse mode throws is the first one skip mode
///   warns about (or, with no warning before it, the same error); when refuse mode
///   succeeds, skip mode returns exactly the same rows and skips nothing;
/// - a successful read is never empty (a dataset of no rows would reach training).
/// Returns the rows read in each mode, for the reader's own checks.
public enum ReaderPolicies {
    public static let path = "fuzz-input"

    public static func check<Row: Equatable>(_ name: String, bytes: [UInt8],
                                             _ read: (inout BadInputHandler) throws(InputProblem) -> [Row]) -> (refused: [Row]?, skipped: [Row]?) {
        let lines = lineCount(bytes)
        func named(_ p: InputProblem, _ mode: String) {
            Fuzz.require(p.file == path, "\(name) \(mode): the error names \(p.file), not the input")
            if let line = p.line {
                Fuzz.require(line >= 1 && line <= lines, "\(name) \(mode): line \(line) outside the input's \(lines) lines: \(p)")
            }
        }
        var refuse = BadInputHandler(policy: .refuse)
        var refusedRows: [Row]?, refusal: InputProblem?
        do throws(InputProblem) { refusedRows = try read(&refuse) } catch { refusal = error; named(error, "refuse") }

        var warnings: [InputProblem] = []
        var skip = BadInputHandler(policy: .skip) { warnings.append($0) }
        var skippedRows: [Row]?, failure: InputProblem?
        do throws(InputProblem) { skippedRows = try read(&skip) } catch { failure = error; named(error, "skip") }
        for w in warnings { named(w, "skip warning") }
        Fuzz.require(skip.skipped == warnings.count, "\(name): \(skip.skipped) skipped but \(warnings.count) warnings")

        if let refusedRows {
            Fuzz.require(!refusedRows.isEmpty, "\(name): refuse mode returned no rows")
            Fuzz.require(skippedRows == refusedRows && warnings.isEmpty,
                         "\(name): refuse mode read \(refusedRows.count) rows, skip mode \(skippedRows?.count ?? -1) with \(warnings.count) warnings")
        } else if let refusal {
            Fuzz.require(warnings.first == refusal || (warnings.isEmpty && failure == refusal),
                         "\(name): refuse mode threw \(refusal), skip mode warned first \(String(describing: warnings.first)) and threw \(String(describing: failure))")
        }
        if let skippedRows { Fuzz.require(!skippedRows.isEmpty, "\(name): skip mode returned no rows") }
        return (refusedRows, skippedRows)
    }

    /// Lines as the readers count them: split on "\n", a final "\n" ends the last line.
    public static func lineCount(_ bytes: [UInt8]) -> Int {
        let newlines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return newlines + (bytes.last.map { $0 != 0x0A } ?? false ? 1 : 0)
    }
}
