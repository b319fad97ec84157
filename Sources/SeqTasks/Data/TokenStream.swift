import SeqText

/// Where a token stream stands: the byte offset of the current line, the index of the next
/// token within that line's tokens (its ids followed by the separator), and how many times
/// the stream has wrapped around the corpus. Three integers: exact resume.
public struct StreamPosition: Codable, Equatable, Sendable {
    public var offset: Int
    public var tokenIndex: Int
    public var pass: Int

    public init(offset: Int = 0, tokenIndex: Int = 0, pass: Int = 0) {
        self.offset = offset
        self.tokenIndex = tokenIndex
        self.pass = pass
    }
}

/// The corpus as an endless stream of token ids: each non-empty line's ids (no special
/// tokens) followed by `separator`, lines that give no token skipped, wrapping around to
/// `start` at the end of the file, as the reference `bert_mlm_train.py` joins paragraphs
/// with [SEP]. Tokenization is lazy, one line at a time, so memory is one line's tokens.
public final class TokenStream {
    public let file: CorpusFile
    public let separator: Int32
    /// Where the stream restarts at the end of the file (after a held-out slice, say).
    public let start: StreamPosition
    /// Whether the stream wraps at the end of the file (false: it ends).
    public let wraps: Bool
    public private(set) var position: StreamPosition
    let encoder: LineEncoder
    /// Tokens of the line at `position.offset` (ids + separator), valid when `lineLoaded`.
    private var lineIDs: [Int32] = []
    private var lineLoaded = false
    private var nextLineOffset = 0
    /// Tokens produced since the stream last wrapped: a pass with none means no text at all.
    private var tokensThisPass = 0
    private var hasWrapped = false
    private let beganAtStart: Bool

    public init(file: CorpusFile, tokenizer: Tokenizer, separator: Int32, start: StreamPosition = StreamPosition(),
                position: StreamPosition? = nil, wraps: Bool = true) {
        self.file = file
        self.separator = separator
        self.start = start
        self.wraps = wraps
        self.position = position ?? start
        beganAtStart = self.position == start
        encoder = tokenizer.makeLineEncoder()
    }

    /// Appends the next `count` ids to `out`; returns how many it could append (fewer only
    /// when the stream does not wrap and the file ends).
    @discardableResult
    public func read(_ count: Int, into out: inout [Int32]) throws(CorpusError) -> Int {
        var needed = count
        while needed > 0 {
            if !lineLoaded { guard try load() else { break } }
            let available = lineIDs.count - position.tokenIndex
            if available <= 0 {
                position.offset = nextLineOffset
                position.tokenIndex = 0
                lineLoaded = false
                continue
            }
            let n = min(available, needed)
            out.append(contentsOf: lineIDs[position.tokenIndex..<(position.tokenIndex + n)])
            position.tokenIndex += n
            needed -= n
            tokensThisPass += n
        }
        return count - needed
    }

    /// Tokenizes the line at `position.offset`, wrapping at the end of the file; false when
    /// the stream has ended.
    private func load() throws(CorpusError) -> Bool {
        while true {
            if let (bytes, next) = try file.line(at: position.offset) {
                encoder.encode(bytes, addSpecialTokens: false)
                lineIDs.removeAll(keepingCapacity: true)
                if encoder.count > 0 {
                    lineIDs.append(contentsOf: encoder.ids)
                    lineIDs.append(separator)
                }
                nextLineOffset = next
                lineLoaded = true
                return true
            }
            guard wraps else { return false }
            if tokensThisPass == 0 && (hasWrapped || beganAtStart) {
                throw CorpusError(path: file.path, message: "the corpus holds no text to train on (only empty lines or nothing at all)")
            }
            tokensThisPass = 0
            hasWrapped = true
            position = StreamPosition(offset: start.offset, tokenIndex: start.tokenIndex, pass: position.pass + 1)
        }
    }
}
