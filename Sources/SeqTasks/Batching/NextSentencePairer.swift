import SeqModels
import SeqTensor
import SeqText

/// Sentence pairs for next-sentence prediction, as the original BERT builds them, but
/// streamed: lines of the current document (blank lines separate documents) are gathered
/// up to the row's budget and split at a random line into A and B; half of the time (and
/// always when the document gives one line) B is replaced by lines from a random place in
/// the corpus (label 1) and the lines not used are read again for the next row. Rows are
/// `[CLS] A [SEP] B [SEP]` with segment ids 0 then 1, padded to the longest row; pairs
/// too long are trimmed from the longer side, at its front or back at random.
///
/// The random second segment is found by seeking to a random byte of the file, so no pool
/// of past documents is kept: the whole state is the reading position and the generator.
public final class NextSentencePairer {
    public let file: CorpusFile
    let randomAccess: CorpusFile
    let encoder: LineEncoder
    public let cls: Int32, sep: Int32, pad: Int32
    public let length: Int
    public let start: StreamPosition
    public private(set) var position: StreamPosition

    public init(file: CorpusFile, tokenizer: Tokenizer, cls: Int32, sep: Int32, pad: Int32, length: Int,
                start: StreamPosition, position: StreamPosition? = nil) throws(CorpusError) {
        precondition(length >= 5, "a pair needs [CLS] A [SEP] B [SEP]")
        self.file = file
        randomAccess = try CorpusFile(path: file.path, bufferSize: 1 << 16)
        encoder = tokenizer.makeLineEncoder()
        self.cls = cls
        self.sep = sep
        self.pad = pad
        self.length = length
        // Pairs use whole lines: a held-out slice ending inside a line starts after it.
        var s = start
        if s.tokenIndex > 0, let (_, next) = try file.line(at: s.offset) { s = StreamPosition(offset: next, tokenIndex: 0, pass: s.pass) }
        self.start = s
        self.position = position ?? s
    }

    /// Tokens of the line at `offset` in `source` and the next offset, nil at the end.
    private func tokens(_ source: CorpusFile, at offset: Int) throws(CorpusError) -> (ids: [Int32], next: Int)? {
        guard let (bytes, next) = try source.line(at: offset) else { return nil }
        encoder.encode(bytes, addSpecialTokens: false)
        return (Array(encoder.ids), next)
    }

    /// The lines of one document from `position`, up to `budget` tokens (at least one line).
    private func gatherSegments(budget: Int) throws(CorpusError) -> [(ids: [Int32], offset: Int)] {
        var segments: [(ids: [Int32], offset: Int)] = []
        var total = 0
        var emptyPasses = 0
        while true {
            guard let (ids, next) = try tokens(file, at: position.offset) else {
                // End of file ends the document; wrap.
                position = StreamPosition(offset: start.offset, tokenIndex: 0, pass: position.pass + 1)
                if !segments.isEmpty { return segments }
                emptyPasses += 1
                if emptyPasses > 1 { throw CorpusError(path: file.path, message: "the corpus holds no text to train on (only empty lines or nothing at all)") }
                continue
            }
            let here = position.offset
            if ids.isEmpty {
                position.offset = next
                if !segments.isEmpty { return segments }
                continue
            }
            segments.append((ids, here))
            position.offset = next
            total += ids.count
            if total >= budget { return segments }
        }
    }

    /// Lines from a random place in the corpus, up to `budget` tokens.
    private func randomSegment(budget: Int, generator: inout RandomGenerator) throws(CorpusError) -> [Int32] {
        var out: [Int32] = []
        var offset = file.size > 0 ? generator.nextInt(below: file.size) : 0
        // Skip to the start of the next line.
        if offset > 0, let (_, next) = try randomAccess.line(at: offset - 1) { offset = next }
        var lines = 0
        while out.count < budget && lines < 1000 {
            guard let (ids, next) = try tokens(randomAccess, at: offset) else { offset = 0; lines += 1; continue }
            offset = next
            lines += 1
            if ids.isEmpty { if out.isEmpty { continue } else { break } }
            out += ids
        }
        return out
    }

    /// One `[rows, T]` batch of pairs and their labels (0: B follows A, 1: B is random).
    /// Row r draws from `generator(r)`: keyed by the row's global position, the pairs do not
    /// depend on how a batch is split among processes.
    public func nextBatch(rows: Int, generator rowGenerator: (Int) -> RandomGenerator) throws(CorpusError) -> (batch: BertBatch, labels: [Int32]) {
        let budget = length - 3
        var sequences: [[Int32]] = [], types: [[Int32]] = [], labels: [Int32] = []
        for row in 0..<rows {
            var generator = rowGenerator(row)
            let segments = try gatherSegments(budget: budget)
            let split = segments.count >= 2 ? 1 + generator.nextInt(below: segments.count - 1) : 1
            var a = segments[0..<split].flatMap(\.ids)
            var b: [Int32]
            let random = segments.count == 1 || generator.nextFloat() < 0.5
            if random {
                b = try randomSegment(budget: max(1, budget - a.count), generator: &generator)
                if split < segments.count { position.offset = segments[split].offset }   // read them again
            } else {
                b = segments[split...].flatMap(\.ids)
            }
            // A single long line can hold millions of ids: cut to the budget before trimming one by one.
            if a.count > budget { a.removeSubrange(budget...) }
            if b.count > budget { b.removeSubrange(budget...) }
            while a.count + b.count > budget {
                if a.count >= b.count {
                    if generator.nextFloat() < 0.5 { a.removeFirst() } else { a.removeLast() }
                } else {
                    if generator.nextFloat() < 0.5 { b.removeFirst() } else { b.removeLast() }
                }
            }
            sequences.append([cls] + a + [sep] + b + [sep])
            types.append([Int32](repeating: 0, count: a.count + 2) + [Int32](repeating: 1, count: b.count + 1))
            labels.append(random ? 1 : 0)
        }
        return (BertBatch.padding(sequences, typeIDs: types, padID: pad), labels)
    }
}
