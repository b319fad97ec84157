import ArgumentParser
import Foundation
import SeqModels
import SeqNN
import SeqTensor

/// `seq bench train-step`: the timed region of masked-LM pretraining on synthetic ids —
/// forward (MLM head on the masked 15% only), loss, backward, clipping, AdamW — for the
/// `small` preset at batch 32 × 128, dropout 0.1, vocabulary 30522: the shapes of
/// ../shared/ref/bert_mlm_train.py --preset small --head masked. Data loading and masking
/// are not included (seq pretrain's own benchmark covers the whole loop).
struct TrainStepBenchmark {
    enum Preset: String, ExpressibleByArgument, CaseIterable { case tiny, small, base }

    var preset = Preset.small
    var steps = 20
    var skip = 3
    var batch = 32
    var length = 128

    func run() -> [String: Any] {
        var g = RandomGenerator(seed: 0)
        let vocab = 30522
        let config: BertConfig = switch preset {
        case .tiny: .tiny(vocabSize: vocab)
        case .small: .small(vocabSize: vocab)
        case .base: .base(vocabSize: vocab)
        }
        let model = BertForMaskedLM(config, generator: &g)
        let decay = model.namedParameters.filter { !($0.name.hasSuffix("bias") || $0.name.contains("LayerNorm")) }.map(\.parameter)
        let noDecay = model.namedParameters.filter { $0.name.hasSuffix("bias") || $0.name.contains("LayerNorm") }.map(\.parameter)
        let opt1 = AdamW(decay, learningRate: 1e-4, betas: (0.9, 0.999), eps: 1e-6, weightDecay: 0.01)
        let opt2 = AdamW(noDecay, learningRate: 1e-4, betas: (0.9, 0.999), eps: 1e-6, weightDecay: 0)
        let context = ForwardContext(training: true, generator: RandomGenerator(seed: 1))
        var times: [Double] = []
        var losses: [Float] = []
        for step in 0..<(steps + skip) {
            var ids = [Int32](repeating: 0, count: batch * length)
            for i in ids.indices { ids[i] = Int32(5 + g.nextInt(below: vocab - 5)) }
            var positions: [Int32] = [], targets: [Int32] = []
            for i in ids.indices where i % length != 0 && i % length != length - 1 && g.nextFloat() < 0.15 {
                positions.append(Int32(i)); targets.append(ids[i]); ids[i] = 103
            }
            let data = MaskedLMBatch(input: BertBatch(ids: ids, batchSize: batch, length: length),
                                     maskedPositions: positions, maskedTargets: targets)
            let t0 = DispatchTime.now().uptimeNanoseconds
            model.zeroGrad()
            let out = model.loss(data, context: context)
            out.loss.backward()
            clipGradNorm(model.parameters, maxNorm: 1)
            opt1.step(); opt2.step()
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if step >= skip { times.append(dt) }
            losses.append(out.mlmLoss)
        }
        let total = times.reduce(0, +)
        let median = times.sorted()[times.count / 2]
        let tokens = Double(batch * length)
        let flops = trainingFlops(config, tokens: tokens, masked: tokens * 0.15, vocab: vocab)
        return ["preset": preset.rawValue, "batch": batch, "seq_len": length, "timed_steps": times.count,
                "tokens_per_s": tokens * Double(times.count) / total, "tokens_per_s_at_median_step": tokens / median,
                "median_step_s": median, "first_loss": losses.first ?? 0, "final_loss": losses.last ?? 0,
                "gflops_per_step": flops / 1e9, "achieved_gflops": flops / median / 1e9,
                "params": model.parameterCount, "threads": Engine.threads]
    }

    /// Matrix-product FLOPs of one step (forward + backward ≈ 3× forward): the encoder's
    /// linear layers and attention, and the MLM head on the masked positions.
    func trainingFlops(_ c: BertConfig, tokens: Double, masked: Double, vocab: Int) -> Double {
        let C = Double(c.hiddenSize), F = Double(c.intermediateSize), L = Double(c.layerCount), T = Double(length)
        let perLayer = tokens * (2 * 4 * C * C + 2 * 2 * C * F) + tokens * 2 * 2 * T * C
        let head = masked * (2 * C * C + 2 * C * Double(vocab))
        return 3 * (L * perLayer + head)
    }
}
