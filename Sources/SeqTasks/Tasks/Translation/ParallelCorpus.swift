import Foundation
import SeqText

/// Sentence pairs as ids without specials: the source side gets `</s>` appended when
/// batched, the target `<s>` before (decoder input) and `</s>` after (prediction).
public struct ParallelCorpus: Sendable {
    public var sources: [[Int32]]
    public var targets: [[Int32]]
    /// Lines of the source file that were read (pairs longer than the limit are left out).
    public var lineCount: Int
    public var dropped: Int

    public var count: Int { sources.count }

    /// Reads two line-aligned files (invalid UTF-8 replaced), encodes both sides, and keeps
    /// the pairs whose sides fit `maxLength` tokens with their special token. Files of
    /// different line counts or no pairs at all are refused naming the file.
    public static func load(sourcePath: String, targetPath: String, vocabulary: TranslationVocabulary,
                            maxLength: Int = .max, keepAll: Bool = false) throws -> ParallelCorpus {
        let src = try TextLines.read(path: sourcePath), tgt = try TextLines.read(path: targetPath)
        guard src.count == tgt.count else {
            throw CorpusError(path: targetPath, message: "has \(tgt.count) lines but \(sourcePath) has \(src.count); expected one translation per source line")
        }
        guard !src.isEmpty else { throw CorpusError(path: sourcePath, message: "is empty; expected one sentence per line") }
        let srcEncoder = vocabulary.source.makeLineEncoder(), tgtEncoder = vocabulary.target.makeLineEncoder()
        var corpus = ParallelCorpus(sources: [], targets: [], lineCount: src.count, dropped: 0)
        for (s, t) in zip(src, tgt) {
            let a = vocabulary.encodeSource(s, encoder: srcEncoder), b = vocabulary.encodeTarget(t, encoder: tgtEncoder)
            if !keepAll && (a.count + 1 > maxLength || b.count + 1 > maxLength || a.isEmpty || b.isEmpty) {
                corpus.dropped += 1
                continue
            }
            corpus.sources.append(a)
            corpus.targets.append(b)
        }
        guard corpus.count > 0 else {
            throw CorpusError(path: sourcePath, message: "no sentence pair fits (all empty or longer than \(maxLength) tokens)")
        }
        return corpus
    }
}
