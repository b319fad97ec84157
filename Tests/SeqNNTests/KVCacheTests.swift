import Testing
import SeqNN
import SeqTensor
import SeqTestSupport

// The preallocated KV cache: rows after a beam reorder, cached decoding against full causal
// decoding with padding in the batch, and the bound on its length.

/// Selects rows of a [B·T] flag array.
private func rows(_ flags: [UInt8], _ picks: [Int32], length T: Int) -> [UInt8] {
    picks.flatMap { flags[(Int($0) * T)..<(Int($0) * T + T)] }
}

@Suite struct KVCacheTests {
    /// k[b, t, c] = 100·b + 10·t + c (values the negation): every row tells where it came from.
    static func step(batch B: Int, from t0: Int, count t: Int, width C: Int, rowIDs: [Int]) -> (Tensor, Tensor) {
        var k: [Float] = []
        for b in 0..<B { for t in t0..<(t0 + t) { for c in 0..<C { k.append(Float(100 * rowIDs[b] + 10 * t + c)) } } }
        return (Tensor(shape: [B, t, C], scalars: k), Tensor(shape: [B, t, C], scalars: k.map { -$0 }))
    }

    @Test func reorderMovesKeysValuesAndFlagsTogether() throws {
        let L = 6, C = 4
        let cache = KVCache(maxLength: L)
        let (k1, v1) = Self.step(batch: 3, from: 0, count: 2, width: C, rowIDs: [0, 1, 2])
        try cache.append(keys: k1, values: v1, keyValid: [1, 1, 0, 1, 1, 1])       // row 1 starts with padding
        let (k2, v2) = Self.step(batch: 3, from: 2, count: 1, width: C, rowIDs: [0, 1, 2])
        try cache.append(keys: k2, values: v2, keyValid: [1, 1, 0])                // row 2 ends with padding
        let flags: [[UInt8]] = [[1, 1, 1], [0, 1, 1], [1, 1, 0]]

        func expectRows(_ sources: [Int], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(cache.batchSize == sources.count && cache.length == 3, sourceLocation: sourceLocation)
            let keys = cache.keys!.scalars, values = cache.values!.scalars
            for (i, source) in sources.enumerated() {
                for t in 0..<3 {
                    for c in 0..<C {
                        let expected = Float(100 * source + 10 * t + c)
                        #expect(keys[(i * L + t) * C + c] == expected, "keys row \(i) t \(t)", sourceLocation: sourceLocation)
                        #expect(values[(i * L + t) * C + c] == -expected, "values row \(i) t \(t)", sourceLocation: sourceLocation)
                    }
                    #expect(cache.keyValid[i * L + t] == flags[source][t], "flag row \(i) t \(t)", sourceLocation: sourceLocation)
                }
            }
        }
        expectRows([0, 1, 2])
        cache.reorder([2, 0, 2])                 // repeats: two hypotheses extend row 2
        expectRows([2, 0, 2])
        cache.reorder([1, 2])                    // finished hypotheses leave: 3 rows → 2
        expectRows([0, 2])
        // Appending after a reorder writes after the kept prefix.
        let (k3, v3) = Self.step(batch: 2, from: 3, count: 1, width: C, rowIDs: [7, 8])
        try cache.append(keys: k3, values: v3, keyValid: [1, 0])
        #expect(cache.length == 4)
        let keys = cache.keys!.scalars
        #expect(keys[(0 * L + 3) * C] == 730 && keys[(1 * L + 3) * C] == 830)
        #expect(keys[(1 * L + 2) * C] == 220)
        #expect(cache.keyValid[0 * L + 3] == 1 && cache.keyValid[1 * L + 3] == 0 && cache.keyValid[1 * L + 2] == 0)
    }

    @Test func appendingPastTheMaximumLengthThrows() throws {
        let cache = KVCache(maxLength: 3)
        let (k, v) = Self.step(batch: 2, from: 0, count: 2, width: 4, rowIDs: [0, 1])
        try cache.append(keys: k, values: v)
        #expect(throws: KVCache.Error.full(maxLength: 3, length: 2, appending: 2)) {
            try cache.append(keys: k, values: v)
        }
        // Nothing was written: the cache still holds its two positions.
        #expect(cache.length == 2)
        let (k1, v1) = Self.step(batch: 2, from: 2, count: 1, width: 4, rowIDs: [0, 1])
        try cache.append(keys: k1, values: v1)
        #expect(cache.length == 3)
    }

    /// A decoder's self-attention stepping past its cache's maximum length stops the
    /// process with the cache's message instead of writing past the buffer.
    @Test func attentionPastTheMaximumLengthStops() async {
        await #expect(processExitsWith: .failure) {
            var g = RandomGenerator(seed: 1)
            let attention = MultiHeadAttention(width: 4, headCount: 2, generator: &g)
            let cache = KVCache(maxLength: 2)
            let x = TestTensors.normal([1, 1, 4], seed: 2)
            for _ in 0..<3 { _ = withoutGradients { attention(x, mask: .causal, cache: cache, context: .evaluation()) } }
        }
    }

    /// Step-by-step decoding through the caches equals decoding the whole target under the
    /// causal mask, with padding in the batch: a left-padded row (its real queries must
    /// not see the padding kept in the cache), a right-padded row, and padded memory.
    @Test(arguments: [NormPlacement.pre, .post]) func cachedDecodingWithPaddingEqualsFullCausal(_ norm: NormPlacement) {
        var g = RandomGenerator(seed: 30)
        let layer = TransformerDecoderLayer(width: 8, heads: 2, hidden: 16, activation: .gelu, dropout: 0, norm: norm, generator: &g)
        let B = 3, T = 5, S = 4
        let memory = TestTensors.normal([B, S, 8], seed: 31), x = TestTensors.normal([B, T, 8], seed: 32)
        let memoryMask = AttentionMask(keyValid: [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0])
        let target: [UInt8] = [1, 1, 1, 1, 1,
                               0, 0, 1, 1, 1,
                               1, 1, 1, 1, 0]
        let full = withoutGradients {
            layer(x, memory: memory, memoryMask: memoryMask, selfMask: AttentionMask.causal.addingKeyPadding(target),
                  context: .evaluation())
        }
        let cache = TransformerDecoderLayer.Cache(maxLength: T)
        var steps: [Tensor] = []
        for t in 0..<T {
            let selfMask = AttentionMask.causal.addingKeyPadding((0..<B).map { target[$0 * T + t] })
            steps.append(withoutGradients {
                layer(x.slice(axis: 1, t..<(t + 1)), memory: memory, memoryMask: memoryMask, selfMask: selfMask, cache: cache,
                      context: .evaluation())
            })
        }
        let incremental = Tensor.concatenate(steps, axis: 1)
        #expect(maxAbsDifference(full.scalars, incremental.scalars) < 1e-5)
        #expect(cache.selfAttention.length == T && cache.crossAttention.isFilled)
        // Without the cache's flags the left-padded row would differ: the flags are used.
        let unpadded = withoutGradients {
            layer(x, memory: memory, memoryMask: memoryMask, context: .evaluation())
        }
        let row1 = (1 * T * 8 + 2 * 8)..<(2 * T * 8)
        #expect(maxAbsDifference(Array(unpadded.scalars[row1]), Array(full.scalars[row1])) > 1e-3)
    }

    /// Beam search through the caches: after decoding two positions for three hypotheses,
    /// keep hypotheses [2, 0] and decode two more; the outputs equal full causal decoding of
    /// the kept hypotheses' prefixes followed by the new inputs.
    @Test func decodingAfterReorderEqualsDecodingTheChosenHypotheses() {
        var g = RandomGenerator(seed: 40)
        let layer = TransformerDecoderLayer(width: 8, heads: 2, hidden: 16, activation: .gelu, dropout: 0, norm: .pre, generator: &g)
        let S = 3, C = 8
        let memory = TestTensors.normal([3, S, C], seed: 41)
        let memoryValid: [UInt8] = [1, 1, 1, 1, 0, 0, 1, 1, 0]
        let prefix = TestTensors.normal([3, 2, C], seed: 42)
        let prefixValid: [UInt8] = [1, 1, 1, 1, 0, 1]     // hypothesis 2 starts with padding
        let continuation = TestTensors.normal([2, 2, C], seed: 43)
        let beams: [Int32] = [2, 0]

        let cache = TransformerDecoderLayer.Cache(maxLength: 4)
        for t in 0..<2 {
            _ = withoutGradients {
                layer(prefix.slice(axis: 1, t..<(t + 1)), memory: memory, memoryMask: AttentionMask(keyValid: memoryValid),
                      selfMask: AttentionMask.causal.addingKeyPadding((0..<3).map { prefixValid[$0 * 2 + t] }),
                      cache: cache, context: .evaluation())
            }
        }
        cache.reorder(beams)
        #expect(cache.selfAttention.batchSize == 2)
        var steps: [Tensor] = []
        for t in 0..<2 {
            // The memory argument is not read again: the cache holds the reordered memory.
            steps.append(withoutGradients {
                layer(continuation.slice(axis: 1, t..<(t + 1)), memory: memory, memoryMask: nil,
                      cache: cache, context: .evaluation())
            })
        }
        let incremental = Tensor.concatenate(steps, axis: 1)

        let chosen = Tensor.concatenate([prefix.indexSelect(beams), continuation], axis: 1)
        let targetValid: [UInt8] = beams.flatMap { b -> [UInt8] in Array(prefixValid[(Int(b) * 2)..<(Int(b) * 2 + 2)]) + [1, 1] }
        let full = withoutGradients {
            layer(chosen, memory: memory.indexSelect(beams), memoryMask: AttentionMask(keyValid: rows(memoryValid, beams, length: S)),
                  selfMask: AttentionMask.causal.addingKeyPadding(targetValid), context: .evaluation())
        }
        #expect(maxAbsDifference(full.slice(axis: 1, 2..<4).scalars, incremental.scalars) < 1e-5)
    }

    /// Non-autoregressive decoders pass `selfMask: nil`: every position sees the whole
    /// target, so changing the last input changes the first output (not under `.causal`).
    @Test func selfMaskIsTheCallersChoice() {
        var g = RandomGenerator(seed: 50)
        let layer = TransformerDecoderLayer(width: 8, heads: 2, hidden: 16, dropout: 0, generator: &g)
        let memory = TestTensors.normal([1, 3, 8], seed: 51)
        let x = TestTensors.normal([1, 4, 8], seed: 52)
        var changed = x.scalars
        for c in 24..<32 { changed[c] += Float(c % 3) - 1 }   // not a constant shift: layer norm would remove it
        let y = Tensor(shape: x.shape, scalars: changed)
        func first(_ input: Tensor, _ mask: AttentionMask?) -> [Float] {
            withoutGradients { Array(layer(input, memory: memory, memoryMask: nil, selfMask: mask, context: .evaluation()).scalars[0..<8]) }
        }
        #expect(first(x, .causal) == first(y, .causal))
        #expect(first(x, nil) != first(y, nil))
        #expect(first(x, AttentionMask(keyValid: [1, 1, 1, 0])) == first(y, AttentionMask(keyValid: [1, 1, 1, 0])))
    }
}
