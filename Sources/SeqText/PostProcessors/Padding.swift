/// Padding (`padding` in tokenizer.json).
public struct Padding: Sendable, Equatable {
    /// nil: pad to the longest in the batch.
    public var length: Int?
    public var padId: Int32 = 0
    public var padTypeId: Int32 = 0
    public var padToken: String = "[PAD]"
    public var padToMultipleOf: Int? = nil
    public var left = false
    public init(length: Int? = nil, padId: Int32 = 0, padTypeId: Int32 = 0, padToken: String = "[PAD]",
                padToMultipleOf: Int? = nil, left: Bool = false) {
        self.length = length; self.padId = padId; self.padTypeId = padTypeId; self.padToken = padToken
        self.padToMultipleOf = padToMultipleOf; self.left = left
    }
}
