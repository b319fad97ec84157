/// The rows of a global batch that one data-parallel rank computes: rows
/// `offset ..< offset + count` of `globalCount`. Random draws that depend on the batch
/// (dropout, attention dropout) are keyed by global row, so global row g gets the same
/// mask whether one process computes the whole batch or a rank computes a slice of it.
public struct RowSlice: Sendable, Equatable {
    /// The first global row of this slice.
    public var offset: Int
    /// Rows in this slice: the leading dimension of the tensors it describes.
    public var count: Int
    /// Rows in the global batch.
    public var globalCount: Int

    public init(offset: Int, count: Int, globalCount: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= globalCount,
                     "row slice \(offset)..<\(offset + count) is not inside a batch of \(globalCount) rows")
        self.offset = offset
        self.count = count
        self.globalCount = globalCount
    }

    /// The whole batch of `count` rows (what nil means to the kernels).
    public static func whole(_ count: Int) -> RowSlice { RowSlice(offset: 0, count: count, globalCount: count) }
}
