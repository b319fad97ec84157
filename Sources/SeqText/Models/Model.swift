/// The subword model of a tokenizer.
public enum Model: Sendable {
    case wordPiece(WordPiece)
    case bpe(BPE)

    public var vocabulary: Vocabulary {
        switch self {
        case .wordPiece(let m): m.vocabulary
        case .bpe(let m): m.vocabulary
        }
    }
}
