import SeqModels
import SeqTensor

/// One encoded training row: token ids and type ids ([CLS] … [SEP] …), and its targets —
/// the class index (sequence classification), a class per token with -100 where nothing is
/// predicted (tagging), or the start and end token of the answer (QA).
public struct FineTuningFeature: Sendable, Equatable {
    public var ids: [Int32]
    public var typeIDs: [Int32]
    public var targets: [Int32]

    public init(ids: [Int32], typeIDs: [Int32], targets: [Int32]) {
        self.ids = ids
        self.typeIDs = typeIDs
        self.targets = targets
    }
}

extension BertBatch {
    /// Pads rows to `length` (≥ each row; the longest row of the *global* batch, so every
    /// process of a data-parallel run computes at the same shape as one process would).
    public static func padding(_ rows: [FineTuningFeature], to length: Int, padID: Int32) -> BertBatch {
        var ids: [Int32] = [], types: [Int32] = [], mask: [Int32] = []
        ids.reserveCapacity(rows.count * length)
        for r in rows {
            let pad = length - r.ids.count
            ids += r.ids + [Int32](repeating: padID, count: pad)
            types += r.typeIDs + [Int32](repeating: 0, count: pad)
            mask += [Int32](repeating: 1, count: r.ids.count) + [Int32](repeating: 0, count: pad)
        }
        return BertBatch(ids: ids, typeIDs: types, attentionMask: mask, batchSize: rows.count, length: length)
    }
}

/// Where training stands in the data: passes completed and the next batch of this pass.
public struct BatchPosition: Codable, Equatable, Sendable {
    public var epoch: Int
    public var batch: Int
    public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
}

/// The global batches of each pass: rows shuffled (seeded by pass), cut into buckets of
/// `bucketBatches` batches, sorted by length within each bucket (so a batch pads little),
/// cut into batches, and the batches shuffled. A pass's batches are a function of (seed,
/// pass), so a saved `BatchPosition` resumes exactly.
public struct LengthBuckets: Sendable {
    public let lengths: [Int]
    public let batchRows: Int
    public let seed: UInt64
    public var bucketBatches = 50
    static let salt: UInt64 = 0x6275_636B_0000_0005

    public init(lengths: [Int], batchRows: Int, seed: UInt64) {
        precondition(batchRows >= 1)
        self.lengths = lengths
        self.batchRows = batchRows
        self.seed = seed
    }

    public func batches(epoch: Int) -> [[Int]] {
        var g = RandomGenerator(seed: seed ^ Self.salt).derived(UInt64(epoch))
        var order = Array(lengths.indices)
        Self.shuffle(&order, &g)
        var out: [[Int]] = []
        let bucket = batchRows * bucketBatches
        var start = 0
        while start < order.count {
            let chunk = order[start..<min(start + bucket, order.count)].sorted { (lengths[$0], $0) < (lengths[$1], $1) }
            var i = 0
            while i < chunk.count {
                out.append(Array(chunk[i..<min(i + batchRows, chunk.count)]))
                i += batchRows
            }
            start += bucket
        }
        Self.shuffle(&out, &g)
        return out
    }

    /// Fisher–Yates with the counter-based generator.
    static func shuffle<T>(_ a: inout [T], _ g: inout RandomGenerator) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, g.nextInt(below: i + 1)) }
    }
}
