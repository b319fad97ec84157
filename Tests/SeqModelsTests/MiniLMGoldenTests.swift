import Foundation
import Testing
import SeqModels
import SeqNN
import SeqTensor
import SeqTestSupport

// all-MiniLM-L6-v2 loaded from its model.safetensors against transformers' outputs in
// ../shared/ref/minilm_golden.json (written by ../shared/ref/make_golden.py).

fileprivate struct MiniLMGolden: Decodable {
    struct Case: Decodable {
        let name: String
        let input_ids: [Int32]
        let token_type_ids: [Int32]
        let attention_mask: [Int32]
        let last_hidden_state: [[Float]]
        let pooler_output: [Float]
        let embedding: [Float]
    }
    let cases: [Case]
}

private let goldenURL = SharedData.path("ref/minilm_golden.json")
private let available = goldenURL != nil && Checkpoints.miniLM != nil

@Suite(.enabled(if: available, "needs ../shared/ref/minilm_golden.json and \(Checkpoints.miniLMHint)"))
struct MiniLMGoldenTests {
    let model: BertModel
    fileprivate let golden: MiniLMGolden

    init() throws {
        model = try BertModel.load(directory: Checkpoints.miniLM!)
        golden = try JSONDecoder().decode(MiniLMGolden.self, from: Data(contentsOf: goldenURL!))
    }

    @Test func everyCaseMatchesTransformers() throws {
                for c in golden.cases {
            let T = c.input_ids.count
            let batch = BertBatch(ids: c.input_ids, typeIDs: c.token_type_ids, attentionMask: c.attention_mask, batchSize: 1, length: T)
            let (hidden, pooled) = withoutGradients {
                let h = model.encode(batch, context: .evaluation())
                return (h, model.pool(h))
            }
            let diff = maxAbsDifference(hidden.scalars, c.last_hidden_state.flatMap { $0 })
            #expect(diff <= 1e-4, "\(c.name): last_hidden_state max-abs difference \(diff)")
            let pdiff = maxAbsDifference(pooled.scalars, c.pooler_output)
            #expect(pdiff <= 1e-4, "\(c.name): pooler_output max-abs difference \(pdiff)")
            let embedding = SentenceEmbedding.meanPooled(hidden, attentionMask: c.attention_mask, batchSize: 1, length: T)
            let ediff = maxAbsDifference(embedding.scalars, c.embedding)
            #expect(ediff <= 1e-4, "\(c.name): embedding max-abs difference \(ediff)")
            print("MiniLM \(c.name): T=\(T) max|Δ| hidden \(diff) pooler \(pdiff) embedding \(ediff)")
        }
    }

    /// Padding must not change a sequence's result: the pair case padded inside a batch
    /// with a longer one gives the same embedding as alone.
    @Test func paddedBatchMatchesSingles() throws {
                let cases = golden.cases
        let short = cases.first { $0.name == "plain" }!, long = cases.first { $0.name == "punctuation" }!
        let batch = BertBatch.padding([short.input_ids, long.input_ids])
        let embeddings = withoutGradients {
            SentenceEmbedding.meanPooled(model.encode(batch, context: .evaluation()), attentionMask: batch.attentionMask,
                                         batchSize: 2, length: batch.length)
        }
        let rows = embeddings.scalars
        #expect(maxAbsDifference(Array(rows[0..<384]), short.embedding) <= 1e-4)
        #expect(maxAbsDifference(Array(rows[384..<768]), long.embedding) <= 1e-4)
    }
}
