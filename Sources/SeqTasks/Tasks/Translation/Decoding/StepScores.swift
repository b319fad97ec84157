import Foundation
import SeqCore
import SeqTensor

/// Per-row operations on one decoding step's logits [N, V]: the tokens that may not be
/// generated (`<pad>`, `<s>`, and `</s>` when ignored), argmax, log-softmax and the best
/// few candidates, on raw buffers (a step's rows are small; no tape, no tensors).
///
/// The batched forms split the rows over the engine's threads once a step has enough of
/// them (beam 5 × 64 sentences is 320 rows × 8000 logits): done one row after another they
/// were the serial part of a step, and decoding used 1.4–1.7 of 2 cores.
enum StepScores {
    /// Masks the ids that are never generated in place.
    static func forbid(_ row: UnsafeMutablePointer<Float>, eos: Bool) {
        row[Int(TranslationVocabulary.pad)] = -.infinity
        row[Int(TranslationVocabulary.bos)] = -.infinity
        if eos { row[Int(TranslationVocabulary.eos)] = -.infinity }
    }

    static func argmax(_ row: UnsafePointer<Float>, _ V: Int) -> Int32 {
        Int32(Kernels.rowArgmax(row, count: V))
    }

    /// log Σ exp over the row (−∞ entries contribute nothing).
    static func logSumExp(_ row: UnsafePointer<Float>, _ V: Int) -> Float {
        Kernels.rowLogSumExp(row, count: V)
    }

    /// Rows per worker below which splitting a step's rows costs more than it saves
    /// (one 8000-logit row is a few microseconds).
    static func grain(_ V: Int) -> Int { max(1, (1 << 16) / max(V, 1)) }

    /// `forbid` then `argmax` on each of `rows` rows.
    static func argmaxRows(_ logits: UnsafeMutablePointer<Float>, rows: Int, _ V: Int, forbidEOS: Bool) -> [Int32] {
        var out = [Int32](repeating: 0, count: rows)
        guard rows > 0 else { return out }
        let lp = SendablePointer(logits)
        out.withUnsafeMutableBufferPointer { buf in
            let op = SendablePointer(buf)
            parallelFor(rows, grain: grain(V)) { range in
                for r in range {
                    let p = lp.p + r * V
                    forbid(p, eos: forbidEOS)
                    op.p[r] = argmax(p, V)
                }
            }
        }
        return out
    }

    /// Each row's log Σ exp and its `width` best (value, index), best first (fewer where a
    /// row has fewer finite logits), after `forbid`.
    struct Candidates {
        let width: Int
        var logSumExp: [Float]
        var values: [Float]
        var indices: [Int32]
        var counts: [Int]

        func top(_ row: Int) -> [(value: Float, index: Int32)] {
            (0..<counts[row]).map { (values[row * width + $0], indices[row * width + $0]) }
        }
    }

    static func candidates(_ logits: UnsafeMutablePointer<Float>, rows: Int, _ V: Int, forbidEOS: Bool, width: Int) -> Candidates {
        var c = Candidates(width: width, logSumExp: .init(repeating: 0, count: rows), values: .init(repeating: 0, count: rows * width),
                           indices: .init(repeating: 0, count: rows * width), counts: .init(repeating: 0, count: rows))
        guard rows > 0 else { return c }
        let lp = SendablePointer(logits)
        c.logSumExp.withUnsafeMutableBufferPointer { lse in
            c.values.withUnsafeMutableBufferPointer { values in
                c.indices.withUnsafeMutableBufferPointer { indices in
                    c.counts.withUnsafeMutableBufferPointer { counts in
                        let (lseP, vP, iP, cP) = (SendablePointer(lse), SendablePointer(values), SendablePointer(indices), SendablePointer(counts))
                        parallelFor(rows, grain: grain(V)) { range in
                            for r in range {
                                let p = lp.p + r * V
                                forbid(p, eos: forbidEOS)
                                lseP.p[r] = logSumExp(p, V)
                                let best = top(p, V, width)
                                cP.p[r] = best.count
                                for (j, b) in best.enumerated() {
                                    vP.p[r * width + j] = b.value
                                    iP.p[r * width + j] = b.index
                                }
                            }
                        }
                    }
                }
            }
        }
        return c
    }

    /// The `k` largest (value, index) of a row, best first. Ties keep the lower index first.
    /// Once `k` are held, a vector of 16 logits none of which beats the k-th is skipped
    /// whole: the scalar rule below would skip each of them.
    static func top(_ row: UnsafePointer<Float>, _ V: Int, _ k: Int) -> [(value: Float, index: Int32)] {
        var best = [(value: Float, index: Int32)]()
        guard k > 0 else { return best }
        best.reserveCapacity(k + 1)
        var floor = -Float.infinity
        func consider(_ v: Int) {
            let x = row[v]
            guard x > floor || best.count < k, x > -.infinity else { return }
            var i = best.count
            while i > 0 && best[i - 1].value < x { i -= 1 }
            best.insert((x, Int32(v)), at: i)
            if best.count > k { best.removeLast() }
            if best.count == k { floor = best[k - 1].value }
        }
        var v = 0
        while v + vecWidth <= V {
            if best.count < k || any(row.vec(v) .> Vec(repeating: floor)) {
                for j in v..<(v + vecWidth) { consider(j) }
            }
            v += vecWidth
        }
        while v < V { consider(v); v += 1 }
        return best
    }
}
