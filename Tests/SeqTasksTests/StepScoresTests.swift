import Foundation
import Testing
import SeqCore
import SeqTensor
@testable import SeqTasks

/// The vectorised and row-parallel step scores against plain scalar definitions: top-k
/// (ties to the lower index, −∞ never chosen, fewer than k finite logits), first argmax,
/// log Σ exp in double precision, on rows whose lengths are not multiples of 16, and the
/// batched forms on enough rows to be split over threads.
struct StepScoresTests {
    static func rows(_ count: Int, _ V: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count * V).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Int(state >> 40) % 1000
            // Few distinct values (ties), some −∞, a wide range.
            if r < 30 { return -.infinity }
            return Float(r % 97) / 7 - 6
        }
    }

    static func naiveTop(_ row: [Float], _ k: Int) -> [(value: Float, index: Int32)] {
        let finite = row.enumerated().filter { $0.element > -.infinity }
        let sorted = finite.sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
        return sorted.prefix(k).map { ($0.element, Int32($0.offset)) }
    }

    @Test(arguments: [1, 15, 16, 17, 100, 8000])
    func singleRowsMatchTheScalarDefinitions(_ V: Int) {
        for seed in UInt64(1)...6 {
            var row = Self.rows(1, V, seed: seed)
            if seed == 6 { row = [Float](repeating: -.infinity, count: V) }
            row.withUnsafeBufferPointer { p in
                let base = p.baseAddress!
                for k in [1, 3, 10] {
                    let got = StepScores.top(base, V, k), want = Self.naiveTop(row, k)
                    #expect(got.map(\.index) == want.map(\.index), "V \(V) seed \(seed) k \(k)")
                    #expect(got.map(\.value) == want.map(\.value))
                }
                var firstMax = 0
                for v in 1..<V where row[v] > row[firstMax] { firstMax = v }
                #expect(StepScores.argmax(base, V) == Int32(firstMax), "V \(V) seed \(seed)")
                let m = row.max()!
                if m == -.infinity {
                    #expect(StepScores.logSumExp(base, V) == -.infinity)
                } else {
                    let lse = Double(m) + log(row.reduce(0.0) { $0 + exp(Double($1) - Double(m)) })
                    #expect(abs(Double(StepScores.logSumExp(base, V)) - lse) < 1e-5 * max(1, abs(lse)), "V \(V) seed \(seed)")
                }
            }
        }
    }

    @Test func batchedRowsEqualRowByRow() {
        let R = 40, V = 3000, width = 10
        for forbidEOS in [false, true] {
            var a = Self.rows(R, V, seed: 9), b = a
            let c = a.withUnsafeMutableBufferPointer { StepScores.candidates($0.baseAddress!, rows: R, V, forbidEOS: forbidEOS, width: width) }
            let best = b.withUnsafeMutableBufferPointer { StepScores.argmaxRows($0.baseAddress!, rows: R, V, forbidEOS: forbidEOS) }
            #expect(a == b)
            for r in 0..<R {
                var row = Array(a[(r * V)..<((r + 1) * V)])
                row.withUnsafeMutableBufferPointer { p in
                    let want = StepScores.top(p.baseAddress!, V, width)
                    #expect(c.top(r).map(\.index) == want.map(\.index))
                    #expect(c.logSumExp[r] == StepScores.logSumExp(p.baseAddress!, V))
                    #expect(best[r] == StepScores.argmax(p.baseAddress!, V))
                }
                #expect(row[Int(TranslationVocabulary.pad)] == -.infinity && row[Int(TranslationVocabulary.bos)] == -.infinity)
                if forbidEOS { #expect(row[Int(TranslationVocabulary.eos)] == -.infinity) }
            }
        }
    }

    /// Mask-predict's per-position choice: the best token other than <pad>, </s> and the
    /// forbidden ids, with its log-probability, as the scalar definition gives it — also
    /// when a row's overall maximum is a forbidden id.
    @Test func natPredictionsSkipForbiddenTokens() {
        let R = 37, V = 300
        var values = Self.rows(R, V, seed: 21).map { $0 == -.infinity ? Float(-3) : $0 }
        let forbidden: [Int32] = [5, 7]
        for r in stride(from: 0, to: R, by: 3) { values[r * V + [Int(TranslationVocabulary.eos), 5, 7][r % 3]] = 50 }
        let logits = Tensor(shape: [R, V], scalars: values)
        let got = NATStart.predictions(logits, forbidden: forbidden)
        for r in 0..<R {
            let row = Array(values[(r * V)..<((r + 1) * V)])
            var best = -1
            for j in 0..<V where ![Int(TranslationVocabulary.pad), Int(TranslationVocabulary.eos), 5, 7].contains(j) {
                if best < 0 || row[j] > row[best] { best = j }
            }
            let m = Double(row.max()!)
            let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
            #expect(got[r].token == Int32(best), "row \(r)")
            #expect(abs(Double(got[r].logProb) - (Double(row[best]) - lse)) < 1e-4, "row \(r)")
        }
    }
}
