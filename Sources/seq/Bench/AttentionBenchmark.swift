import Foundation
import SeqTensor

/// `seq bench attention`: full against windowed (truncated) self-attention at one shape,
/// forward alone and forward + backward, through the fused kernel. Default shape: batch 1,
/// length 1024, width 256 in 4 heads, window ±16.
struct AttentionBenchmark {
    var length = 1024
    var width = 256
    var heads = 4
    var window = 16
    var batch = 1
    var warmup = 3
    var repeats = 15

    func median(_ body: () -> Void) -> Double { medianSeconds(warmup: warmup, repeats: repeats, body) }

    /// The fused kernel against attention built from plain ops (split heads by permute,
    /// batched matmul, additive mask, softmax, matmul, merge heads) at BERT-small training
    /// shapes: batch 32, length 128, width 256, 4 heads, key padding, forward + backward.
    func fusedAgainstComposed() -> [String: Any] {
        let B = 32, T = 128, C = 256, H = 4, D = C / H
        var g = RandomGenerator(seed: 2)
        let q = Tensor.normal([B, T, C], generator: &g).requiringGrad()
        let k = Tensor.normal([B, T, C], generator: &g).requiringGrad()
        let v = Tensor.normal([B, T, C], generator: &g).requiringGrad()
        let dy = Tensor.normal([B, T, C], generator: &g)
        var valid = [UInt8](repeating: 1, count: B * T)
        for b in 0..<B { for t in (T - b)..<T { valid[b * T + t] = 0 } }
        let bias = Tensor(shape: [B, 1, 1, T], scalars: valid.map { $0 != 0 ? 0 : -.infinity })
        func split(_ x: Tensor) -> Tensor { x.reshape([B, T, H, D]).permute([0, 2, 1, 3]) }
        func composed() -> Tensor {
            let scores = Tensor.matmul(split(q) * (1 / Float(D).squareRoot()), split(k), transposeB: true) + bias
            return Tensor.matmul(scores.softmax(), split(v)).permute([0, 2, 1, 3]).reshape([B, T, C])
        }
        func fused() -> Tensor {
            Tensor.multiHeadAttention(query: q, key: k, value: v, heads: H, keyValid: valid, generator: &g)
        }
        var out: [String: Any] = ["shape": [B, T, C], "heads": H]
        for (name, f) in [("composed", composed), ("fused", fused)] {
            let forward = median { _ = withoutGradients { f() } }
            let both = median {
                f().backward(seed: dy)
                q.zeroGrad(); k.zeroGrad(); v.zeroGrad()
            }
            out[name + "_forward_s"] = forward
            out[name + "_forward_backward_s"] = both
            FileHandle.standardError.write(Data(String(format: "%-8@ [32,128,256] forward %8.3f ms   forward+backward %8.3f ms\n",
                                                       name, forward * 1e3, both * 1e3).utf8))
        }
        return out
    }

    func run() -> [String: Any] {
        var g = RandomGenerator(seed: 1)
        let shape = [batch, length, width]
        let q = Tensor.normal(shape, generator: &g), k = Tensor.normal(shape, generator: &g), v = Tensor.normal(shape, generator: &g)
        let dy = Tensor.normal(shape, generator: &g)
        var results: [[String: Any]] = []
        for (name, pattern) in [("full", AttentionPattern()), ("window", AttentionPattern(window: window))] {
            let forward = median {
                _ = withoutGradients { Tensor.multiHeadAttention(query: q, key: k, value: v, heads: heads, pattern: pattern, generator: &g) }
            }
            let ql = q.requiringGrad(), kl = k.requiringGrad(), vl = v.requiringGrad()
            let both = median {
                let y = Tensor.multiHeadAttention(query: ql, key: kl, value: vl, heads: heads, pattern: pattern, generator: &g)
                y.backward(seed: dy)
                ql.zeroGrad(); kl.zeroGrad(); vl.zeroGrad()
            }
            results.append(["name": name, "forward_s": forward, "forward_backward_s": both])
            FileHandle.standardError.write(Data(String(format: "%-7@ forward %8.3f ms   forward+backward %8.3f ms\n",
                                                       name, forward * 1e3, both * 1e3).utf8))
        }
        let full = results[0], win = results[1]
        let composed = fusedAgainstComposed()
        return ["shape": shape, "heads": heads, "window": window, "threads": Engine.threads, "results": results,
                "fused_vs_composed": composed,
                "speedup_forward": (full["forward_s"] as! Double) / (win["forward_s"] as! Double),
                "speedup_forward_backward": (full["forward_backward_s"] as! Double) / (win["forward_backward_s"] as! Double)]
    }
}
