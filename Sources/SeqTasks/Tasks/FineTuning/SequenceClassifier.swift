import Foundation
import SeqCore
import SeqModels
import SeqNN
import SeqTensor
import SeqText

/// A sequence classifier at work: encodes a text or a text pair ([CLS] a [SEP] b [SEP] with
/// token types 0 and 1, truncated longest-first to `maxLength`) and returns each class's
/// probability. Shared by training (features), evaluation and `seq predict`.
public final class SequenceClassifier {
    public let model: BertForSequenceClassification
    public let tokenizer: Tokenizer
    public let maxLength: Int
    public let padID: Int32

    public init(model: BertForSequenceClassification, tokenizer: Tokenizer, maxLength: Int) {
        self.model = model
        self.maxLength = min(maxLength, model.config.maxPositions)
        self.tokenizer = tokenizer.with(truncation: Truncation(maxLength: self.maxLength), padding: nil)
        padID = tokenizer.id(of: "[PAD]") ?? Int32(model.config.padTokenID)
    }

    public var labels: [String] { model.labels }

    public func encode(_ text: String, pair: String? = nil, label: Int32 = -100) -> FineTuningFeature {
        let e = tokenizer.encode(text, pair: pair)
        return FineTuningFeature(ids: e.ids, typeIDs: e.typeIds, targets: [label])
    }

    /// The label index of each example; examples whose label is not one of the model's are
    /// refused or skipped by `handler`, naming `path` and the line.
    public func features(_ examples: [LabelledText], path: String, handler: inout BadInputHandler) throws(InputProblem) -> [FineTuningFeature] {
        let index = Dictionary(labels.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
        var out: [FineTuningFeature] = []
        out.reserveCapacity(examples.count)
        for e in examples {
            guard let label = index[e.label] else {
                try handler.reject(InputProblem(file: path, line: e.line, message: "label '\(e.label)' is not one of the model's labels (\(labels.joined(separator: ", ")))"))
                continue
            }
            out.append(encode(e.text, pair: e.pair, label: label))
        }
        return out
    }

    /// Class probabilities of each feature, in order (batched by length, dropout off).
    public func probabilities(_ features: [FineTuningFeature], batchSize: Int = 64) -> [[Float]] {
        var out = [[Float]](repeating: [], count: features.count)
        for members in inferenceBatches(lengths: features.map(\.ids.count), batchSize: batchSize) {
            let rows = members.map { features[$0] }
            let batch = BertBatch.padding(rows, to: rows.map(\.ids.count).max() ?? 0, padID: padID)
            let p = withoutGradients { rowSoftmax(model.logits(batch, context: .evaluation())) }
            for (i, m) in members.enumerated() { out[m] = p[i] }
        }
        return out
    }
}

/// Accuracy and, per class, precision, recall and F1 of predicted against gold indices.
public struct ClassificationScore: Sendable {
    public var labels: [String]
    /// Per class: true positives, predicted, gold.
    public var truePositives: [Double]
    public var predicted: [Double]
    public var gold: [Double]

    public init(labels: [String]) {
        self.labels = labels
        truePositives = Array(repeating: 0, count: labels.count)
        predicted = truePositives
        gold = truePositives
    }

    public mutating func add(predicted p: Int, gold g: Int) {
        predicted[p] += 1
        gold[g] += 1
        if p == g { truePositives[p] += 1 }
    }

    /// The counts as one vector (for a sum over processes) and back.
    public var vector: [Double] { truePositives + predicted + gold }
    public mutating func set(_ v: [Double]) {
        let K = labels.count
        truePositives = Array(v[0..<K]); predicted = Array(v[K..<(2 * K)]); gold = Array(v[(2 * K)..<(3 * K)])
    }

    public var examples: Double { gold.reduce(0, +) }

    /// `accuracy`, `examples`, and with `perClass` precision_/recall_/f1_<label>.
    public func metrics(perClass: Bool) -> [String: Double] {
        var m = ["accuracy": examples > 0 ? truePositives.reduce(0, +) / examples : 0, "examples": examples]
        if perClass {
            for (k, label) in labels.enumerated() {
                let p = predicted[k] > 0 ? truePositives[k] / predicted[k] : 0
                let r = gold[k] > 0 ? truePositives[k] / gold[k] : 0
                m["precision_" + label] = p
                m["recall_" + label] = r
                m["f1_" + label] = p + r > 0 ? 2 * p * r / (p + r) : 0
            }
        }
        return m
    }
}

/// Sentiment and NLI: cross-entropy of the pooled [CLS] classifier, mean over sequences;
/// dev accuracy (and per-class precision/recall/F1).
public final class SequenceClassificationObjective: FineTuningObjective {
    public let classifier: SequenceClassifier
    public let dev: [FineTuningFeature]
    public let perClassMetrics: Bool
    public var model: BertForSequenceClassification { classifier.model }
    public var selection: MetricSelection { MetricSelection(metric: "accuracy", higherIsBetter: true) }

    public init(classifier: SequenceClassifier, dev: [FineTuningFeature], perClassMetrics: Bool) {
        self.classifier = classifier
        self.dev = dev
        self.perClassMetrics = perClassMetrics
    }

    public func normalizers(of rows: [FineTuningFeature]) -> [String: Double] { ["sequences": Double(rows.count)] }

    public func loss(_ batch: BertBatch, rows: [FineTuningFeature], totals: [String: Double], context: ForwardContext) -> TaskLoss {
        let n = max(totals["sequences"] ?? 1, 1)
        let logits = model.logits(batch, context: context)
        let targets = rows.map { $0.targets[0] }
        let loss = logits.crossEntropy(targets: targets, divisor: Float(n))
        let correct = zip(logits.argmax(axis: -1), targets).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        let tokens = rows.reduce(0) { $0 + $1.ids.count }
        return TaskLoss(loss: loss, terms: [LossTerm("classification", sum: Double(loss.item) * n, normalizer: "sequences")],
                        counts: ["correct": Double(correct)], tokens: tokens)
    }

    public func evaluate(parallel: DataParallel, reducer: GradientReducer) throws -> [String: Double]? {
        guard !dev.isEmpty else { return nil }
        let mine = Array(dev[parallel.share(of: dev.count)])
        var score = ClassificationScore(labels: classifier.labels)
        for (f, p) in zip(mine, classifier.probabilities(mine)) {
            score.add(predicted: p.indices.max { p[$0] < p[$1] } ?? 0, gold: Int(f.targets[0]))
        }
        score.set(reducer.sum(score.vector))
        return score.metrics(perClass: perClassMetrics)
    }
}
