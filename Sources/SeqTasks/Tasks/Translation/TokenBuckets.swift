import SeqTensor

/// Batches by token count with length bucketing, as the PyTorch reference makes them:
/// pairs shuffled, stably sorted by (source length, target length), cut so that
/// sentences × max(longest source, longest target) ≤ `maxTokens`, and the batch order
/// shuffled. Each pass draws from `generator.derived(pass)`, so a pass's batches follow
/// from (seed, pass) alone and resuming needs only the pass and the batch index.
public enum TokenBuckets {
    /// `sourceLengths` and `targetLengths` count the tokens each side occupies (specials
    /// included). A pair longer than `maxTokens` forms a batch of its own.
    public static func batches(sourceLengths: [Int], targetLengths: [Int], maxTokens: Int,
                               generator: RandomGenerator, pass: Int) -> [[Int]] {
        precondition(sourceLengths.count == targetLengths.count, "one target length per source length")
        var g = generator.derived(UInt64(pass))
        var order = Array(sourceLengths.indices)
        shuffle(&order, &g)
        // Swift's sort is not stable; sorting by (lengths, shuffled position) is.
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        order.sort { a, b in
            (sourceLengths[a], targetLengths[a], rank[a]!) < (sourceLengths[b], targetLengths[b], rank[b]!)
        }
        var batches: [[Int]] = [], current: [Int] = []
        var longest = 0
        for i in order {
            let l = max(longest, sourceLengths[i], targetLengths[i])
            if !current.isEmpty && (current.count + 1) * l > maxTokens {
                batches.append(current)
                current = []
                longest = max(sourceLengths[i], targetLengths[i])
            } else {
                longest = l
            }
            current.append(i)
        }
        if !current.isEmpty { batches.append(current) }
        shuffle(&batches, &g)
        return batches
    }

    static func shuffle<T>(_ xs: inout [T], _ g: inout RandomGenerator) {
        guard xs.count > 1 else { return }
        for i in stride(from: xs.count - 1, to: 0, by: -1) { xs.swapAt(i, g.nextInt(below: i + 1)) }
    }
}
