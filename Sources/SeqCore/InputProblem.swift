/// Bad input: the file (or `<stdin>`), the line when there is one, and what was expected.
/// Reads "file:line: message" (or "file: message"), the form compilers use, so that
/// editors and `grep` can jump to it.
public struct InputProblem: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        // Library messages often start with the path themselves ("DIR holds a … model"):
        // naming it once is enough.
        if message.hasPrefix(file + " ") { return "\(file): \(message.dropFirst(file.count + 1))" }
        return "\(file): \(message)"
    }
}
