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
    /// The config and the tokenizer are read before the weights, and the tokenizer must not
    /// produce an id the model's `vocab_size` has no embedding for.
    public convenience init(directory: URL, maxLength: Int) throws {
        let config = try BertConfig.load(directory: directory)
        let tokenizer = try Tokenizer.load(path: directory.path)
        if let id = tokenizer.largestId, Int(id) >= config.vocabSize {
            throw CheckpointError("\(directory.path): the tokenizer has token id \(id) but config.json's vocab_size is \(config.vocabSize); expected a tokenizer made for this model")
        }
        let model = try BertModel.load(directory: directory)
        self.init(model: model, tokenizer: tokenizer, maxLength: min(maxLength, model.config.maxPositions))
    }

    /// How many bytes at the head of `line` give the same (truncated) encoding as the
    /// whole line, so that a 20 MB line costs the tokenizer a few kilobytes: the line is cut
    /// before an ASCII whitespace that follows a non-space byte (a word boundary for every
    /// pre-tokenizer seq ships: whitespace always ends a word), at a budget that doubles
    /// until the head alone yields `maxLength` tokens.
    public func relevantPrefix(of line: UnsafeBufferPointer<UInt8>) -> Int {
        let encoder = tokenizer.makeLineEncoder()
        var budget = maxLength * 8
        while budget < line.count {
            guard let cut = Self.wordBoundary(in: line, from: budget) else { return line.count }
            encoder.encode(UnsafeBufferPointer(rebasing: line[..<cut]), addSpecialTokens: true)
            if encoder.count >= maxLength { return cut }
            budget = cut * 2
        }
        return line.count
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }

    /// The first index ≥ `start` holding whitespace after a non-space byte.
    static func wordBoundary(in line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = max(1, start)
        while i < line.count {
            if isSpace(line[i]) && !isSpace(line[i - 1]) { return i }
            i += 1
        }
        return nil
    }

    /// Embeddings [texts.count, C] in input order. Texts are grouped into batches of
    /// similar length (sorted within the call) so that padding costs little; each batch
    /// is padded to its own longest sequence, which does not change the results. Texts that
    /// tokenize alike (repeated lines, empty lines) are computed once.
    public func embed(_ texts: [String], batchSize: Int) -> [[Float]] {
        let all = tokenizer.encodeBatch(texts)
        var firstOf: [[Int32]: Int] = [:]
        var encodings: [Encoding] = []
        let slot = all.map { e in
            let key = e.ids + [-1] + e.typeIds
            if let k = firstOf[key] { return k }
            firstOf[key] = encodings.count
            encodings.append(e)
            return encodings.count - 1
        }
        let unique = embed(encodings: encodings, batchSize: batchSize)
        return slot.map { unique[$0] }
    }

    private func embed(encodings: [Encoding], batchSize: Int) -> [[Float]] {
        let order = encodings.indices.sorted { encodings[$0].ids.count < encodings[$1].ids.count }
        var result = [[Float]](repeating: [], count: encodings.count)
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
