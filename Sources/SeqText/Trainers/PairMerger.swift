/// The BPE training loop shared by the BPE and WordPiece trainers (tokenizers'
/// `BpeTrainer::do_train`): count adjacent symbol pairs over the words weighted by word
/// counts, then repeatedly merge the most frequent pair (ties: the smaller pair of ids) into a
/// new symbol, updating only the words that hold it, until the vocabulary is full or the best
/// pair is rarer than `minFrequency`.
struct PairMerger {
    var words: [[Int32]]
    let counts: [Int]
    var pairCounts: [UInt64: Int] = [:]
    var positions: [UInt64: [Int32]] = [:]
    var heap: [(count: Int, pair: UInt64)] = []

    init(words: [[Int32]], counts: [Int]) {
        self.words = words
        self.counts = counts
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    /// `merged(a, b)` returns the id of the new symbol (adding it to the caller's vocabulary).
    /// Returns the merges in order.
    mutating func run(maxMerges: Int, minFrequency: Int, merged: (Int32, Int32) -> Int32) -> [(Int32, Int32)] {
        pairCounts.reserveCapacity(words.count * 2)
        for (w, word) in words.enumerated() where word.count > 1 {
            let c = counts[w]
            for i in 0..<(word.count - 1) {
                let k = Self.key(word[i], word[i + 1])
                pairCounts[k, default: 0] += c
                positions[k, default: []].appendUnique(Int32(w))
            }
        }
        heap.reserveCapacity(pairCounts.count)
        for (k, c) in pairCounts where c > 0 { push(c, k) }
        var merges = [(Int32, Int32)]()
        var changed = [UInt64: Bool]()
        while merges.count < maxMerges, let top = pop() {
            let current = pairCounts[top.pair] ?? 0
            if top.count != current {
                if current > 0 { push(current, top.pair) }
                continue
            }
            if current < minFrequency { break }
            let a = Int32(truncatingIfNeeded: top.pair >> 32), b = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            let n = merged(a, b)
            merges.append((a, b))
            changed.removeAll(keepingCapacity: true)
            for w in positions[top.pair] ?? [] {
                let wi = Int(w)
                let c = counts[wi]
                var word = words[wi]
                var i = 0
                var touched = false
                while i < word.count - 1 {
                    if word[i] == a && word[i + 1] == b {
                        if i > 0 {
                            pairCounts[Self.key(word[i - 1], a), default: 0] -= c
                            let k = Self.key(word[i - 1], n)
                            pairCounts[k, default: 0] += c
                            changed[k] = true
                            positions[k, default: []].appendUnique(w)
                        }
                        if i + 2 < word.count {
                            pairCounts[Self.key(b, word[i + 2]), default: 0] -= c
                            let k = Self.key(n, word[i + 2])
                            pairCounts[k, default: 0] += c
                            changed[k] = true
                            positions[k, default: []].appendUnique(w)
                        }
                        word[i] = n
                        word.remove(at: i + 1)
                        touched = true
                    }
                    i += 1
                }
                if touched { words[wi] = word }
            }
            pairCounts[top.pair] = 0
            positions[top.pair] = nil
            for k in changed.keys {
                if let c = pairCounts[k], c > 0 { push(c, k) }
            }
        }
        return merges
    }

    /// Max-heap on count, then the smaller pair first.
    @inline(__always) static func before(_ x: (count: Int, pair: UInt64), _ y: (count: Int, pair: UInt64)) -> Bool {
        x.count != y.count ? x.count > y.count : x.pair < y.pair
    }

    mutating func push(_ count: Int, _ pair: UInt64) {
        heap.append((count, pair))
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !Self.before(heap[i], heap[p]) { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> (count: Int, pair: UInt64)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && Self.before(heap[l], heap[m]) { m = l }
                if r < heap.count && Self.before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

extension Array where Element == Int32 {
    @inline(__always) mutating func appendUnique(_ x: Int32) {
        if last != x { append(x) }
    }
}
