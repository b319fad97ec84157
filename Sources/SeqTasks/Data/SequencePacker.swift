import SeqModels
import SeqText

/// Cuts a token stream into rows of `[CLS]` + `length − 2` ids + `[SEP]`, no padding: the
/// reference recipe (paragraphs joined by [SEP], rows of 128 with 126 ids in the middle).
public final class SequencePacker {
    public let stream: TokenStream
    public let cls: Int32
    public let sep: Int32
    public let length: Int

    public init(stream: TokenStream, cls: Int32, sep: Int32, length: Int) {
        precondition(length >= 3, "a packed row needs room for [CLS], one id and [SEP]")
        self.stream = stream
        self.cls = cls
        self.sep = sep
        self.length = length
    }

    /// `rows` full rows as one [rows, length] batch.
    public func nextBatch(rows: Int) throws(CorpusError) -> BertBatch {
        var ids: [Int32] = []
        ids.reserveCapacity(rows * length)
        for _ in 0..<rows {
            ids.append(cls)
            try stream.read(length - 2, into: &ids)
            ids.append(sep)
        }
        return BertBatch(ids: ids, batchSize: rows, length: length)
    }
}

/// A held-out slice of the corpus for evaluation: rows packed like training rows.
public struct HeldOutSlice: Sendable {
    /// `[CLS]` ids `[SEP]` rows; the last may be shorter.
    public var rows: [[Int32]]
    /// Where training data starts (just after the held-out tokens; 0 with a separate file).
    public var trainingStart: StreamPosition
    /// Token ids (without [CLS]/[SEP]) in the slice.
    public var tokenCount: Int { rows.reduce(0) { $0 + $1.count - 2 } }

    public init(rows: [[Int32]], trainingStart: StreamPosition) {
        self.rows = rows
        self.trainingStart = trainingStart
    }

    static func pack(_ ids: [Int32], cls: Int32, sep: Int32, length: Int) -> [[Int32]] {
        let body = length - 2
        return stride(from: 0, to: ids.count, by: body).map { [cls] + ids[$0..<min(ids.count, $0 + body)] + [sep] }
    }

    /// The first `rows` rows' worth of tokens of the corpus, held out from training — at most
    /// a tenth of the corpus, so a small corpus keeps nine tenths for training (a corpus too
    /// small for even one held-out token gets no held-out slice).
    public static func head(of file: CorpusFile, tokenizer: Tokenizer, cls: Int32, sep: Int32, length: Int, rows: Int) throws(CorpusError) -> HeldOutSlice {
        let want = rows * (length - 2)
        guard want > 0 else { return HeldOutSlice(rows: [], trainingStart: StreamPosition()) }
        var probe: [Int32] = []
        let seen = try TokenStream(file: file, tokenizer: tokenizer, separator: sep, wraps: false).read(10 * want, into: &probe)
        let take = seen >= 10 * want ? want : seen / 10
        guard take > 0 else { return HeldOutSlice(rows: [], trainingStart: StreamPosition()) }
        let stream = TokenStream(file: file, tokenizer: tokenizer, separator: sep, wraps: false)
        var ids: [Int32] = []
        try stream.read(take, into: &ids)
        return HeldOutSlice(rows: pack(ids, cls: cls, sep: sep, length: length), trainingStart: stream.position)
    }

    /// The first `rows` rows of a separate held-out file; training uses all of the corpus.
    public static func file(_ file: CorpusFile, tokenizer: Tokenizer, cls: Int32, sep: Int32, length: Int, rows: Int) throws(CorpusError) -> HeldOutSlice {
        var ids: [Int32] = []
        try TokenStream(file: file, tokenizer: tokenizer, separator: sep, wraps: false).read(rows * (length - 2), into: &ids)
        guard !ids.isEmpty else { throw CorpusError(path: file.path, message: "the held-out file holds no text") }
        return HeldOutSlice(rows: pack(ids, cls: cls, sep: sep, length: length), trainingStart: StreamPosition())
    }
}
