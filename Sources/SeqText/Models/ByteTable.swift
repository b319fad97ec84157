/// An immutable hash table from byte strings to ids, probed with hashes the caller computes
/// incrementally (FNV-1a is prefix-incremental, so the hashes of all prefixes of a word cost
/// one pass). Keys live in one byte buffer; no per-key allocation.
public struct ByteTable: Sendable {
    public static let seed: UInt64 = 0xCBF2_9CE4_8422_2325
    @inline(__always)
    public static func step(_ h: UInt64, _ b: UInt8) -> UInt64 { (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }

    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = seed
        for b in bytes { h = step(h, b) }
        return h
    }

    private var slots: [Slot]
    private var keys: [UInt8]
    private let mask: Int
    /// The longest key, in bytes.
    public private(set) var maxKeyLength = 0
    public private(set) var count = 0

    struct Slot {
        var hash: UInt64 = 0
        var offset: UInt32 = 0
        var length: UInt32 = 0
        var id: Int32 = -1
    }

    public init(capacity: Int) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [Slot](repeating: Slot(), count: n)
        keys = []
        mask = n - 1
    }

    /// Inserts `key` (no-op if present: the first id wins).
    public mutating func insert(_ key: [UInt8], id: Int32) {
        let h = key.withUnsafeBufferPointer { Self.hash($0) }
        if key.withUnsafeBufferPointer({ lookup(hash: h, $0) }) != nil { return }
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].id >= 0 { i = (i + 1) & mask }
        slots[i] = Slot(hash: h, offset: UInt32(keys.count), length: UInt32(key.count), id: id)
        keys += key
        maxKeyLength = max(maxKeyLength, key.count)
        count += 1
    }

    @inline(__always)
    public func lookup(hash h: UInt64, _ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        slots.withUnsafeBufferPointer { sl in
            keys.withUnsafeBufferPointer { kb in
                var i = Int(truncatingIfNeeded: h) & mask
                while true {
                    let s = sl[i]
                    if s.id < 0 { return nil }
                    if s.hash == h && Int(s.length) == key.count {
                        if key.count == 0 || memcmp(kb.baseAddress! + Int(s.offset), key.baseAddress!, key.count) == 0 {
                            return s.id
                        }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    public func lookup(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { lookup(hash: Self.hash($0), $0) }
    }

    /// A copy in raw memory for hot loops (see `ByteTableView`).
    func frozen() -> FrozenByteTable { FrozenByteTable(self) }

    fileprivate var rawSlots: [Slot] { slots }
    fileprivate var rawKeys: [UInt8] { keys }
    fileprivate var rawMask: Int { mask }
}

/// A `ByteTable` copied into memory that never moves, owned by this object.
/// @unchecked Sendable: `let`s only; the memory is written in init, then read-only.
final class FrozenByteTable: @unchecked Sendable {
    let view: ByteTableView
    private let slots: UnsafeMutablePointer<ByteTable.Slot>
    private let keys: UnsafeMutablePointer<UInt8>

    init(_ t: ByteTable) {
        let s = t.rawSlots, k = t.rawKeys
        slots = .allocate(capacity: s.count)
        slots.initialize(from: s, count: s.count)
        keys = .allocate(capacity: max(1, k.count))
        keys.initialize(from: k, count: k.count)
        view = ByteTableView(slots: slots, keys: keys, mask: t.rawMask, maxKeyLength: t.maxKeyLength)
    }

    deinit { slots.deallocate(); keys.deallocate() }
}

/// Lookups over raw pointers: a trivial value, so threads sharing a table never touch a
/// reference count (atomic increments on shared cache lines stop two cores from scaling).
/// Valid while the `FrozenByteTable` that made it lives. @unchecked Sendable: it only reads
/// that table's memory, which never changes after the table is built.
struct ByteTableView: @unchecked Sendable {
    let slots: UnsafeMutablePointer<ByteTable.Slot>
    let keys: UnsafeMutablePointer<UInt8>
    let mask: Int
    let maxKeyLength: Int

    @inline(__always)
    func lookup(hash h: UInt64, _ key: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s.id < 0 { return -1 }
            if s.hash == h && Int(s.length) == count && memcmp(keys + Int(s.offset), key, count) == 0 { return s.id }
            i = (i &+ 1) & mask
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
