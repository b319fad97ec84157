import Foundation
import Testing
import SeqModels
import SeqNN
import SeqTensor
import SeqTestSupport

// The three fine-tuning heads against transformers: logits, loss and gradients (head,
// pooler, an encoder matrix, the word embeddings) on the tiny config with the formula
// weights of BertTinyGoldenTests. Fixtures/bert_heads/golden.json is written by
// bench/golden/bert_heads_golden.py; no Python and no ../shared needed here.

fileprivate struct HeadGolden: Decodable {
    let labels: [Int32]?
    let start_positions: [Int32]?
    let end_positions: [Int32]?
    let logits: [Float]?
    let start_logits: [Float]?
    let end_logits: [Float]?
    let loss: Float
    let gradients: [String: [Float]]
    let saved_tensors: [String: [Int]]
    let config: [String: JSONValue]
}

fileprivate enum JSONValue: Decodable, Equatable {
    case strings([String]), map([String: String]), ints([String: Int]), null
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode([String].self) { self = .strings(v) }
        else if let v = try? c.decode([String: Int].self) { self = .ints(v) }
        else { self = .map(try c.decode([String: String].self)) }
    }
}

fileprivate struct HeadsGolden: Decodable {
    let labels: [String]
    let input_ids: [[Int32]]
    let token_type_ids: [[Int32]]
    let attention_mask: [[Int32]]
    let sequence: HeadGolden
    let token: HeadGolden
    let qa: HeadGolden
    var batch: BertBatch {
        BertBatch(ids: input_ids.flatMap { $0 }, typeIDs: token_type_ids.flatMap { $0 }, attentionMask: attention_mask.flatMap { $0 },
                  batchSize: input_ids.count, length: input_ids[0].count)
    }
}

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Forward values agree to ~1e-6; gradients are checked relative to the tensor's largest.
private let logitTolerance: Float = 1e-5
private let gradientTolerance: Float = 1e-4

@Suite struct BertHeadsGoldenTests {
    fileprivate let golden: HeadsGolden
    init() throws {
        golden = try JSONDecoder().decode(HeadsGolden.self, from: Data(contentsOf: fixtures.appendingPathComponent("bert_heads/golden.json")))
    }

    func model<M: BertHeadModel>(_ type: M.Type, labels: [String]) throws -> M {
        var config = try BertConfig.load(directory: fixtures.appendingPathComponent("bert_tiny"))
        config.labels = labels
        var generator = RandomGenerator(seed: 0)
        let m = withoutGradients { M(encoder: BertModel(config, pooler: M.usesPooler, generator: &generator), config: config, generator: &generator) }
        for (name, p) in m.namedParameters { p.assign(Tensor(shape: p.shape, scalars: formulaWeights(name, count: p.count))) }
        return m
    }

    fileprivate func checkLayout(_ m: some BertHeadModel, _ g: HeadGolden) {
        let names = Dictionary(uniqueKeysWithValues: m.checkpointTensors.map { ($0.name, $0.tensor.shape) })
        #expect(names == g.saved_tensors, "seq saves the tensors transformers saves, same names and shapes")
    }

    fileprivate func checkGradients(_ m: some BertHeadModel, _ g: HeadGolden) throws {
        let params = Dictionary(uniqueKeysWithValues: m.namedParameters.map { ($0.name, $0.parameter) })
        #expect(!g.gradients.isEmpty)
        for (name, var reference) in g.gradients {
            var grad = try #require(params[name]?.grad, "\(name) received no gradient").scalars
            if name == "bert.embeddings.word_embeddings.weight" {
                // PyTorch's nn.Embedding(padding_idx=0) never updates the [PAD] row; seq's
                // embedding has no padding index. Only QA, whose logits at padding positions
                // enter the softmax as in transformers, sends gradient there: compare the rest.
                let C = m.config.hiddenSize
                grad.removeFirst(C)
                reference.removeFirst(C)
            }
            let scale = reference.reduce(0) { max($0, abs($1)) }
            let diff = maxAbsDifference(grad, reference)
            #expect(diff <= gradientTolerance * scale + 1e-7, "\(name): gradient max |Δ| \(diff), max |g| \(scale)")
        }
    }

    @Test func sequenceClassificationMatchesTransformers() throws {
        let g = golden.sequence
        let m = try model(BertForSequenceClassification.self, labels: golden.labels)
        checkLayout(m, g)
        let logits = m.logits(golden.batch, context: .evaluation())
        #expect(logits.shape == [2, 3])
        #expect(maxAbsDifference(logits.scalars, g.logits!) <= logitTolerance)
        let loss = logits.crossEntropy(targets: g.labels!)
        #expect(abs(loss.item - g.loss) <= 1e-5 * abs(g.loss), "loss \(loss.item) vs \(g.loss)")
        loss.backward()
        try checkGradients(m, g)
    }

    @Test func tokenClassificationMatchesTransformers() throws {
        let g = golden.token
        let m = try model(BertForTokenClassification.self, labels: golden.labels)
        m.bert.paddingPositions = .computed   // the golden logits include the padding positions
        checkLayout(m, g)
        let logits = m.logits(golden.batch, context: .evaluation())
        #expect(maxAbsDifference(logits.scalars, g.logits!) <= logitTolerance)
        let loss = logits.crossEntropy(targets: g.labels!)
        #expect(abs(loss.item - g.loss) <= 1e-5 * abs(g.loss), "loss \(loss.item) vs \(g.loss)")
        loss.backward()
        try checkGradients(m, g)
    }

    /// transformers' QA loss: (CE(start) + CE(end)) / 2, each a mean over the batch.
    @Test func questionAnsweringMatchesTransformers() throws {
        let g = golden.qa
        let m = try model(BertForQuestionAnswering.self, labels: BertForQuestionAnswering.defaultLabels!)
        m.bert.paddingPositions = .computed   // transformers' softmax includes the padding's logits
        checkLayout(m, g)
        let (start, end) = m.logits(golden.batch, context: .evaluation())
        #expect(maxAbsDifference(start.scalars, g.start_logits!) <= logitTolerance)
        #expect(maxAbsDifference(end.scalars, g.end_logits!) <= logitTolerance)
        let loss = (start.crossEntropy(targets: g.start_positions!) + end.crossEntropy(targets: g.end_positions!)) * 0.5
        #expect(abs(loss.item - g.loss) <= 1e-5 * abs(g.loss), "loss \(loss.item) vs \(g.loss)")
        loss.backward()
        try checkGradients(m, g)
    }

    /// Save → load keeps the architecture, the labels in order and every weight; a head given
    /// to another head's loader is refused in one sentence.
    @Test func savedHeadLoadsBackAndOtherHeadsAreRefused() throws {
        let m = try model(BertForSequenceClassification.self, labels: golden.labels)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-heads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try m.save(to: dir)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(json["architectures"] as? [String] == ["BertForSequenceClassification"])
        #expect(json["id2label"] as? [String: String] == ["0": "negative", "1": "neutral", "2": "positive"])
        #expect(json["label2id"] as? [String: Int] == ["negative": 0, "neutral": 1, "positive": 2])
        let back = try BertForSequenceClassification.load(directory: dir, for: "test")
        #expect(back.labels == golden.labels)
        let a = m.logits(golden.batch, context: .evaluation()).scalars, b = back.logits(golden.batch, context: .evaluation()).scalars
        #expect(a == b)
        #expect(throws: CheckpointError.self) { try BertForTokenClassification.load(directory: dir, for: "seq evaluate --task pos") }
        // Starting from it again gives a fresh head over the same encoder.
        let restarted = try BertForTokenClassification.startingFrom(directory: dir, labels: ["A", "B"], seed: 1)
        #expect(restarted.bert.layers[0].namedParameters.first!.parameter.value.scalars == m.bert.layers[0].namedParameters.first!.parameter.value.scalars)
        // `pretrained: false` (finetune --random-init): the same shapes, none of the saved
        // weights, and the same fresh weights for the same seed.
        let random = try BertForTokenClassification.startingFrom(directory: dir, labels: ["A", "B"], seed: 1, pretrained: false)
        let again = try BertForTokenClassification.startingFrom(directory: dir, labels: ["A", "B"], seed: 1, pretrained: false)
        let saved = Dictionary(uniqueKeysWithValues: restarted.namedParameters.map { ($0.name, $0.parameter.value) })
        #expect(random.namedParameters.count == restarted.namedParameters.count)
        for (name, p) in random.namedParameters {
            let w = try #require(saved[name], "\(name) missing")
            #expect(p.value.shape == w.shape, "\(name)")
            // Norms are initialised to 1 and biases to 0, as in the checkpoint's own start.
            if name.contains("LayerNorm") || name.hasSuffix("bias") { continue }
            if name.hasPrefix("classifier") { continue }   // fresh in both
            #expect(p.value.scalars != w.scalars, "\(name) was loaded, not initialised")
        }
        #expect(random.namedParameters.map(\.parameter.value.scalars) == again.namedParameters.map(\.parameter.value.scalars))
    }
}
