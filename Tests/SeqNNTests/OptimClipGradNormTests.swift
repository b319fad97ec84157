import Testing
import SeqTensor
@testable import SeqNN

/// clipGradNorm against hand-computed values of torch.nn.utils.clip_grad_norm_'s rule:
/// total = ‖(‖g₁‖, ‖g₂‖, …)‖₂, coefficient = maxNorm / (total + 1e-6) (computed as torch
/// does, reciprocal then product), applied when < 1.
@Suite struct ClipGradNormTests {
    @Test func scalesAllGradientsByOneCoefficient() {
        let a = Parameter(Tensor(zeros: [2]))
        let b = Parameter(Tensor(zeros: [1, 1]))
        let idle = Parameter(Tensor(zeros: [3]))
        setGrad(a, [3, 4])
        setGrad(b, [12])
        let norm = clipGradNorm([a, b, idle], maxNorm: 6.5)
        #expect(norm == 13)
        let c: Float = (1 / (13 + 1e-6)) * 6.5
        #expect(a.grad?.scalars == [3 * c, 4 * c])
        #expect(b.grad?.scalars == [12 * c])
        #expect(idle.grad == nil)
    }

    @Test func leavesGradientsBelowTheLimitAlone() {
        let a = Parameter(Tensor(zeros: [2]))
        setGrad(a, [3, 4])
        #expect(clipGradNorm([a], maxNorm: 5.1) == 5)
        #expect(a.grad?.scalars == [3, 4])
        // Exactly at the limit the epsilon makes the coefficient just below 1: torch scales
        // ([3, 4] → [2.9999992847442627, 3.9999990463256836] in torch 2.15).
        #expect(clipGradNorm([a], maxNorm: 5) == 5)
        #expect(a.grad?.scalars == [2.9999992847442627, 3.9999990463256836])
    }

    @Test func noGradientsGiveZero() {
        let a = Parameter(Tensor(zeros: [2]))
        #expect(clipGradNorm([a], maxNorm: 1) == 0)
        #expect(clipGradNorm([], maxNorm: 1) == 0)
    }

    @Test func aTiedParameterCountsOnce() {
        let a = Parameter(Tensor(zeros: [2]))
        setGrad(a, [3, 4])
        #expect(clipGradNorm([a, a], maxNorm: 100) == 5)
    }

    /// 1 000 003 elements of 0.5 across many blocks and threads: norm √(n)/2.
    @Test func largeGradientsUseTheBlockedSum() {
        let n = 1_000_003
        let a = Parameter(Tensor(zeros: [n]))
        setGrad(a, Array(repeating: 0.5, count: n))
        let norm = clipGradNorm([a], maxNorm: 1)
        #expect(abs(norm - Float(Double(n).squareRoot() / 2)) <= 1e-3)
        let clipped = a.grad!.scalars
        let expected = 0.5 * ((1 / (norm + 1e-6)) * 1)
        #expect(clipped.allSatisfy { $0 == expected })
    }

    /// torch 2.15: an infinite norm gives coefficient 0 (grads [inf, 1] → [nan, 0]); a NaN
    /// norm makes every gradient NaN.
    @Test func nonFiniteNormsBehaveAsInTorch() {
        let a = Parameter(Tensor(zeros: [2]))
        setGrad(a, [.infinity, 1])
        #expect(clipGradNorm([a], maxNorm: 1) == .infinity)
        let g = a.grad!.scalars
        #expect(g[0].isNaN && g[1] == 0)
        setGrad(a, [.nan, 1])
        #expect(clipGradNorm([a], maxNorm: 1).isNaN)
        #expect(a.grad!.scalars.allSatisfy { $0.isNaN })
    }

    /// The blocked sum of squares agrees with a plain Double loop on awkward lengths.
    @Test(arguments: [1, 7, 15, 16, 17, 16_383, 16_384, 16_385, 50_001])
    func sumOfSquaresMatchesNaive(_ n: Int) {
        let x = (0..<n).map { Float(($0 * 7919) % 1000) / 500 - 1 }
        let naive = x.reduce(0.0) { $0 + Double($1 * $1) }
        let fast = x.withUnsafeBufferPointer { GradNormKernel.sumOfSquares($0) }
        #expect(abs(fast - naive) <= 1e-6 * naive + 1e-9)
    }
}
