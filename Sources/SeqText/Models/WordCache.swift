/// A bounded cache from a word's bytes to its model pieces (id, start byte, end byte), one per
/// encoder thread: BPE's merge loop runs once per distinct word (tokenizers keeps such a cache
/// too). Cleared when full, so memory stays bounded.
struct WordCache {
    static let slotCount = 1 << 16
    static let maxEntries = slotCount / 2
    static let maxWordBytes = 64

    private var hashes = Buffer<UInt64>(capacity: slotCount)
    private var keyStart = Buffer<Int32>(capacity: slotCount)
    private var keyLength = Buffer<Int32>(capacity: slotCount)
    private var pieceStart = Buffer<Int32>(capacity: slotCount)
    private var pieceCount = Buffer<Int32>(capacity: slotCount)
    private var keys = Buffer<UInt8>(capacity: 1 << 20)
    private var pieces = Buffer<Int32>(capacity: 1 << 20)
    private var entries = 0

    init() {
        hashes.count = Self.slotCount
        keyStart.count = Self.slotCount; keyLength.count = Self.slotCount
        pieceStart.count = Self.slotCount; pieceCount.count = Self.slotCount
        hashes.base.initialize(repeating: 0, count: Self.slotCount)
    }

    func free() {
        hashes.free(); keyStart.free(); keyLength.free(); pieceStart.free(); pieceCount.free(); keys.free(); pieces.free()
    }

    /// Appends the cached pieces of `word` to `out`; false when not cached.
    @inline(__always)
    func lookup(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt64, into out: inout Buffer<Int32>) -> Bool {
        var i = Int(truncatingIfNeeded: h) & (Self.slotCount - 1)
        while true {
            let sh = hashes[i]
            if sh == 0 { return false }
            if sh == h && Int(keyLength[i]) == word.count
                && memcmp(keys.base + Int(keyStart[i]), word.baseAddress!, word.count) == 0 {
                let s = Int(pieceStart[i]), n = Int(pieceCount[i])
                out.reserve(out.count + n)
                (out.base + out.count).update(from: pieces.base + s, count: n)
                out.count += n
                return true
            }
            i = (i &+ 1) & (Self.slotCount - 1)
        }
    }

    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt64, pieces p: UnsafeBufferPointer<Int32>) {
        if entries >= Self.maxEntries {
            hashes.base.update(repeating: 0, count: Self.slotCount)
            keys.count = 0; pieces.count = 0; entries = 0
        }
        var i = Int(truncatingIfNeeded: h) & (Self.slotCount - 1)
        while hashes[i] != 0 { i = (i &+ 1) & (Self.slotCount - 1) }
        hashes[i] = h
        keyStart[i] = Int32(keys.count); keyLength[i] = Int32(word.count)
        keys.reserve(keys.count + word.count)
        (keys.base + keys.count).update(from: word.baseAddress!, count: word.count)
        keys.count += word.count
        pieceStart[i] = Int32(pieces.count); pieceCount[i] = Int32(p.count)
        pieces.reserve(pieces.count + p.count)
        (pieces.base + pieces.count).update(from: p.baseAddress!, count: p.count)
        pieces.count += p.count
        entries += 1
    }
}

#if canImport(Glibc)
import Glibc
#endif
