import Dispatch
import Foundation

/// Counts the words of a corpus as a tokenizer's normalizer and pre-tokenizer see them,
/// streaming the file in chunks over several threads: memory is bounded by the word
/// statistics, not by the corpus.
public struct CorpusWords {
    /// Distinct words (UTF-8) sorted bytewise, and their counts.
    public var words: [[UInt8]] = []
    public var counts: [Int] = []

    public static func count(fd: Int32, tokenizer: Tokenizer, threads: Int) throws -> CorpusWords {
        let t = max(1, threads)
        let encoders = (0..<t).map { _ in tokenizer.makeLineEncoder() }
        let counters = UnsafeMutablePointer<WordCounter>.allocate(capacity: t)
        counters.initialize(repeating: WordCounter(), count: t)
        defer { counters.deinitialize(count: t); counters.deallocate() }
        let stream = LineStream(fd: fd)
        let box = UnsafeSendable((counters, encoders))
        try stream.forEachBatch { buf, lines in
            let groups = t == 1 || lines.count < 64 ? 1 : t
            let b = UnsafeSendable(buf)
            DispatchQueue.concurrentPerform(iterations: groups) { g in
                let lo = lines.count * g / groups, hi = lines.count * (g + 1) / groups
                let enc = box.value.1[g]
                for r in lines[lo..<hi] {
                    enc.forEachWord(UnsafeBufferPointer(rebasing: b.value[r])) { w in box.value.0[g].add(w) }
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
