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
        return ["shape": shape, "heads": heads, "window": window, "threads": Engine.threads, "results": results,
                "speedup_forward": (full["forward_s"] as! Double) / (win["forward_s"] as! Double),
                "speedup_forward_backward": (full["forward_backward_s"] as! Double) / (win["forward_backward_s"] as! Double)]
    }
}
