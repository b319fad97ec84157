import Testing
@testable import SeqTensor

/// Linear layers through the transposed weight copy give the products sgemm gives (row
/// counts on both sides of the 4-row tile, a last panel narrower than 64 columns, with and
/// without bias); the copy is made once per weight and never without frozen weights on.
struct FrozenWeightsTests {
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
    }

    @Test(arguments: [9, 13, 32, 64])
    func linearMatchesSgemm(_ rows: Int) {
        for (outF, inF) in [(64, 16), (100, 33), (256, 256), (30, 7)] {
            for withBias in [false, true] {
                let x = Tensor(shape: [rows, inF], scalars: Self.values(rows * inF, seed: 1))
                let w = Tensor(shape: [outF, inF], scalars: Self.values(outF * inF, seed: 2))
                let b = withBias ? Tensor(shape: [outF], scalars: Self.values(outF, seed: 3)) : nil
                let plain = withoutGradients { Tensor.linear(x, weight: w, bias: b) }
                let frozen = FrozenWeights.withFrozenWeights { withoutGradients { Tensor.linear(x, weight: w, bias: b) } }
                let worst = zip(plain.scalars, frozen.scalars).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-5 * Float(inF), "rows \(rows) out \(outF) in \(inF) bias \(withBias): \(worst)")
            }
        }
    }

    @Test func theCopyIsMadeOnceAndOnlyWhenOn() {
        let w = Tensor(shape: [5, 3], scalars: Self.values(15, seed: 4))
        #expect(FrozenWeights.transposed(w.storage, rows: 5, cols: 3) == nil)
        FrozenWeights.withFrozenWeights {
            let t = FrozenWeights.transposed(w.storage, rows: 5, cols: 3)!
            #expect(FrozenWeights.transposed(w.storage, rows: 5, cols: 3) == t)
            let ws = w.scalars
            for r in 0..<5 { for c in 0..<3 { #expect(t[c * 5 + r] == ws[r * 3 + c]) } }
        }
    }
}
