import Dispatch
import Foundation
import SeqCore

/// Counts the words of a corpus as a tokenizer's normalizer and pre-tokenizer see them,
/// streaming the file in chunks over several threads: memory is bounded by the word
/// statistics, not by the corpus.
public struct CorpusWords {
    /// Distinct words (UTF-8) sorted bytewise, and their counts.
    public var words: [[UInt8]] = []
    public var counts: [Int] = []

    public static func count(fd: Int32, tokenizer: Tokenizer, threads: Int = ThreadCount.current) throws -> CorpusWords {
        let t = max(1, threads)
        let encoders = (0..<t).map { _ in tokenizer.makeLineEncoder() }
        let counters = UnsafeMutablePointer<WordCounter>.allocate(capacity: t)
        counters.initialize(repeating: WordCounter(), count: t)
        defer { counters.deinitialize(count: t); counters.deallocate() }
        let stream = LineStream(fd: fd)
        try encoders.withUnsafeBufferPointer { encodersBuf in
            // Worker g uses only counters[g] and encoders[g]; the batch's bytes are read only.
            let shared = SendablePointer(counters), encoders = SendablePointer(encodersBuf)
            try stream.forEachBatch { buf, lines in
                let groups = t == 1 || lines.count < 64 ? 1 : t
                let base = buf.baseAddress.map { SendablePointer($0) }, byteCount = buf.count
                DispatchQueue.concurrentPerform(iterations: groups) { g in
                    let lo = lines.count * g / groups, hi = lines.count * (g + 1) / groups
                    let enc = encoders.p[g]
                    let text = UnsafeBufferPointer(start: base?.p, count: byteCount)
                    for r in lines[lo..<hi] {
                        enc.forEachWord(UnsafeBufferPointer(rebasing: text[r])) { w in shared.p[g].add(w) }
                    }
                }
            }
        }
        for g in 1..<t { counters[0].merge(counters[g]) }
        var pairs = [([UInt8], Int)]()
        pairs.reserveCapacity(counters[0].count)
        counters[0].forEach { w, c in pairs.append((Array(w), c)) }
        pairs.sort { $0.0.lexicographicallyPrecedes($1.0) }
        return CorpusWords(words: pairs.map(\.0), counts: pairs.map(\.1))
    }
}

extension CorpusWords {
    /// The words of several corpora counted as one (a joint vocabulary over the source and
    /// target sides of a parallel corpus), sorted bytewise as `count` sorts them.
    public static func merged(_ parts: [CorpusWords]) -> CorpusWords {
        var totals = [[UInt8]: Int]()
        for part in parts { for (w, c) in zip(part.words, part.counts) { totals[w, default: 0] += c } }
        let sorted = totals.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        return CorpusWords(words: sorted.map(\.key), counts: sorted.map(\.value))
    }
}
