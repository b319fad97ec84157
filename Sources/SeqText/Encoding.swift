/// The output of `Tokenizer.encode`: ids and, aligned with them, token strings, type ids,
/// offsets into the original text (in Unicode scalars, as Python reports them), masks.
public struct Encoding: Sendable, Equatable {
    public var ids: [Int32] = []
    public var tokens: [String] = []
    public var typeIds: [Int32] = []
    /// (start, end) in Unicode scalars of the input the token belongs to; (0, 0) for special
    /// tokens added by post-processing.
    public var offsets: [Offset] = []
    public var specialTokensMask: [Int32] = []
    public var attentionMask: [Int32] = []
    /// Which input (0 first, 1 second) each token came from; nil for added special tokens.
    public var sequenceIds: [Int?] = []
    /// Windows past truncation (with stride), each a full encoding.
    public var overflowing: [Encoding] = []

    public struct Offset: Sendable, Equatable, Hashable, CustomStringConvertible {
        public var start: Int
        public var end: Int
        public init(_ start: Int, _ end: Int) { self.start = start; self.end = end }
        public var description: String { "\(start)-\(end)" }
    }

    public init() {}

    public var count: Int { ids.count }

    mutating func append(id: Int32, token: String, typeId: Int32, offset: Offset, special: Bool, sequence: Int?) {
        ids.append(id); tokens.append(token); typeIds.append(typeId); offsets.append(offset)
        specialTokensMask.append(special ? 1 : 0); attentionMask.append(1); sequenceIds.append(sequence)
    }

    func slice(_ r: Range<Int>) -> Encoding {
        var e = Encoding()
        e.ids = Array(ids[r]); e.tokens = Array(tokens[r]); e.typeIds = Array(typeIds[r])
        e.offsets = Array(offsets[r]); e.specialTokensMask = Array(specialTokensMask[r])
        e.attentionMask = Array(attentionMask[r]); e.sequenceIds = Array(sequenceIds[r])
        return e
    }
}
