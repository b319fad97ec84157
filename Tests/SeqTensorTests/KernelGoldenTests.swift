import Foundation
import Testing
import SeqTensor
import SeqTestSupport

// Kernels against PyTorch: Fixtures/kernels_golden.json is written by
// bench/golden/kernels_golden.py (torch CPU float32), inputs included.

private struct Golden: Decodable {
    struct Case: Decodable {
        let shape: [Int]?
        let values: [String: [Float]]
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            shape = try c.decodeIfPresent([Int].self, forKey: AnyKey("shape"))
            var v: [String: [Float]] = [:]
            for k in c.allKeys where k.stringValue != "shape" {
                if let a = try? c.decode([Float].self, forKey: k) { v[k.stringValue] = a }
                else if let x = try? c.decode(Float.self, forKey: k) { v[k.stringValue] = [x] }
            }
            values = v
        }
        subscript(_ k: String) -> [Float] { values[k]! }
    }
    let cases: [String: Case]
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private let golden: Golden = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/kernels_golden.json")
    return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
}()

private func grad(of f: (Tensor) -> Tensor, at x: Tensor, dy: Tensor) -> (Tensor, Tensor) {
    let xl = x.requiringGrad()
    let y = f(xl)
    y.backward(seed: dy)
    return (y, xl.grad!)
}

@Suite struct KernelGoldenTests {
    static let widths = ["cols1", "cols7", "cols17", "cols33", "cols130"]

    @Test(arguments: widths) func activationsAndSoftmax(_ name: String) {
        let c = golden.cases[name]!
        let x = Tensor(shape: c.shape!, scalars: c["x"]), dy = Tensor(shape: c.shape!, scalars: c["dy"])
        let ops: [(String, (Tensor) -> Tensor, Float)] = [
            ("gelu", { $0.gelu() }, 2e-6), ("gelu_erf", { $0.geluErf() }, 2e-6),
            ("softmax", { $0.softmax() }, 1e-6), ("log_softmax", { $0.logSoftmax() }, 2e-6),
        ]
        for (op, f, tol) in ops {
            let (y, dx) = grad(of: f, at: x, dy: dy)
            #expect(maxAbsDifference(y.scalars, c[op]) <= tol * 4, "\(op) forward, \(name)")
            #expect(maxAbsDifference(dx.scalars, c[op + "_dx"]) <= tol * 8, "\(op) backward, \(name)")
        }
    }

    @Test(arguments: widths) func layerNorm(_ name: String) {
        let c = golden.cases[name]!
        let shape = c.shape!, C = shape[1]
        let x = Tensor(shape: shape, scalars: c["x"]).requiringGrad()
        let w = Tensor(shape: [C], scalars: c["w"]).requiringGrad()
        let b = Tensor(shape: [C], scalars: c["b"]).requiringGrad()
        let y = x.layerNorm(weight: w, bias: b, epsilon: 1e-5)
        y.backward(seed: Tensor(shape: shape, scalars: c["dy"]))
        #expect(maxAbsDifference(y.scalars, c["layer_norm"]) <= 1e-5)
        #expect(maxAbsDifference(x.grad!.scalars, c["layer_norm_dx"]) <= 1e-4)
        #expect(maxAbsDifference(w.grad!.scalars, c["layer_norm_dw"]) <= 1e-5)
        #expect(maxAbsDifference(b.grad!.scalars, c["layer_norm_db"]) <= 1e-5)
    }

    @Test(arguments: [Float(0), 0.1]) func crossEntropy(_ eps: Float) {
        let c = golden.cases["cross_entropy"]!
        let logits = Tensor(shape: c.shape!, scalars: c["logits"]).requiringGrad()
        let targets = c["targets"].map { Int32($0) }
        let key = eps == 0 ? "0.0" : "0.1"
        let loss = logits.crossEntropy(targets: targets, labelSmoothing: eps)
        loss.backward()
        #expect(abs(loss.item - c["loss_" + key][0]) <= 1e-5)
        #expect(maxAbsDifference(logits.grad!.scalars, c["grad_" + key]) <= 1e-6)
    }
}

@Suite struct VectorMathAccuracy {
    /// exp, tanh and erf through the public ops against libm in Double, over their ranges.
    @Test func transcendentalsMatchLibm() {
        let xs = (0..<4001).map { Float($0 - 2000) * 0.02 }      // [-40, 40]
        let x = Tensor(shape: [xs.count], scalars: xs)
        let e = x.exp().scalars, t = x.tanh().scalars, s = x.sigmoid().scalars
        let ge = x.geluErf().scalars
        for (i, v) in xs.enumerated() {
            let d = Double(v)
            let ref = Foundation.exp(d)
            #expect(abs(Double(e[i]) - ref) <= 3e-7 * ref, "exp(\(v))")
            #expect(abs(Double(t[i]) - Foundation.tanh(d)) <= 2e-7, "tanh(\(v))")
            #expect(abs(Double(s[i]) - 1 / (1 + Foundation.exp(-d))) <= 2e-7, "sigmoid(\(v))")
            let gref = 0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot()))
            #expect(abs(Double(ge[i]) - gref) <= 1e-6 * max(1, abs(gref)), "gelu_erf(\(v))")
        }
        // Saturation and underflow ends.
        let ends = Tensor(shape: [4], scalars: [-1000, -90, 89, 1000]).exp().scalars
        #expect(ends[0] == 0 && ends[1] == 0)
        #expect(ends[2] > 1e38 && ends[3].isFinite)
    }

    @Test func softmaxOfMaskedRowsIsZeroNotNaN() {
        let x = Tensor(shape: [2, 3], scalars: [-.infinity, -.infinity, -.infinity, 0, -.infinity, 0])
        let y = x.softmax().scalars
        #expect(y == [0, 0, 0, 0.5, 0, 0.5])
    }
}

@Suite struct PipelinedKernelTests {
    /// The row-pipelined softmax backward against the plain per-row formula, over widths
    /// around the 32-float unroll and row counts split unevenly across threads.
    @Test(arguments: [1, 7, 31, 32, 33, 100, 1024]) func softmaxBackwardMatchesNaive(_ C: Int) {
        let R = 13
        let y = TestTensors.normal([R, C], seed: 1).softmax().scalars
        let dy = TestTensors.normal([R, C], seed: 2).scalars
        var expected = [Float](repeating: 0, count: R * C)
        for r in 0..<R {
            var dot: Float = 0
            for j in 0..<C { dot += y[r * C + j] * dy[r * C + j] }
            for j in 0..<C { expected[r * C + j] = y[r * C + j] * (dy[r * C + j] - dot) }
        }
        for accumulate in [false, true] {
            var dx = [Float](repeating: accumulate ? 0.5 : 0, count: R * C)
            y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { gp in dx.withUnsafeMutableBufferPointer { dp in
                Kernels.softmaxBackward(yp.baseAddress!, gp.baseAddress!, dp.baseAddress!, rows: R, cols: C, accumulate: accumulate)
            } } }
            let want = accumulate ? expected.map { $0 + 0.5 } : expected
            #expect(maxAbsDifference(dx, want) < 1e-6, "C=\(C) accumulate=\(accumulate)")
        }
    }
}

@Suite struct StreamingStoreTests {
    /// A 16 MiB gradient takes the streaming-store path; it must equal the cached path.
    @Test func largeSoftmaxBackwardStreamsAndMatches() {
        let R = 4096, C = 1024
        #expect(R * C * 4 >= Kernels.streamingBytes)
        let y = TestTensors.normal([R, C], seed: 3).softmax()
        let dy = TestTensors.normal([R, C], seed: 4)
        var streamed = Tensor(zeros: [R, C]), cached = Tensor(repeating: 1, shape: [R, C])
        y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { gp in
            streamed.withUnsafeMutableBufferPointer { dp in
                Kernels.softmaxBackward(yp.baseAddress!, gp.baseAddress!, dp.baseAddress!, rows: R, cols: C, accumulate: false)
            }
            // accumulate: true never streams; start from 1 and subtract it back.
            cached.withUnsafeMutableBufferPointer { dp in
                Kernels.softmaxBackward(yp.baseAddress!, gp.baseAddress!, dp.baseAddress!, rows: R, cols: C, accumulate: true)
            }
        } }
        let a = streamed.scalars, b = cached.scalars.map { $0 - 1 }
        #expect(maxAbsDifference(a, b) < 1e-6)
        #expect(a.contains { $0 != 0 })
    }
}
