/// WordPiece (Schuster & Nakajima 2012; BERT): greedy longest-match-first over a word,
/// pieces after the first carry `continuingSubwordPrefix`; a word longer than
/// `maxInputCharsPerWord` scalars, or with any part not in the vocabulary, becomes the unknown
/// token as a whole (Hugging Face tokenizers' `WordPiece::tokenize`).
public struct WordPiece: Sendable {
    public let vocabulary: Vocabulary
    public let unknownToken: String
    public let unknownId: Int32
    public let continuingSubwordPrefix: String
    public let maxInputCharsPerWord: Int
    /// Whole tokens that may start a word.
    let initial: ByteTable
    /// Continuation tokens, keyed without their prefix.
    let continuation: ByteTable

    public enum Error: Swift.Error, CustomStringConvertible {
        case unknownTokenMissing(String)
        public var description: String {
            switch self { case .unknownTokenMissing(let t): "the unknown token \(t) is not in the vocabulary" }
        }
    }

    public init(vocabulary: Vocabulary, unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maxInputCharsPerWord: Int = 100) throws {
        guard let unk = vocabulary.id(unknownToken) else { throw Error.unknownTokenMissing(unknownToken) }
        self.vocabulary = vocabulary
        self.unknownToken = unknownToken
        self.unknownId = unk
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        var initial = ByteTable(capacity: vocabulary.count)
        var continuation = ByteTable(capacity: vocabulary.count)
        let prefix = Array(continuingSubwordPrefix.utf8)
        for (i, t) in vocabulary.tokens.enumerated() {
            let bytes = Array(t.utf8)
            // A token listed twice matches as the vocabulary looks it up (its last id, as HF).
            let id = vocabulary.id(t) ?? Int32(i)
            initial.insert(bytes, id: id)
            if !prefix.isEmpty && bytes.count >= prefix.count && Array(bytes[0..<prefix.count]) == prefix {
                continuation.insert(Array(bytes[prefix.count...]), id: id)
            }
        }
        self.initial = initial
        self.continuation = continuation
        frozen = (initial.frozen(), continuation.frozen())
    }

    /// The tables in raw memory for the encoders' hot loop.
    let frozen: (initial: FrozenByteTable, continuation: FrozenByteTable)

    var kernel: WordPieceKernel {
        WordPieceKernel(initial: frozen.initial.view, continuation: frozen.continuation.view,
                        unknownId: unknownId, maxInputCharsPerWord: maxInputCharsPerWord)
    }
}

/// WordPiece's greedy longest-match-first loop over raw tables (no reference counting).
/// @unchecked Sendable: two read-only table views and constants (see `ByteTableView`).
struct WordPieceKernel: @unchecked Sendable {
    let initial: ByteTableView
    let continuation: ByteTableView
    let unknownId: Int32
    let maxInputCharsPerWord: Int

    /// Tokenizes one word given as UTF-8 bytes with `charCount` scalars; appends
    /// (id, start byte, end byte) triples to `pieces`. Returns false (appending nothing) when
    /// the word is unknown: the caller emits `unknownId` over the whole word.
    @inline(__always)
    func tokenize(_ base: UnsafePointer<UInt8>, _ n: Int, charCount: Int, hashes: UnsafeMutablePointer<UInt64>,
                  pieces: inout Buffer<Int32>) -> Bool {
        if charCount > maxInputCharsPerWord { return false }
        let mark = pieces.count
        var start = 0
        while start < n {
            let table = start == 0 ? initial : continuation
            let limit = min(n, start + table.maxKeyLength)
            var h = ByteTable.seed
            var k = start
            while k < limit { h = ByteTable.step(h, base[k]); hashes[k - start] = h; k &+= 1 }
            var end = limit
            var found: Int32 = -1
            while end > start {
                if end == n || base[end] & 0xC0 != 0x80 {
                    found = table.lookup(hash: hashes[end - start - 1], base + start, end - start)
                    if found >= 0 { break }
                }
                end -= 1
            }
            if found < 0 { pieces.count = mark; return false }
            pieces.append(found); pieces.append(Int32(start)); pieces.append(Int32(end))
            start = end
        }
        return true
    }
}
