import Foundation
import SeqModels
import SeqTensor

/// `seq bench embed-latency --model DIR`: batch-1 latency of one pre-tokenized 32-token
/// input (forward + mean pooling + normalisation), median of `runs` after 10 warm-up runs —
/// the same measurement as `../shared/ref/bert_infer.py --latency`, same text.
struct EmbedLatencyBenchmark {
    static let text = "the quick brown fox jumps over the lazy dog while a small bird sings in the tall green tree near the old stone bridge by the quiet river on a warm summer morning"

    var runs = 200

    func run(model directory: URL) throws -> [String: Any] {
        let encoder = try SentenceEncoder(directory: ModelDirectory.url(forPath: directory.path), maxLength: 32)
        let encoding = encoder.tokenizer.encode(Self.text)
        let batch = BertBatch(ids: encoding.ids, typeIDs: encoding.typeIds, batchSize: 1, length: encoding.ids.count)
        func once() {
            withoutGradients {
                _ = SentenceEmbedding.meanPooled(encoder.model.encode(batch, context: .evaluation()),
                                                 attentionMask: batch.attentionMask, batchSize: 1, length: batch.length)
            }
        }
        var times: [Double] = []
        for _ in 0..<10 { once() }
        for _ in 0..<runs { times.append(medianSeconds(warmup: 0, repeats: 1, once)) }
        times.sort()
        func q(_ p: Double) -> Double { times[min(times.count - 1, Int(p * Double(times.count)))] }
        return ["latency_median_s": q(0.5), "latency_p10_s": q(0.1), "latency_p90_s": q(0.9),
                "tokens": encoding.ids.count, "runs": runs, "threads": Engine.threads]
    }
}
