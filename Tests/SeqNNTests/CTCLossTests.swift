import Foundation
import Testing
import SeqNN
import SeqTensor
import SeqTestSupport

// The fused CTC loss against its definition: the probability of a target is the sum over
// every path of T labels (blank included) that collapses to it (merge repeats, drop
// blanks). Small cases enumerate all V^T paths; the gradient is checked against central
// differences; a target too long for its input counts nothing.

@Suite struct CTCLossTests {
    /// −log Σ_{paths π collapsing to target} Π_t softmax(z_t)[π_t], enumerating every path.
    static func bruteForce(_ logits: [Float], T: Int, V: Int, target: [Int32], blank: Int32) -> Double {
        var logp = [Double](repeating: 0, count: T * V)
        for t in 0..<T {
            let row = logits[(t * V)..<((t + 1) * V)].map(Double.init)
            let m = row.max()!, lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            for v in 0..<V { logp[t * V + v] = row[v] - lse }
        }
        var total = 0.0
        var path = [Int](repeating: 0, count: T)
        for code in 0..<Int(pow(Double(V), Double(T))) {
            var c = code
            for t in 0..<T { path[t] = c % V; c /= V }
            var collapsed: [Int32] = [], previous = -1
            for p in path {
                if p != previous && Int32(p) != blank { collapsed.append(Int32(p)) }
                previous = p
            }
            guard collapsed == target else { continue }
            total += exp((0..<T).reduce(0.0) { $0 + logp[$1 * V + path[$1]] })
        }
        return -log(total)
    }

    /// Targets with and without repeated neighbours, inputs from barely long enough to T = 6.
    static let cases: [(T: Int, target: [Int32])] = [(1, [1]), (3, [1, 2]), (4, [2, 2]), (5, [1, 2, 1]), (6, [2, 2, 1]),
                                                     (6, [1]), (3, [2, 2]), (5, []), (6, [1, 2, 2, 1])]

    @Test func equalsTheSumOverEveryAlignment() {
        let V = 3, blank: Int32 = 0
        for (i, c) in Self.cases.enumerated() {
            let logits = TestTensors.normal([1, c.T, V], seed: UInt64(10 + i))
            let result = logits.ctcLoss(inputLengths: [c.T], targets: [c.target], blank: blank, divisor: 1)
            let expected = Self.bruteForce(logits.scalars, T: c.T, V: V, target: c.target, blank: blank)
            #expect(result.skipped == 0)
            #expect(abs(Double(result.loss.scalars[0]) - expected) < 1e-4 * max(1, expected), "T \(c.T) target \(c.target): \(result.loss.scalars[0]) vs \(expected)")
        }
    }

    /// A batch with padding: each sequence scored on its own real positions, the sum divided.
    @Test func aPaddedBatchSumsItsSequences() {
        let V = 4, T = 6, blank: Int32 = 3
        let logits = TestTensors.normal([3, T, V], seed: 5)
        let lengths = [6, 4, 2], targets: [[Int32]] = [[0, 1, 1], [2, 0], [1]]
        let result = logits.ctcLoss(inputLengths: lengths, targets: targets, blank: blank, divisor: 2)
        var expected = 0.0
        for b in 0..<3 {
            let rows = Array(logits.scalars[(b * T * V)..<((b * T + lengths[b]) * V)])
            expected += Self.bruteForce(rows, T: lengths[b], V: V, target: targets[b], blank: blank)
        }
        #expect(abs(Double(result.loss.scalars[0]) - expected / 2) < 1e-4 * expected)
        #expect(abs(result.sum - expected) < 1e-4 * expected)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let lengths = [5, 3], targets: [[Int32]] = [[1, 1, 2], [2]]
        let result = GradientCheck.run([TestTensors.normal([2, 5, 4], seed: 3)], h: 1e-2, atol: 2e-3, rtol: 2e-2) { x in
            x[0].ctcLoss(inputLengths: lengths, targets: targets, blank: 0, divisor: 3).loss
        }
        #expect(result.passed, "\(result)")
    }

    /// Padding positions and skipped sequences receive exactly zero gradient.
    @Test func tooShortInputsAreSkippedWithZeroGradient() {
        let x = TestTensors.normal([2, 3, 4], seed: 8).requiringGrad()
        // Sequence 1 needs 4 positions for [1, 1, 2] (a blank between the repeats) but has 3.
        let result = x.ctcLoss(inputLengths: [2, 3], targets: [[1], [1, 1, 2]], blank: 0)
        #expect(result.skipped == 1)
        #expect(result.loss.scalars[0].isFinite)
        result.loss.backward()
        let g = x.grad!.scalars
        #expect(g[(2 * 4)..<(3 * 4)].allSatisfy { $0 == 0 }, "a padding position of sequence 0")
        #expect(g[(3 * 4)..<(6 * 4)].allSatisfy { $0 == 0 }, "the skipped sequence")
        #expect(g[0..<(2 * 4)].contains { $0 != 0 })
        // Each real row's gradient sums to zero (softmax minus a distribution).
        for t in 0..<2 { #expect(abs(g[(t * 4)..<((t + 1) * 4)].reduce(0, +)) < 1e-5) }
    }
}
