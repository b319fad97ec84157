import Foundation
import SeqCore

/// Options shared by the WordPiece and BPE trainers (Hugging Face's defaults for
/// `BertWordPieceTokenizer.train`: min frequency 2, alphabet limited to 1000 characters).
public struct TrainerOptions: Sendable {
    public var vocabularySize: Int
    public var minFrequency: Int = 2
    public var limitAlphabet: Int? = 1000
    public var specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    public var continuingSubwordPrefix = "##"
    public var threads: Int = ThreadCount.current

    public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }
}
