import SeqCore

/// What a reader does with a record it cannot use (a bad column count, a missing or unknown
/// label, an answer that is not where it says): refuse the whole file (the default: a
/// dataset with a broken row is usually a wrong file), or skip the record with a warning.
public enum BadInputPolicy: String, Sendable, CaseIterable, Codable {
    case refuse
    case skip
}

/// Applies a `BadInputPolicy`: throws the problem, or reports it and lets the reader go on.
public struct BadInputHandler {
    public var policy: BadInputPolicy
    public var warn: (InputProblem) -> Void
    public private(set) var skipped = 0

    public init(policy: BadInputPolicy = .refuse, warn: @escaping (InputProblem) -> Void = { _ in }) {
        self.policy = policy
        self.warn = warn
    }

    /// Refuses (throws) or records a skipped record.
    public mutating func reject(_ problem: InputProblem) throws(InputProblem) {
        if policy == .refuse { throw problem }
        skipped += 1
        warn(problem)
    }
}
