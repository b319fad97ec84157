/// A bounded cache from a word's bytes to its model pieces (id, start byte, end byte), one per
/// encoder thread: BPE's merge loop runs once per distinct word (tokenizers keeps such a cache
/// too). Cleared when full, so memory stays bounded.
struct WordCache {
    static let slotCount = 1 << 16
    static let maxEntries = slotCount / 2
    static let maxWordBytes = 64
    /// Tables start this small and double (up to `slotCount`) as entries arrive: a line
    /// encoder is made per `Tokenizer.encode` call, and allocating the full 6.5 MB (and
    /// zeroing 512 KB of it) for each call dominated encoding one short text — 16 to 50%
    /// of a fuzz target's time, and a cost every per-sentence caller paid.
    static let initialSlots = 256

    private var slots = initialSlots
    private var hashes = Buffer<UInt64>(capacity: initialSlots)
    private var keyStart = Buffer<Int32>(capacity: initialSlots)
    private var keyLength = Buffer<Int32>(capacity: initialSlots)
    private var pieceStart = Buffer<Int32>(capacity: initialSlots)
    private var pieceCount = Buffer<Int32>(capacity: initialSlots)
    private var keys = Buffer<UInt8>(capacity: 1024)
    private var pieces = Buffer<Int32>(capacity: 1024)
    private var entries = 0

    init() {
        hashes.count = slots
        keyStart.count = slots; keyLength.count = slots
        pieceStart.count = slots; pieceCount.count = slots
        hashes.base.initialize(repeating: 0, count: slots)
    }

    func free() {
        hashes.free(); keyStart.free(); keyLength.free(); pieceStart.free(); pieceCount.free(); keys.free(); pieces.free()
    }

    /// Doubles the tables and re-places every entry (keys and pieces stay where they are).
    @inline(never)
    private mutating func grow() {
        let old = (slots, hashes, keyStart, keyLength, pieceStart, pieceCount)
        slots *= 2
        hashes = Buffer(capacity: slots); keyStart = Buffer(capacity: slots); keyLength = Buffer(capacity: slots)
        pieceStart = Buffer(capacity: slots); pieceCount = Buffer(capacity: slots)
        hashes.count = slots; keyStart.count = slots; keyLength.count = slots; pieceStart.count = slots; pieceCount.count = slots
        hashes.base.initialize(repeating: 0, count: slots)
        for j in 0..<old.0 where old.1[j] != 0 {
            var i = Int(truncatingIfNeeded: old.1[j]) & (slots - 1)
            while hashes[i] != 0 { i = (i &+ 1) & (slots - 1) }
            hashes[i] = old.1[j]; keyStart[i] = old.2[j]; keyLength[i] = old.3[j]; pieceStart[i] = old.4[j]; pieceCount[i] = old.5[j]
        }
        old.1.free(); old.2.free(); old.3.free(); old.4.free(); old.5.free()
    }

    /// Appends the cached pieces of `word` to `out`; false when not cached.
    @inline(__always)
    func lookup(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt64, into out: inout Buffer<Int32>) -> Bool {
        var i = Int(truncatingIfNeeded: h) & (slots - 1)
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
            i = (i &+ 1) & (slots - 1)
        }
    }

    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, hash h: UInt64, pieces p: UnsafeBufferPointer<Int32>) {
        if entries >= Self.maxEntries {
            hashes.base.update(repeating: 0, count: slots)
            keys.count = 0; pieces.count = 0; entries = 0
        } else if entries >= slots / 2 {
            grow()   // at most half full: probing always finds an empty slot
        }
        var i = Int(truncatingIfNeeded: h) & (slots - 1)
        while hashes[i] != 0 { i = (i &+ 1) & (slots - 1) }
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
