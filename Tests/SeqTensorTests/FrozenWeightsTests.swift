import Testing
@testable import SeqTensor

/// Linear layers through the packed weight copy give the products sgemm gives (row counts
/// through every tile: 12, 4 and single rows; last panels narrower than 32 and than 16
/// columns; with and without bias); the copy is made once per weight and never without
/// frozen weights on, and holds W in 32-column panels padded with zeros.
struct FrozenWeightsTests {
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
    }

    @Test(arguments: [9, 13, 17, 24, 32, 64, 101])
    func linearMatchesSgemm(_ rows: Int) {
        for (outF, inF) in [(64, 16), (100, 33), (256, 256), (30, 7), (40, 1), (3, 50)] {
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
        #expect(FrozenWeights.packed(w.storage, rows: 5, cols: 3) == nil)
        FrozenWeights.withFrozenWeights {
            let t = FrozenWeights.packed(w.storage, rows: 5, cols: 3)!
            #expect(FrozenWeights.packed(w.storage, rows: 5, cols: 3) == t)
            let ws = w.scalars
            // One panel: for each input k, 32 output columns, the 27 beyond W's 5 rows zero.
            for k in 0..<3 {
                for j in 0..<32 { #expect(t[k * 32 + j] == (j < 5 ? ws[j * 3 + k] : 0)) }
            }
        }
    }
}
