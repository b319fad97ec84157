import Testing
@testable import SeqText

/// The word cache starts small and grows: every word inserted is found with its pieces
/// through each doubling of the tables, up to the limit where it is cleared.
struct WordCacheTests {
    @Test func growsKeepingEveryEntryThenClearsAtTheLimit() {
        var cache = WordCache()
        defer { cache.free() }
        var out = Buffer<Int32>(capacity: 16)
        defer { out.free() }
        func word(_ k: Int) -> [UInt8] { Array("w\(k)".utf8) }
        func hash(_ w: [UInt8]) -> UInt64 { w.withUnsafeBufferPointer { ByteTable.hash($0) } | 1 }
        let n = WordCache.maxEntries   // fills the tables to the limit, through every doubling
        for k in 0..<n {
            let w = word(k), p: [Int32] = [Int32(k), Int32(k % 7), Int32(k % 5)]
            w.withUnsafeBufferPointer { wb in p.withUnsafeBufferPointer { cache.insert(wb, hash: hash(w), pieces: $0) } }
        }
        var missing = 0, wrong = 0
        for k in 0..<n {
            out.count = 0
            let w = word(k)
            if !w.withUnsafeBufferPointer({ cache.lookup($0, hash: hash(w), into: &out) }) { missing += 1; continue }
            if Array(UnsafeBufferPointer(start: out.base, count: out.count)) != [Int32(k), Int32(k % 7), Int32(k % 5)] { wrong += 1 }
        }
        #expect(missing == 0 && wrong == 0)
        // One more entry clears the full cache first: only the new word remains.
        let extra = word(n)
        extra.withUnsafeBufferPointer { wb in [Int32(9)].withUnsafeBufferPointer { cache.insert(wb, hash: hash(extra), pieces: $0) } }
        out.count = 0
        #expect(extra.withUnsafeBufferPointer { cache.lookup($0, hash: hash(extra), into: &out) } && out[0] == 9)
        let first = word(0)
        #expect(!first.withUnsafeBufferPointer { cache.lookup($0, hash: hash(first), into: &out) })
    }
}
