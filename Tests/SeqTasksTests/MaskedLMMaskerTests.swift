import Foundation
import Testing
import SeqModels
import SeqTasks
import SeqTensor

struct MaskedLMMaskerTests {
    static let V = 1000
    static var special: [Bool] { (0..<V).map { $0 < 4 } }   // 0 pad, 1 unk?, 2 cls, 3 sep: 0, 2, 3 special here
    static func masker(wholeWord: Bool = false, continuation: [Bool]? = nil) throws -> MaskedLMMasker {
        var special = [Bool](repeating: false, count: V)
        special[0] = true; special[2] = true; special[3] = true
        return try MaskedLMMasker(maskID: 4, vocabularySize: V, special: special,
                                  continuation: continuation ?? [Bool](repeating: false, count: V), wholeWord: wholeWord)
    }

    /// 200 rows of 128: 15% chosen, of those 80% [MASK], 10% random, 10% kept, within
    /// 4 standard deviations; specials and padding never chosen; targets are the originals.
    @Test func statisticsAndSpecialTokenSafety() throws {
        let B = 200, T = 128
        var ids: [Int32] = [], mask: [Int32] = []
        var g0 = RandomGenerator(seed: 3)
        for _ in 0..<B {
            var row: [Int32] = [2]
            for t in 1..<(T - 1) { row.append(t % 40 == 0 ? 3 : Int32(10 + g0.nextInt(below: Self.V - 10))) }
            row.append(3)
            // the last 8 positions of each row are padding
            for t in (T - 8)..<T { row[t] = 0 }
            ids += row
            mask += [Int32](repeating: 1, count: T - 8) + [Int32](repeating: 0, count: 8)
        }
        let batch = BertBatch(ids: ids, attentionMask: mask, batchSize: B, length: T)
        var g = RandomGenerator(seed: 11)
        let out = try Self.masker().mask(batch, generator: &g)
        let candidates = zip(ids, mask).filter { $0.1 == 1 && ![0, 2, 3].contains($0.0) }.count
        let n = out.maskedPositions.count
        let p = Double(n) / Double(candidates)
        #expect(abs(p - 0.15) < 4 * (0.15 * 0.85 / Double(candidates)).squareRoot())
        var masked = 0, kept = 0, random = 0
        for (pos, target) in zip(out.maskedPositions, out.maskedTargets) {
            let i = Int(pos)
            #expect(target == ids[i])
            #expect(mask[i] == 1 && ![0, 2, 3].contains(ids[i]))
            let now = out.input.ids[i]
            if now == 4 { masked += 1 } else if now == ids[i] { kept += 1 } else { random += 1 }
        }
        let sd = (0.1 * 0.9 / Double(n)).squareRoot()
        #expect(abs(Double(masked) / Double(n) - 0.8) < 4 * (0.8 * 0.2 / Double(n)).squareRoot())
        #expect(abs(Double(random) / Double(n) - 0.1) < 4 * sd + 0.002)
        #expect(abs(Double(kept) / Double(n) - 0.1) < 4 * sd + 0.002)
        // Unchosen positions are untouched, positions increase.
        let chosen = Set(out.maskedPositions.map(Int.init))
        for i in 0..<ids.count where !chosen.contains(i) { #expect(out.input.ids[i] == ids[i]) }
        #expect(out.maskedPositions == out.maskedPositions.sorted())
        // Same generator state, same masks (dynamic masking is reproducible).
        var g2 = RandomGenerator(seed: 11)
        let again = try Self.masker().mask(batch, generator: &g2)
        #expect(again.maskedPositions == out.maskedPositions && again.input.ids == out.input.ids)
        #expect(g2 == g)
    }

    /// Whole-word masking chooses every piece of a word or none of it.
    @Test func wholeWordMasksAllPieces() throws {
        var continuation = [Bool](repeating: false, count: Self.V)
        for id in 500..<1000 { continuation[id] = true }   // ids ≥ 500 continue a word
        let T = 64, B = 100
        var ids: [Int32] = []
        var g0 = RandomGenerator(seed: 5)
        for _ in 0..<B {
            var row: [Int32] = [2]
            while row.count < T - 1 {
                row.append(Int32(10 + g0.nextInt(below: 490)))
                for _ in 0..<g0.nextInt(below: 3) where row.count < T - 1 { row.append(Int32(500 + g0.nextInt(below: 500))) }
            }
            row.append(3)
            ids += row
        }
        var g = RandomGenerator(seed: 9)
        let out = try Self.masker(wholeWord: true, continuation: continuation).mask(BertBatch(ids: ids, batchSize: B, length: T), generator: &g)
        let chosen = Set(out.maskedPositions.map(Int.init))
        for i in 0..<ids.count where chosen.contains(i) {
            // the piece before a chosen continuation piece is chosen too; the piece after a
            // chosen one is chosen when it continues the word
            if ids[i] >= 500 { #expect(chosen.contains(i - 1)) }
            if i + 1 < ids.count && ids[i + 1] >= 500 && (i + 1) % T != 0 { #expect(chosen.contains(i + 1)) }
        }
        #expect(out.maskedPositions.count > 0)
    }

    /// A batch where chance chooses nothing still gets one masked position.
    @Test func atLeastOnePosition() throws {
        let m = try Self.masker()
        var g = RandomGenerator(seed: 1)
        for _ in 0..<50 {
            let out = m.mask(BertBatch(ids: [2, 77, 3], batchSize: 1, length: 3), generator: &g)
            #expect(out.maskedPositions == [1] && out.maskedTargets == [77])
        }
    }
}
