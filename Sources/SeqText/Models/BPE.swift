/// Byte-pair encoding (Sennrich et al. 2016; GPT-2's byte-level variant): a word starts as
/// its characters (bytes for byte-level vocabularies) and the ranked merges are applied
/// lowest rank first (leftmost among equals) until none applies. Unknown characters become
/// `<0xXX>` byte tokens with `byteFallback`, else the unknown token (consecutive ones fused
/// when `fuseUnknown`). BPE-dropout (Provilkov et al. 2020) skips each candidate merge with
/// probability `dropout` (0, the default, is plain BPE), as Hugging Face's `dropout`. The
/// random stream is seeded and restarts with each encoder (each `encode` call, each thread
/// of a batch): the same text and seed give the same pieces, so vary `dropoutSeed` (per
/// epoch, say) for fresh segmentations.
public struct BPE: Sendable {
    public let vocabulary: Vocabulary
    /// Ranked merges as token pairs.
    public let merges: [(String, String)]
    public let unknownToken: String?
    public let byteFallback: Bool
    public let fuseUnknown: Bool
    /// Vocabulary written in GPT-2's byte ↔ character table (tokens stand for raw bytes).
    public let byteLevel: Bool
    public let continuingSubwordPrefix: String?
    public let endOfWordSuffix: String?

    /// Raw bytes of each token → id.
    let table: ByteTable
    /// (left id << 32 | right id) → (rank << 32 | merged id)
    let unknownId: Int32?
    /// The tables in raw memory for the encoders' hot loop.
    let frozen: FrozenBPE

    public enum Error: Swift.Error, CustomStringConvertible {
        case badMerge(Int, String)
        case badDropout(Float)
        public var description: String {
            switch self {
            case .badMerge(let i, let m): "merge \(i + 1) (\(m)) names a token that is not in the vocabulary"
            case .badDropout(let p): "dropout must be between 0 and 1, got \(p)"
            }
        }
    }

    public init(vocabulary: Vocabulary, merges: [(String, String)], unknownToken: String? = nil, byteFallback: Bool = false,
                fuseUnknown: Bool = false, byteLevel: Bool = false, continuingSubwordPrefix: String? = nil,
                endOfWordSuffix: String? = nil, dropout: Float = 0, dropoutSeed: UInt64 = 0) throws {
        self.vocabulary = vocabulary
        self.merges = merges
        self.unknownToken = unknownToken
        self.byteFallback = byteFallback
        self.fuseUnknown = fuseUnknown
        self.byteLevel = byteLevel
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.endOfWordSuffix = endOfWordSuffix
        var table = ByteTable(capacity: vocabulary.count)
        for (i, t) in vocabulary.tokens.enumerated() {
            let bytes = byteLevel ? (ByteLevel.bytes(ofToken: t) ?? Array(t.utf8)) : Array(t.utf8)
            table.insert(bytes, id: Int32(i))
        }
        self.table = table
        var mt = [UInt64: UInt64]()
        mt.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocabulary.id(a), let ib = vocabulary.id(b) else { throw Error.badMerge(rank, "\(a) \(b)") }
            var merged = a + b
            if let p = continuingSubwordPrefix, b.hasPrefix(p) { merged = a + b.dropFirst(p.count) }
            guard let im = vocabulary.id(merged) else { throw Error.badMerge(rank, "\(a) \(b)") }
            let key = UInt64(UInt32(bitPattern: ia)) << 32 | UInt64(UInt32(bitPattern: ib))
            if mt[key] == nil { mt[key] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: im)) }
        }
        unknownId = unknownToken.flatMap { vocabulary.id($0) }
        let byteIds = (0..<256).map { b in vocabulary.id(BPE.byteToken(UInt8(b))) ?? -1 }
        guard dropout >= 0 && dropout <= 1 else { throw Error.badDropout(dropout) }
        frozen = FrozenBPE(table: table, merges: mt, byteIds: byteIds, dropout: dropout, dropoutSeed: dropoutSeed)
    }

    /// Probability of skipping each merge (BPE-dropout); 0 = off.
    public var dropout: Float { frozen.dropout }
    public var dropoutSeed: UInt64 { frozen.dropoutSeed }

    /// The byte-fallback token of `b`: `<0x41>`.
    public static func byteToken(_ b: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "<0x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)]) + ">"
    }

    /// Scratch for `tokenize`: symbols as a linked list and a heap of candidate merges.
    struct Workspace {
        var id = Buffer<Int32>(capacity: 64)
        var start = Buffer<Int32>(capacity: 64)
        var end = Buffer<Int32>(capacity: 64)
        var next = Buffer<Int32>(capacity: 64)
        var prev = Buffer<Int32>(capacity: 64)
        var heap = Buffer<UInt64>(capacity: 64)
        /// Merges skipped by dropout, re-queued after the next merge that happens.
        var skipped = Buffer<UInt64>(capacity: 16)
        /// Position in the dropout random stream (words tokenized so far).
        var draws: UInt64 = 0
        func free() { id.free(); start.free(); end.free(); next.free(); prev.free(); heap.free(); skipped.free() }
    }

    var kernel: BPEKernel {
        BPEKernel(table: frozen.table.view, merges: frozen.merges, byteIds: frozen.byteIds,
                  unknownId: unknownId ?? -1, byteFallback: byteFallback && frozen.hasAllBytes,
                  fuseUnknown: fuseUnknown, byteLevel: byteLevel, dropout: dropout, dropoutSeed: dropoutSeed)
    }
}

/// BPE's tables in raw memory, owned here. @unchecked Sendable: all fields are `let`s and
/// the memory behind them is written only in init, then read-only.
final class FrozenBPE: @unchecked Sendable {
    let table: FrozenByteTable
    let merges: PairTable
    let byteIds: UnsafeMutablePointer<Int32>
    let hasAllBytes: Bool
    let dropout: Float
    let dropoutSeed: UInt64
    private let mergeSlots: UnsafeMutablePointer<UInt64>

    init(table: ByteTable, merges: [UInt64: UInt64], byteIds: [Int32], dropout: Float, dropoutSeed: UInt64) {
        self.dropout = dropout
        self.dropoutSeed = dropoutSeed
        self.table = table.frozen()
        var n = 16
        while n < merges.count * 2 { n <<= 1 }
        mergeSlots = .allocate(capacity: 2 * n)
        mergeSlots.initialize(repeating: UInt64.max, count: 2 * n)
        let t = PairTable(slots: mergeSlots, mask: n - 1)
        for (k, v) in merges { t.insert(k, v) }
        self.merges = t
        self.byteIds = .allocate(capacity: 256)
        self.byteIds.initialize(from: byteIds, count: 256)
        hasAllBytes = byteIds.allSatisfy { $0 >= 0 }
    }

    deinit { mergeSlots.deallocate(); byteIds.deallocate() }
}

/// Open addressing from a pair of ids (key) to rank and merged id (value); UInt64.max = empty.
/// @unchecked Sendable: `insert` runs only while `FrozenBPE.init` builds the table; shared
/// copies only `lookup`.
struct PairTable: @unchecked Sendable {
    let slots: UnsafeMutablePointer<UInt64>
    let mask: Int

    @inline(__always) static func slot(_ k: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    func insert(_ k: UInt64, _ v: UInt64) {
        var i = Self.slot(k, mask)
        while slots[2 * i] != UInt64.max && slots[2 * i] != k { i = (i + 1) & mask }
        slots[2 * i] = k
        slots[2 * i + 1] = v
    }

    @inline(__always)
    func lookup(_ k: UInt64) -> UInt64 {
        var i = Self.slot(k, mask)
        while true {
            let s = slots[2 * i]
            if s == k { return slots[2 * i + 1] }
            if s == UInt64.max { return UInt64.max }
            i = (i &+ 1) & mask
        }
    }
}

/// BPE's merge loop over raw tables (no reference counting), one word at a time.
/// @unchecked Sendable: read-only views of a `FrozenBPE`'s tables, and constants.
struct BPEKernel: @unchecked Sendable {
    let table: ByteTableView
    let merges: PairTable
    let byteIds: UnsafeMutablePointer<Int32>
    let unknownId: Int32
    let byteFallback: Bool
    let fuseUnknown: Bool
    let byteLevel: Bool
    let dropout: Float
    let dropoutSeed: UInt64

    /// Uniform [0, 1) from (seed, n): SplitMix64's finaliser, stateless.
    @inline(__always)
    static func uniform(_ seed: UInt64, _ n: UInt64) -> Float {
        var z = seed &+ (n &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) * (1.0 / 16_777_216.0)
    }

    @inline(__always)
    func merge(_ a: Int32, _ b: Int32) -> UInt64? {
        let v = merges.lookup(UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)))
        return v == UInt64.max ? nil : v
    }

    /// Tokenizes one word of UTF-8 bytes; appends (id, start byte, end byte) triples.
    func tokenize(_ word: UnsafeBufferPointer<UInt8>, workspace w: inout BPE.Workspace, pieces: inout Buffer<Int32>) {
        let n = word.count
        w.id.count = 0; w.start.count = 0; w.end.count = 0; w.next.count = 0; w.prev.count = 0; w.heap.count = 0
        // Initial symbols.
        var i = 0
        while i < n {
            let len = byteLevel ? 1 : UTF8Decoding.sequenceLength(word[i])
            let e = min(n, i + len)
            let slice = UnsafeBufferPointer(rebasing: word[i..<e])
            let id = table.lookup(hash: ByteTable.hash(slice), slice.baseAddress!, slice.count)
            if id >= 0 {
                push(&w, id, i, e)
            } else if byteFallback {
                for k in i..<e { push(&w, byteIds[Int(word[k])], k, k + 1) }
            } else if unknownId >= 0 {
                let unk = unknownId
                if fuseUnknown, w.id.count > 0, w.id[w.id.count - 1] == unk, w.end[w.id.count - 1] == Int32(i) {
                    w.end[w.id.count - 1] = Int32(e)
                } else {
                    push(&w, unk, i, e)
                }
            }
            i = e
        }
        let count = w.id.count
        for k in 0..<count { w.next.append(k + 1 < count ? Int32(k + 1) : -1); w.prev.append(Int32(k - 1)) }
        // Candidate merges: (rank << 32 | left position); validated when popped.
        for k in 0..<max(0, count - 1) {
            if let m = merge(w.id[k], w.id[k + 1]) { heapPush(&w.heap, (m >> 32) << 32 | UInt64(k)) }
        }
        w.skipped.count = 0
        while w.heap.count > 0 {
            let top = heapPop(&w.heap)
            if dropout > 0 {
                // Hugging Face's merge_all: a skipped candidate waits until some other merge
                // happens, then goes back into the queue.
                w.draws &+= 1
                if Self.uniform(dropoutSeed, w.draws) < dropout {
                    w.skipped.append(top)
                    continue
                }
                for k in 0..<w.skipped.count { heapPush(&w.heap, w.skipped[k]) }
                w.skipped.count = 0
            }
            let left = Int(top & 0xFFFF_FFFF), rank = top >> 32
            guard w.id[left] >= 0 else { continue }
            let right = Int(w.next[left])
            guard right >= 0, let m = merge(w.id[left], w.id[right]), m >> 32 == rank else { continue }
            w.id[left] = Int32(truncatingIfNeeded: m & 0xFFFF_FFFF)
            w.end[left] = w.end[right]
            w.id[right] = -1
            let after = w.next[right]
            w.next[left] = after
            if after >= 0 { w.prev[Int(after)] = Int32(left) }
            let before = w.prev[left]
            if before >= 0, let pm = merge(w.id[Int(before)], w.id[left]) { heapPush(&w.heap, (pm >> 32) << 32 | UInt64(before)) }
            if after >= 0, let nm = merge(w.id[left], w.id[Int(after)]) { heapPush(&w.heap, (nm >> 32) << 32 | UInt64(left)) }
        }
        var k = count > 0 ? 0 : -1
        while k >= 0 {
            pieces.append(w.id[k]); pieces.append(w.start[k]); pieces.append(w.end[k])
            k = Int(w.next[k])
        }
    }

    @inline(__always)
    private func push(_ w: inout BPE.Workspace, _ id: Int32, _ s: Int, _ e: Int) {
        w.id.append(id); w.start.append(Int32(s)); w.end.append(Int32(e))
    }

    private func heapPush(_ h: inout Buffer<UInt64>, _ x: UInt64) {
        h.append(x)
        var i = h.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if h[p] <= h[i] { break }
            let t = h[p]; h[p] = h[i]; h[i] = t
            i = p
        }
    }

    private func heapPop(_ h: inout Buffer<UInt64>) -> UInt64 {
        let top = h[0]
        h.count -= 1
        if h.count > 0 {
            h[0] = h[h.count]
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < h.count && h[l] < h[m] { m = l }
                if r < h.count && h[r] < h[m] { m = r }
                if m == i { break }
                let t = h[m]; h[m] = h[i]; h[i] = t
                i = m
            }
        }
        return top
    }
}

extension UTF8Decoding {
    /// Length of the UTF-8 sequence a lead byte announces (1 for stray bytes).
    @inline(__always)
    static func sequenceLength(_ b: UInt8) -> Int {
        b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
    }
}
