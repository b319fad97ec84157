import Testing
import SeqTensor
import SeqTestSupport

/// Kernels on shapes large enough to use several workers give the same results with one
/// thread and with two. Bitwise where each output element is computed by one worker with
/// the same arithmetic whatever the split: elementwise (GELU), row-wise (softmax, layer
/// norm) and attention (one (batch, head) pair per worker, single-threaded products
/// inside). sgemm splits C into row or column blocks, each an OpenBLAS call of its own;
/// every element still sums over the whole K in one call, but OpenBLAS may pick other
/// edge tiles for a block of 256 rows than for 512, so products are only held to a
/// tolerance (1e-5 relative to the largest entry), and the test reports whether they were
/// bitwise anyway.
@Suite(.serialized) struct ThreadCountTests {
    /// Runs `body` at 1 then 2 threads, restoring the thread count after.
    func atOneAndTwoThreads<R>(_ body: () -> R) -> (R, R) {
        let before = Engine.threads
        defer { Engine.setThreads(before) }
        Engine.setThreads(1)
        let one = body()
        Engine.setThreads(2)
        let two = body()
        return (one, two)
    }

    @Test func rowWiseAndElementwiseKernelsAreBitwiseEqual() {
        let x = TestTensors.normal([512, 1024], seed: 1, std: 2)
        let w = TestTensors.normal([1024], seed: 2, mean: 1, std: 0.2), b = TestTensors.normal([1024], seed: 3, std: 0.2)
        let (one, two) = atOneAndTwoThreads {
            withoutGradients { [x.softmax().scalars, x.logSoftmax().scalars, x.layerNorm(weight: w, bias: b, epsilon: 1e-5).scalars,
                                x.gelu().scalars, x.geluErf().scalars] }
        }
        for (name, (a, c)) in zip(["softmax", "logSoftmax", "layerNorm", "gelu", "geluErf"], zip(one, two)) {
            #expect(a == c, "\(name) differs between 1 and 2 threads by \(maxAbsDifference(a, c))")
        }
    }

    @Test func attentionForwardAndBackwardAreBitwiseEqual() {
        let q = TestTensors.normal([8, 128, 256], seed: 4), k = TestTensors.normal([8, 128, 256], seed: 5)
        let v = TestTensors.normal([8, 128, 256], seed: 6), r = TestTensors.normal([8, 128, 256], seed: 7)
        let valid: [UInt8] = (0..<(8 * 128)).map { $0 % 128 < 100 + $0 / 128 ? 1 : 0 }
        let (one, two) = atOneAndTwoThreads { () -> [[Float]] in
            let leaves = [q, k, v].map { $0.requiringGrad() }
            var g = RandomGenerator(seed: 8)
            let y = Tensor.multiHeadAttention(query: leaves[0], key: leaves[1], value: leaves[2], heads: 4, keyValid: valid,
                                              pattern: AttentionPattern(causal: true), dropout: 0.1, generator: &g)
            (y * r).sum().backward()
            return [y.scalars] + leaves.map { $0.grad!.scalars }
        }
        for (name, (a, c)) in zip(["output", "dq", "dk", "dv"], zip(one, two)) {
            #expect(a == c, "attention \(name) differs between 1 and 2 threads by \(maxAbsDifference(a, c))")
        }
    }

    @Test func sgemmAgreesWithinTolerance() {
        let a = TestTensors.normal([512, 512], seed: 9), b = TestTensors.normal([512, 512], seed: 10)
        let (one, two) = atOneAndTwoThreads {
            withoutGradients { [Tensor.matmul(a, b).scalars, Tensor.matmul(a, b, transposeA: true).scalars,
                                Tensor.matmul(a.slice(axis: 0, 0..<40), b, transposeB: true).scalars] }   // 40 rows: split by columns
        }
        for (name, (x, y)) in zip(["a·b", "aᵀ·b", "a[:40]·bᵀ"], zip(one, two)) {
            let scale = x.map(abs).max() ?? 1
            let diff = maxAbsDifference(x, y)
            #expect(diff <= 1e-5 * scale, "sgemm \(name): 1 vs 2 threads differ by \(diff) (largest entry \(scale))")
            print("ThreadCountTests: sgemm \(name) 1 vs 2 threads: max |Δ| \(diff)\(x == y ? " (bitwise equal)" : "")")
        }
    }
}
