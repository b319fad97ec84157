import CBLAS
import Foundation
import SeqTensor

/// `seq bench kernels`: the same ops, shapes and JSON contract as
/// ../shared/ref/torch_kernels.py. sgemm goes through the Tensor API (allocation
/// included) and, for the overhead bar, through a raw cblas_sgemm call in the same run.
/// The memory-bound ops write into preallocated buffers, as torch_kernels.py's default
/// `out=` mode does; backward ops are timed alone, on forward results computed once.
struct KernelBenchmark {
    var warmup = 5
    var repeats = 30
    var only: Set<String> = []

    static let sgemmShapes = [(1024, 1024, 1024), (4096, 1024, 256), (4096, 256, 1024)]
    static let elementwiseShape = (8192, 1024)

    func median(_ body: () -> Void) -> Double { medianSeconds(warmup: warmup, repeats: repeats, body) }

    func wanted(_ name: String) -> Bool { only.isEmpty || only.contains(name) }

    func run() -> [String: Any] {
        var results: [[String: Any]] = []
        var raw: [[String: Any]] = []
        var generator = RandomGenerator(seed: 0)
        func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

        if wanted("sgemm") {
            for (M, N, K) in Self.sgemmShapes {
                let a = Tensor.normal([M, K], generator: &generator)
                let b = Tensor.normal([K, N], generator: &generator)
                let flops = 2.0 * Double(M * N * K)
                var c = Tensor(zeros: [M, N])
                // A B A B: API and raw calls interleaved so drift hits both alike.
                var apiTimes: [Double] = [], rawTimes: [Double] = []
                for _ in 0..<2 {
                    apiTimes.append(median { _ = withoutGradients { Tensor.matmul(a, b) } })
                    rawTimes.append(Engine.withBLASThreads(Engine.threads) { median {
                        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(M), Int32(N), Int32(K), 1,
                                        ap.baseAddress, Int32(K), bp.baseAddress, Int32(N), 0, cp.baseAddress, Int32(N))
                        } } }
                    } })
                }
                let api = apiTimes.min()!, rawT = rawTimes.min()!
                results.append(["name": "sgemm", "shape": [M, N, K], "median_s": api, "gflops": flops / api / 1e9])
                raw.append(["name": "sgemm", "shape": [M, N, K], "median_s": rawT, "gflops": flops / rawT / 1e9,
                            "api_over_raw": rawT / api])
                log(String(format: "sgemm %@ api %.3f ms (%.1f GFLOP/s)  raw %.3f ms (%.1f GFLOP/s)  api/raw speed %.3f",
                           "\([M, N, K])", api * 1e3, flops / api / 1e9, rawT * 1e3, flops / rawT / 1e9, rawT / api))
            }
        }

        let (R, C) = Self.elementwiseShape
        let n = R * C
        let fwdBytes = Double(2 * 4 * n), bwdBytes = Double(3 * 4 * n)
        let x = Tensor.normal([R, C], generator: &generator)
        let dy = Tensor.normal([R, C], generator: &generator)
        let w = Tensor.normal([C], mean: 1, std: 0.1, generator: &generator)
        let b = Tensor.normal([C], std: 0.1, generator: &generator)
        var out = Tensor(zeros: [R, C]), dx = Tensor(zeros: [R, C])
        var mean = Tensor(zeros: [R]), rstd = Tensor(zeros: [R])
        var dw = Tensor(zeros: [C]), db = Tensor(zeros: [C])
        let eps: Float = 1e-5
        let ySoft = withoutGradients { x.softmax() }

        func p(_ t: Tensor) -> UnsafePointer<Float> { t.withUnsafeBufferPointer { $0.baseAddress! } }
        func m(_ t: inout Tensor) -> UnsafeMutablePointer<Float> { t.withUnsafeMutableBufferPointer { $0.baseAddress! } }
        let outP = m(&out), dxP = m(&dx), meanP = m(&mean), rstdP = m(&rstd), dwP = m(&dw), dbP = m(&db)
        let xP = p(x), dyP = p(dy), wP = p(w), bP = p(b), yP = p(ySoft)
        Kernels.layerNormForward(xP, weight: wP, bias: bP, outP, mean: meanP, rstd: rstdP, rows: R, cols: C, epsilon: eps)

        let cases: [(String, Double, () -> Void)] = [
            ("gelu", fwdBytes, { Kernels.geluForward(xP, outP, n) }),
            ("gelu_erf", fwdBytes, { Kernels.geluErfForward(xP, outP, n) }),
            ("softmax", fwdBytes, { Kernels.softmaxForward(xP, outP, rows: R, cols: C) }),
            ("layer_norm", fwdBytes, {
                Kernels.layerNormForward(xP, weight: wP, bias: bP, outP, mean: meanP, rstd: rstdP, rows: R, cols: C, epsilon: eps)
            }),
            ("gelu_backward", bwdBytes, { Kernels.geluBackward(xP, dyP, dxP, n, accumulate: false) }),
            ("softmax_backward", bwdBytes, { Kernels.softmaxBackward(yP, dyP, dxP, rows: R, cols: C, accumulate: false) }),
            ("layer_norm_backward", bwdBytes, {
                dwP.update(repeating: 0, count: C); dbP.update(repeating: 0, count: C)
                Kernels.layerNormBackward(xP, weight: wP, mean: UnsafePointer(meanP), rstd: UnsafePointer(rstdP), dyP,
                                          dx: dxP, dWeight: dwP, dBias: dbP, rows: R, cols: C, accumulate: false)
            }),
        ]
        for (name, bytes, body) in cases where wanted(name) {
            let s = median(body)
            results.append(["name": name, "shape": [R, C], "median_s": s, "gbps": bytes / s / 1e9])
            log(String(format: "%-22@ %@ %9.3f ms %9.1f GB/s", name, "\([R, C])", s * 1e3, bytes / s / 1e9))
        }
        withExtendedLifetime((x, dy, w, b, ySoft, out, dx, mean, rstd, dw, db)) {}

        let env = ProcessInfo.processInfo.environment
        return [
            "results": results,
            "raw_sgemm": raw,
            "threads": Engine.threads,
            "engine": "seq \(SeqVersion.current)",
            "openblas_coretype": env["OPENBLAS_CORETYPE"] ?? "(unset: auto-detected)",
            // Set when seq chose OPENBLAS_CORETYPE itself because OpenBLAS fell back (BLASCore).
            "openblas_autodetected": env[BLASCore.detectedVariable] ?? Engine.blasCore,
            "openblas_kernel": Engine.blasCore,
        ]
    }
}
