import Foundation

/// Bad input: names the file (or stdin), the line when there is one, and what was expected.
/// Exits 1; anything already written stays written.
struct InputError: Error, CustomStringConvertible {
    var file: String
    var line: Int?
    var message: String

    var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

extension FileHandle {
    static func standardErrorWrite(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
