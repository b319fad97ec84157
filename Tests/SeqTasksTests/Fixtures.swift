import Foundation
import SeqModels
import SeqTasks
import SeqText

/// Small files and a hand-written vocabulary, so every expected id below can be read off.
enum Fixture {
    /// ids: [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4 a5 b6 c7 d8 e9 ##x10 f11
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "e", "##x", "f"]
    static func tokenizer() throws -> Tokenizer { try Tokenizer.bert(vocabulary: Vocabulary(tokens: vocabulary)) }

    static func directory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seq-tasks-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func file(_ bytes: [UInt8], in dir: URL, name: String = "corpus.txt") -> String {
        let url = dir.appendingPathComponent(name)
        FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url.path
    }

    static func file(_ text: String, in dir: URL, name: String = "corpus.txt") -> String { file(Array(text.utf8), in: dir, name: name) }

    /// The first `lines` lines of the bundled corpus.
    static func bundledLines(_ lines: Int) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try! String(contentsOf: root.appendingPathComponent("corpora/default.txt"), encoding: .utf8)
        return text.split(separator: "\n").prefix(lines).joined(separator: "\n") + "\n"
    }

    static var bundledVocab: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vocab/default").path
    }

    /// A model small enough for debug-build tests.
    static func settings(vocabSize: Int, seed: UInt64 = 1) -> PretrainingSettings {
        var config = BertConfig(vocabSize: vocabSize, hiddenSize: 16, layerCount: 1, headCount: 2, intermediateSize: 32, maxPositions: 32)
        config.hiddenDropout = 0.1
        config.attentionDropout = 0.1
        var s = PretrainingSettings(model: config)
        s.batchSize = 4
        s.sequenceLength = 16
        s.seed = seed
        s.evalRows = 2
        return s
    }

    static func trainerSettings(seed: UInt64 = 1) -> TrainerSettings {
        var t = TrainerSettings()
        t.learningRate = 1e-3
        t.warmupSteps = 2
        t.totalSteps = 20
        t.seed = seed
        return t
    }

    /// A fresh pretraining run of `settings` on the corpus at `path`.
    static func pretrainer(_ settings: PretrainingSettings, _ trainer: TrainerSettings? = nil, tokenizer: Tokenizer, corpusPath: String,
                           reducer: GradientReducer = SingleProcessReducer()) throws -> Trainer<PretrainingTask> {
        let task = try PretrainingTask(settings: settings, tokenizer: tokenizer, corpusPath: corpusPath, parallel: reducer.dataParallel)
        return try Trainer(task: task, taskName: PretrainingTask.name, settings: trainer ?? trainerSettings(seed: settings.seed),
                           reducer: reducer)
    }

    static func resume(_ checkpoint: URL, reducer: GradientReducer = SingleProcessReducer()) throws -> Trainer<PretrainingTask> {
        try Trainer.resume(from: checkpoint, taskName: PretrainingTask.name, reducer: reducer) { state, directory in
            try PretrainingTask.resume(state, directory: directory, parallel: reducer.dataParallel)
        }
    }
}
