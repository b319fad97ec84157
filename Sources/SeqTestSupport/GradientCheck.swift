import SeqTensor

/// Central finite-difference gradient checks (tinygrad's gradcheck, adapted to Float32).
///
/// The scalar under test is Σ r ⊙ f(x) for a seeded random r, never Σ f(x): a plain sum
/// is blind to ops whose outputs sum to a constant (softmax, layer norm).
public enum GradientCheck {
    public struct Result: CustomStringConvertible {
        public var analytic: [[Float]]
        public var numeric: [[Float]]
        public var atol: Float
        public var rtol: Float

        /// Worst |analytic − numeric| − (atol + rtol·|numeric|); ≤ 0 means agreement.
        public var worstExcess: Float {
            var worst = -Float.infinity
            for (a, n) in zip(analytic, numeric) {
                for (x, y) in zip(a, n) { worst = max(worst, abs(x - y) - (atol + rtol * abs(y))) }
            }
            return worst
        }

        public var passed: Bool { analytic.count == numeric.count && worstExcess <= 0 }

        public var description: String {
            var lines = ["gradient check \(passed ? "passed" : "FAILED") (worst excess \(worstExcess))"]
            for (i, (a, n)) in zip(analytic, numeric).enumerated() {
                lines.append("  input \(i): analytic \(a.prefix(6)) numeric \(n.prefix(6))")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Compares the tape's gradients of Σ r ⊙ f(inputs) with central differences of step
    /// `h`. `wrt` selects the inputs to check (default: all).
    public static func run(_ inputs: [Tensor], wrt: Set<Int>? = nil, h: Float = 1e-2,
                           atol: Float = 2e-3, rtol: Float = 1e-2, seed: UInt64 = 7,
                           _ f: ([Tensor]) -> Tensor) -> Result {
        let checked = wrt ?? Set(inputs.indices)
        let leaves = inputs.enumerated().map { checked.contains($0.offset) ? $0.element.requiringGrad() : $0.element.detached() }
        let y = f(leaves)
        var generator = RandomGenerator(seed: seed)
        let r = Tensor.normal(y.shape, generator: &generator)
        (y * r).sum().backward()
        let rs = r.scalars.map(Double.init)

        func objective(_ xs: [Tensor]) -> Double {
            withoutGradients {
                zip(f(xs).scalars, rs).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            }
        }

        var analytic: [[Float]] = [], numeric: [[Float]] = []
        for i in inputs.indices.sorted() where checked.contains(i) {
            analytic.append(leaves[i].grad?.scalars ?? [Float](repeating: 0, count: inputs[i].count))
            var column: [Float] = []
            for j in 0..<inputs[i].count {
                var plus = inputs.map { $0.detached() }, minus = plus
                var p = inputs[i].scalars, m = p
                p[j] += h; m[j] -= h
                plus[i] = Tensor(shape: inputs[i].shape, scalars: p)
                minus[i] = Tensor(shape: inputs[i].shape, scalars: m)
                column.append(Float((objective(plus) - objective(minus)) / (2 * Double(h))))
            }
            numeric.append(column)
        }
        return Result(analytic: analytic, numeric: numeric, atol: atol, rtol: rtol)
    }
}

/// Deterministic test inputs.
public enum TestTensors {
    public static func normal(_ shape: [Int], seed: UInt64, mean: Float = 0, std: Float = 1) -> Tensor {
        var g = RandomGenerator(seed: seed)
        return Tensor.normal(shape, mean: mean, std: std, generator: &g)
    }

    public static func uniform(_ shape: [Int], seed: UInt64, lo: Float, hi: Float) -> Tensor {
        var g = RandomGenerator(seed: seed)
        return Tensor.uniform(shape, lo: lo, hi: hi, generator: &g)
    }
}

/// Largest absolute elementwise difference.
public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "comparing \(a.count) with \(b.count) values")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
