import Synchronization

/// How a pre-tokenizer treats one (normalized) scalar.
public enum CharClass: UInt8, Sendable {
    /// Part of a word.
    case word = 0
    /// Splits words and is dropped (whitespace).
    case space = 1
    /// A word of its own (BERT punctuation, isolated digits).
    case isolated = 2
    /// Runs of these form words apart from `.word` runs (`Whitespace`'s `[^\w\s]+`).
    case symbol = 3
}

/// A per-scalar normalizer and a class-based pre-tokenizer compiled into one table: for each
/// input scalar, the scalars it becomes and the class of each. Built once per tokenizer for
/// the Basic Multilingual Plane (one ICU call per scalar, at load); other planes are mapped
/// on demand.
// @unchecked Sendable: every field is a `let`, and the tables behind the pointers are
// written only in init, then read-only.
public final class CharMap: @unchecked Sendable {
    // Entry: bit 31 clear: one output scalar (bits 0-20) of class bits 24-25.
    //        bit 31 set: `count` (bits 0-7) outputs from `pool[start]` (bits 8-30).
    // Raw memory, immutable after init: lookups from several threads touch no reference count.
    let bmp: UnsafeMutablePointer<UInt32>
    let pool: UnsafeMutablePointer<UInt32>
    let normalizer: Normalizer?
    let classify: @Sendable (UInt32) -> CharClass

    public init(normalizer: Normalizer?, classify: @escaping @Sendable (UInt32) -> CharClass) {
        self.normalizer = normalizer
        self.classify = classify
        var bmp = [UInt32](repeating: 0, count: 0x10000)
        var pool = [UInt32]()
        for c in UInt32(0)..<0x10000 {
            if c >= 0xD800 && c < 0xE000 { bmp[Int(c)] = c | UInt32(classify(c).rawValue) << 24; continue }
            let out = Self.normalize(c, normalizer)
            if out.count == 1 {
                bmp[Int(c)] = out[0] | UInt32(classify(out[0]).rawValue) << 24
            } else {
                bmp[Int(c)] = 0x8000_0000 | UInt32(pool.count) << 8 | UInt32(out.count)
                for m in out { pool.append(m | UInt32(classify(m).rawValue) << 24) }
            }
        }
        self.bmp = .allocate(capacity: bmp.count)
        self.bmp.initialize(from: bmp, count: bmp.count)
        self.pool = .allocate(capacity: max(1, pool.count))
        self.pool.initialize(from: pool, count: pool.count)
    }

    deinit { bmp.deallocate(); pool.deallocate() }

    /// The table for this normalizer and pre-tokenizer, built once per process and shared:
    /// compiling one costs an ICU call per BMP scalar (milliseconds, ~20 ms under a
    /// sanitizer), which a program loading several tokenizers, a test suite or a fuzzer
    /// building one per input would otherwise pay each time. A few recent tables are kept.
    public static func shared(normalizer: Normalizer?, preTokenizer: PreTokenizer?,
                              classify: @escaping @Sendable (UInt32) -> CharClass) -> CharMap {
        let key = cacheKey(normalizer: normalizer, preTokenizer: preTokenizer)
        if let hit = recent.withLock({ $0.first { $0.key == key }?.map }) {
            return hit
        }
        let map = CharMap(normalizer: normalizer, classify: classify)
        recent.withLock { entries in
            entries.insert((key, map), at: 0)
            if entries.count > 8 { entries.removeLast() }
        }
        return map
    }

    static func cacheKey(normalizer: Normalizer?, preTokenizer: PreTokenizer?) -> String {
        String(reflecting: normalizer) + " " + String(reflecting: preTokenizer)
    }

    /// Keyed by the normalizer's and pre-tokenizer's descriptions (the stages were once
    /// `indirect` enums, whose boxes LeakSanitizer reported as leaked when held only here).
    private static let recent = Mutex<[(key: String, map: CharMap)]>([])

    static func normalize(_ c: UInt32, _ normalizer: Normalizer?) -> [UInt32] {
        guard let normalizer else { return [c] }
        return normalizer.map(c)
    }

    /// True when ASCII scalars map 1:1 (lowercase-like); then `asciiByte` is the mapping.
    public var asciiIsOneToOne: Bool {
        (0..<128).allSatisfy { bmp[$0] & 0x8000_0000 == 0 && bmp[$0] & 0x1F_FFFF < 0x80 }
    }

    /// Calls `body(scalar, class)` for each output scalar of `c`.
    @inline(__always)
    public func forEach(_ c: UInt32, _ body: (UInt32, CharClass) -> Void) {
        if c < 0x10000 {
            let e = bmp[Int(c)]
            if e & 0x8000_0000 == 0 {
                body(e & 0x1F_FFFF, CharClass(rawValue: UInt8((e >> 24) & 3))!)
            } else {
                let n = Int(e & 0xFF), start = Int((e >> 8) & 0x7F_FFFF)
                for k in start..<start + n {
                    let p = pool[k]
                    body(p & 0x1F_FFFF, CharClass(rawValue: UInt8((p >> 24) & 3))!)
                }
            }
        } else {
            for m in Self.normalize(c, normalizer) { body(m, classify(m)) }
        }
    }

    /// The raw entry of an ASCII byte: output byte (or nil if dropped/expanded) and class.
    @inline(__always)
    func asciiEntry(_ b: UInt8) -> UInt32 { bmp[Int(b)] }
}
