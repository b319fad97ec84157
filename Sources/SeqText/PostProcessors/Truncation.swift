/// Truncation of long inputs (`truncation` in tokenizer.json).
public struct Truncation: Sendable, Equatable {
    public enum Strategy: String, Sendable { case longestFirst = "LongestFirst", onlyFirst = "OnlyFirst", onlySecond = "OnlySecond" }
    public var maxLength: Int
    public var strategy: Strategy = .longestFirst
    /// Tokens shared by consecutive overflowing windows.
    public var stride: Int = 0
    public init(maxLength: Int, strategy: Strategy = .longestFirst, stride: Int = 0) {
        self.maxLength = maxLength; self.strategy = strategy; self.stride = stride
    }
}
