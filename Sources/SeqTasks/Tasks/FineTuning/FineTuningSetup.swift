import Foundation
import SeqCore
import SeqModels
import SeqText

/// Builds a fine-tuning task from its data files and a model directory: a fresh head on a
/// pretrained encoder (`start`), or the model of a checkpoint being resumed.
public struct FineTuningSetup {
    public enum Model {
        /// Any BERT directory to start from; a fresh head for the training data's labels.
        /// `pretrained: false` keeps only its architecture and tokenizer, with every weight
        /// freshly initialised: the baseline that shows what pretraining is worth.
        case start(URL, pretrained: Bool = true)
        /// A checkpoint of this task's head (resume).
        case checkpoint(URL)
        public var directory: URL {
            switch self { case .start(let d, _), .checkpoint(let d): d }
        }
    }

    public var settings: FineTuningSettings
    public var trainPath: String
    public var devPath: String?
    public var model: Model
    public var parallel: DataParallel = .single
    public var position = BatchPosition()
    public var warn: (InputProblem) -> Void = { _ in }

    public init(settings: FineTuningSettings, trainPath: String, devPath: String?, model: Model) {
        self.settings = settings
        self.trainPath = trainPath
        self.devPath = devPath
        self.model = model
    }

    var handler: BadInputHandler { BadInputHandler(policy: settings.badInput, warn: warn) }

    func tokenizer() throws -> Tokenizer {
        let dir = model.directory
        do { return try Tokenizer.load(path: dir.path) } catch {
            throw InputProblem(file: dir.path, message: "cannot load the model's tokenizer (\(error)); expected tokenizer.json or vocab.txt")
        }
    }

    /// The head: loaded from the checkpoint, or fresh on the starting encoder.
    func head<M: BertHeadModel>(_ type: M.Type, labels: [String]) throws -> M {
        switch model {
        case .checkpoint(let dir): return try M.load(directory: dir, for: "resuming \(settings.task.rawValue) fine-tuning")
        case .start(let dir, let pretrained): return try M.startingFrom(directory: dir, labels: labels, seed: settings.seed, pretrained: pretrained)
        }
    }

    /// Labels of a fresh run: the training data's, in a fixed order (NLI's three classes
    /// first in their usual order, the rest sorted).
    static func labelSet(_ labels: some Sequence<String>, preferred: [String] = []) -> [String] {
        let present = Set(labels)
        return preferred.filter(present.contains) + present.subtracting(preferred).sorted()
    }

    /// Sentiment and NLI.
    public mutating func classification() throws -> FineTuningTask<SequenceClassificationObjective> {
        var h = handler
        let isPair = settings.task == .nli
        let read: (String, inout BadInputHandler) throws -> [LabelledText] = { path, h in
            isPair ? try TextClassificationData.pairs(path: path, handler: &h) : try TextClassificationData.glue(path: path, handler: &h)
        }
        let train = try read(trainPath, &h)
        if case .start = model {
            settings.labels = Self.labelSet(train.map(\.label), preferred: isPair ? ["entailment", "neutral", "contradiction"] : [])
        }
        let model = try head(BertForSequenceClassification.self, labels: settings.labels)
        let classifier = SequenceClassifier(model: model, tokenizer: try tokenizer(), maxLength: settings.maxLength)
        let trainRows = try classifier.features(train, path: trainPath, handler: &h)
        var dev: [FineTuningFeature] = []
        if let devPath { dev = try classifier.features(try read(devPath, &h), path: devPath, handler: &h) }
        let objective = SequenceClassificationObjective(classifier: classifier, dev: dev, perClassMetrics: isPair)
        return try FineTuningTask(objective: objective, tokenizer: classifier.tokenizer, settings: settings, train: trainRows,
                                  trainPath: trainPath, devPath: devPath, parallel: parallel, position: position)
    }

    /// POS tagging.
    public mutating func tagging() throws -> FineTuningTask<TaggingObjective> {
        var h = handler
        let train = try CoNLLU.read(path: trainPath, handler: &h)
        if case .start = model { settings.labels = Self.labelSet(train.flatMap(\.tags)) }
        let model = try head(BertForTokenClassification.self, labels: settings.labels)
        let tagger = Tagger(model: model, tokenizer: try tokenizer(), maxLength: settings.maxLength)
        let trainRows = try tagger.features(train, path: trainPath, handler: &h)
        let dev = try devPath.map { try CoNLLU.read(path: $0, handler: &h) } ?? []
        return try FineTuningTask(objective: TaggingObjective(tagger: tagger, dev: dev), tokenizer: tagger.tokenizer, settings: settings,
                                  train: trainRows, trainPath: trainPath, devPath: devPath, parallel: parallel, position: position)
    }

    /// Extractive QA.
    public mutating func questionAnswering() throws -> FineTuningTask<QuestionAnsweringObjective> {
        var h = handler
        let train = try SQuADData.read(path: trainPath, handler: &h)
        settings.labels = BertForQuestionAnswering.defaultLabels!
        let model = try head(BertForQuestionAnswering.self, labels: settings.labels)
        let reader = SpanExtractor(model: model, tokenizer: try tokenizer(), maxLength: settings.maxLength,
                                   docStride: settings.docStride, maxAnswerLength: settings.maxAnswerLength)
        let trainRows = train.flatMap(reader.trainingFeatures)
        let dev = try devPath.map { try SQuADData.read(path: $0, handler: &h) } ?? []
        return try FineTuningTask(objective: QuestionAnsweringObjective(reader: reader, dev: dev), tokenizer: reader.tokenizer,
                                  settings: settings, train: trainRows, trainPath: trainPath, devPath: devPath,
                                  parallel: parallel, position: position)
    }
}
