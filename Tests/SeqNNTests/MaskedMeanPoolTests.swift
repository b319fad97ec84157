import Testing
import SeqNN
import SeqTensor
import SeqTestSupport

// maskedMeanPool: a fused op written outside SeqTensor through Tensor.recording, checked
// like the engine's own ops (naive values, central differences, a failing control).

/// The same forward with a wrong pullback (divides by T instead of the real count): the
/// negative control that the gradient checker must catch.
private func corruptedMeanPool(_ x: Tensor, valid: [UInt8]) -> Tensor {
    let B = x.shape[0], T = x.shape[1], C = x.shape[2]
    let out = withoutGradients { x.detached().maskedMeanPool(valid: valid) }
    return Tensor.recording(out, from: [x]) { gOut, grads in
        guard let dx = grads[0] else { return }
        for b in 0..<B { for t in 0..<T where valid[b * T + t] != 0 { for c in 0..<C {
            dx[(b * T + t) * C + c] += gOut[b * C + c] / Float(T)
        } } }
    }
}

@Suite struct MaskedMeanPoolTests {
    static var x: Tensor { TestTensors.normal([3, 4, 5], seed: 1) }
    /// Row 0 all real, row 1 two real positions (one after a pad), row 2 none.
    static let valid: [UInt8] = [1, 1, 1, 1,  1, 0, 1, 0,  0, 0, 0, 0]

    @Test func equalsTheNaiveMean() {
        let y = Self.x.maskedMeanPool(valid: Self.valid)
        #expect(y.shape == [3, 5])
        let xs = Self.x.scalars
        for b in 0..<3 {
            let real = (0..<4).filter { Self.valid[b * 4 + $0] != 0 }
            for c in 0..<5 {
                let mean = real.isEmpty ? 0 : real.map { xs[(b * 4 + $0) * 5 + c] }.reduce(0, +) / Float(real.count)
                #expect(abs(y.scalars[b * 5 + c] - mean) < 1e-6)
            }
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        let result = GradientCheck.run([Self.x]) { $0[0].maskedMeanPool(valid: Self.valid) }
        #expect(result.passed, "\(result)")
        // An input used by two custom nodes receives the sum: the pullback accumulates.
        let other: [UInt8] = [0, 1, 0, 1,  1, 1, 1, 1,  0, 0, 1, 0]
        let twice = GradientCheck.run([Self.x]) { $0[0].maskedMeanPool(valid: Self.valid) * 2 + $0[0].maskedMeanPool(valid: other) }
        #expect(twice.passed, "\(twice)")
    }

    @Test func theCheckerCatchesAWrongPullback() {
        let result = GradientCheck.run([Self.x]) { corruptedMeanPool($0[0], valid: Self.valid) }
        #expect(!result.passed, "a pullback dividing by T instead of the real count passed: \(result)")
    }

    @Test func recordsNothingWithoutGradients() {
        let leaf = Self.x.requiringGrad()
        #expect(leaf.maskedMeanPool(valid: Self.valid).requiresGrad)
        #expect(!withoutGradients { leaf.maskedMeanPool(valid: Self.valid) }.requiresGrad)
        #expect(!Self.x.maskedMeanPool(valid: Self.valid).requiresGrad)
    }
}
