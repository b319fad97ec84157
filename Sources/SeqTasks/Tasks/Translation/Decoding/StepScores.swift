import Foundation
import SeqTensor

/// Per-row operations on one decoding step's logits [N, V]: the tokens that may not be
/// generated (`<pad>`, `<s>`, and `</s>` when ignored), argmax, log-softmax and the best
/// few candidates, on raw buffers (a step's rows are small; no tape, no tensors).
enum StepScores {
    /// Masks the ids that are never generated in place.
    static func forbid(_ row: UnsafeMutablePointer<Float>, eos: Bool) {
        row[Int(TranslationVocabulary.pad)] = -.infinity
        row[Int(TranslationVocabulary.bos)] = -.infinity
        if eos { row[Int(TranslationVocabulary.eos)] = -.infinity }
    }

    static func argmax(_ row: UnsafePointer<Float>, _ V: Int) -> Int32 {
        var best = 0, value = row[0]
        for v in 1..<V where row[v] > value { value = row[v]; best = v }
        return Int32(best)
    }

    /// log Σ exp over the row (−∞ entries contribute nothing).
    static func logSumExp(_ row: UnsafePointer<Float>, _ V: Int) -> Float {
        var m = -Float.infinity
        for v in 0..<V { m = max(m, row[v]) }
        guard m.isFinite else { return m }
        var s: Float = 0
        for v in 0..<V { s += Foundation.exp(row[v] - m) }
        return m + Foundation.log(s)
    }

    /// The `k` largest (value, index) of a row, best first.
    static func top(_ row: UnsafePointer<Float>, _ V: Int, _ k: Int) -> [(value: Float, index: Int32)] {
        var best = [(value: Float, index: Int32)]()
        best.reserveCapacity(k + 1)
        var floor = -Float.infinity
        for v in 0..<V {
            let x = row[v]
            guard x > floor || best.count < k, x > -.infinity else { continue }
            var i = best.count
            while i > 0 && best[i - 1].value < x { i -= 1 }
            best.insert((x, Int32(v)), at: i)
            if best.count > k { best.removeLast() }
            if best.count == k { floor = best[k - 1].value }
        }
        return best
    }
}
