import Foundation
import SeqCore

/// Bad input: names the file (or stdin), the line when there is one, and what was expected.
/// Exits 1; anything already written stays written. The libraries throw the same type.
typealias InputError = InputProblem

extension FileHandle {
    static func standardErrorWrite(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
