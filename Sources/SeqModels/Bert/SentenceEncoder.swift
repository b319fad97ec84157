import Foundation
import SeqNN
import SeqTensor
import SeqText

/// Sentence embeddings as sentence-transformers computes them for all-MiniLM-L6-v2:
/// tokenize (truncating at `maxLength`), BERT encoder, attention-masked mean, L2 norm.
public final class SentenceEncoder {
    public let model: BertModel
    public let tokenizer: Tokenizer
    public let maxLength: Int

    public init(model: BertModel, tokenizer: Tokenizer, maxLength: Int) {
        self.model = model
        self.tokenizer = tokenizer.with(truncation: Truncation(maxLength: maxLength), padding: nil)
        self.maxLength = maxLength
    }

    /// Loads a model directory: config.json, model.safetensors, tokenizer.json or vocab.txt.
    public convenience init(directory: URL, maxLength: Int) throws {
        let model = try BertModel.load(directory: directory)
        let tokenizer = try Tokenizer.load(path: directory.path)
        self.init(model: model, tokenizer: tokenizer, maxLength: min(maxLength, model.config.maxPositions))
    }

    /// Embeddings [texts.count, C] in input order. Texts are grouped into batches of
    /// similar length (sorted within the call) so that padding costs little; each batch
    /// is padded to its own longest sequence, which does not change the results.
    public func embed(_ texts: [String], batchSize: Int) -> [[Float]] {
        let encodings = tokenizer.encodeBatch(texts)
        let order = encodings.indices.sorted { encodings[$0].ids.count < encodings[$1].ids.count }
        var result = [[Float]](repeating: [], count: texts.count)
        let C = model.config.hiddenSize
        var start = 0
        while start < order.count {
            let members = Array(order[start..<min(start + batchSize, order.count)])
            let batch = BertBatch.padding(members.map { encodings[$0].ids }, typeIDs: members.map { encodings[$0].typeIds })
            let pooled = withoutGradients {
                SentenceEmbedding.meanPooled(model.encode(batch, context: .evaluation()), attentionMask: batch.attentionMask,
                                             batchSize: batch.batchSize, length: batch.length)
            }
            let values = pooled.scalars
            for (row, index) in members.enumerated() { result[index] = Array(values[(row * C)..<((row + 1) * C)]) }
            start += batchSize
        }
        return result
    }
}
