/// Counts byte strings (words) in an open-addressing table whose keys live in one arena:
/// no allocation per word. One per thread; `merge(_:)` adds another's counts.
struct WordCounter {
    private var hashes: [UInt64]
    private var offsets: [UInt32]
    private var lengths: [UInt32]
    private var counts: [Int]
    private var arena: [UInt8] = []
    private(set) var count = 0
    private var mask: Int

    init(capacity: Int = 1 << 16) {
        var n = 16
        while n < capacity { n <<= 1 }
        hashes = [UInt64](repeating: 0, count: n)
        offsets = [UInt32](repeating: 0, count: n)
        lengths = [UInt32](repeating: 0, count: n)
        counts = [Int](repeating: 0, count: n)
        mask = n - 1
    }

    mutating func add(_ word: UnsafeBufferPointer<UInt8>, _ n: Int = 1) {
        let h = ByteTable.hash(word) | 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let sh = hashes[i]
            if sh == 0 { break }
            if sh == h && Int(lengths[i]) == word.count {
                let same = arena.withUnsafeBufferPointer { a in
                    word.count == 0 || memcmp(a.baseAddress! + Int(offsets[i]), word.baseAddress!, word.count) == 0
                }
                if same { counts[i] += n; return }
            }
            i = (i + 1) & mask
        }
        hashes[i] = h
        offsets[i] = UInt32(arena.count)
        lengths[i] = UInt32(word.count)
        counts[i] = n
        arena.append(contentsOf: word)
        count += 1
        if count * 2 > mask { grow() }
    }

    private mutating func grow() {
        let old = (hashes, offsets, lengths, counts)
        let n = (mask + 1) * 2
        hashes = [UInt64](repeating: 0, count: n)
        offsets = [UInt32](repeating: 0, count: n)
        lengths = [UInt32](repeating: 0, count: n)
        counts = [Int](repeating: 0, count: n)
        mask = n - 1
        for k in 0..<old.0.count where old.0[k] != 0 {
            var i = Int(truncatingIfNeeded: old.0[k]) & mask
            while hashes[i] != 0 { i = (i + 1) & mask }
            hashes[i] = old.0[k]; offsets[i] = old.1[k]; lengths[i] = old.2[k]; counts[i] = old.3[k]
        }
    }

    mutating func merge(_ other: WordCounter) {
        other.forEach { w, c in add(w, c) }
    }

    func forEach(_ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        arena.withUnsafeBufferPointer { a in
            for k in 0..<hashes.count where hashes[k] != 0 {
                body(UnsafeBufferPointer(start: a.baseAddress! + Int(offsets[k]), count: Int(lengths[k])), counts[k])
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
