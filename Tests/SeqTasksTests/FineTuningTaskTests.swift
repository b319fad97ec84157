import Foundation
import Testing
import SeqModels
import SeqNN
@testable import SeqTasks
import SeqTensor
import SeqText

/// A tiny BERT directory (2 layers × 64, random weights, a word-level vocabulary of the
/// given words) to fine-tune in seconds.
enum TinyBert {
    static let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    static func directory(words: [String], in dir: URL) throws -> URL {
        let vocabulary = specials + Array(Set(words.map { $0.lowercased() })).sorted()
        let tokenizer = try Tokenizer.bert(vocabulary: Vocabulary(tokens: vocabulary))
        // A wider initialisation than BERT's 0.02 lets so small a model learn in a few
        // hundred steps.
        var config = BertConfig(vocabSize: vocabulary.count, hiddenSize: 64, layerCount: 2, headCount: 2, intermediateSize: 128,
                                maxPositions: 512, initializerRange: 0.1)
        config.hiddenDropout = 0
        config.attentionDropout = 0
        var generator = RandomGenerator(seed: 3)
        let model = withoutGradients { BertForMaskedLM(config, generator: &generator) }
        let out = dir.appendingPathComponent("tiny-bert")
        try model.save(to: out)
        try tokenizer.writeModelFiles(to: out)
        return out
    }

    static func bundled(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("corpora/finetune/" + name).path
    }

    /// Words of the bundled files (split on spaces, tabs and punctuation).
    static func words(_ files: [String]) throws -> [String] {
        try files.flatMap { try String(contentsOfFile: bundled($0), encoding: .utf8).components(separatedBy: CharacterSet.alphanumerics.inverted) }
            .filter { !$0.isEmpty } + [".", ",", "'", "?"]
    }
}

struct FineTuningTaskTests {
    /// A random tiny BERT tagger (tags A, B) over a WordPiece vocabulary of seven words.
    static func tinyTagger() throws -> (BertForTokenClassification, Tokenizer) {
        let vocab = TinyBert.specials + ["the", "cat", "un", "##believ", "##able", ".", "sat"]
        let tokenizer = try Tokenizer.bert(vocabulary: Vocabulary(tokens: vocab))
        var config = BertConfig.tiny(vocabSize: vocab.count)
        config.labels = ["A", "B"]
        var g = RandomGenerator(seed: 1)
        let model = BertForTokenClassification(encoder: BertModel(config, pooler: false, generator: &g), config: config, generator: &g)
        return (model, tokenizer)
    }

    /// Each word's first subword, through offsets: "unbelievable" → un ##believ ##able
    /// takes position 2; a word of nothing the tokenizer keeps gets none.
    @Test func wordsAlignToTheirFirstSubword() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, tokenizer) = try Self.tinyTagger()
        let tagger = Tagger(model: model, tokenizer: tokenizer, maxLength: 64)
        let a = tagger.align(["The", "unbelievable", "cat", "\u{200B}", "sat", "."])
        #expect(a.ids == [2, 5, 7, 8, 9, 6, 11, 10, 3])
        #expect(a.firstSubword == [1, 2, 5, nil, 6, 7])
        // Truncation: the words past max length have no subword.
        let short = Tagger(model: model, tokenizer: tokenizer, maxLength: 4).align(["The", "unbelievable", "cat"])
        #expect(short.firstSubword == [1, 2, nil])
    }

    /// A huge sentence is aligned from a head of it, with the same result as encoding it
    /// whole: words the tokenizer drops (zero-width spaces) make the head grow until the
    /// encoding is full.
    @Test func aHugeSentenceAlignsAsIfEncodedWhole() throws {
        let (model, tokenizer) = try Self.tinyTagger()
        let tagger = Tagger(model: model, tokenizer: tokenizer, maxLength: 16)
        let bounded = tokenizer.with(truncation: Truncation(maxLength: 16), padding: nil)
        let cases = [Array(repeating: ["The", "unbelievable", "cat", "sat", "."], count: 2_000).flatMap { $0 },
                     Array(repeating: "\u{200B}", count: 100) + ["cat", "sat"] + Array(repeating: "cat", count: 5_000)]
        for words in cases {
            let a = tagger.align(words)
            #expect(a.ids == bounded.encode(words.joined(separator: " ")).ids)
            #expect(a.firstSubword.count == words.count)
            #expect(a.firstSubword.compactMap { $0 }.count <= 14, "16 positions less [CLS] and [SEP]")
            #expect(a.firstSubword.last! == nil)
        }
        #expect(tagger.align(cases[1]).firstSubword[99...101] == [nil, 1, 2])
        #expect(tagger.align(cases[0]).firstSubword[0..<6] == [1, 2, 5, 6, 7, 8])
    }

    func reader(maxLength: Int, stride: Int) throws -> SpanExtractor {
        let words = "ada was born in linmere and kept a compass by the window where did she keep it . ,".split(separator: " ").map(String.init)
        let tokenizer = try Tokenizer.bert(vocabulary: Vocabulary(tokens: TinyBert.specials + words))
        var config = BertConfig.tiny(vocabSize: tokenizer.vocabularySize)
        config.labels = BertForQuestionAnswering.defaultLabels
        var g = RandomGenerator(seed: 1)
        let model = BertForQuestionAnswering(encoder: BertModel(config, pooler: false, generator: &g), config: config, generator: &g)
        return SpanExtractor(model: model, tokenizer: tokenizer, maxLength: maxLength, docStride: stride, maxAnswerLength: 30)
    }

    /// Windows with a stride: the gold span's tokens map back, through the offsets, to the
    /// answer's exact text in every window that holds it; the others point at [CLS].
    @Test func qaWindowsMapTheGoldSpanBackToItsText() throws {
        let r = try reader(maxLength: 16, stride: 4)
        let context = "Ada was born in Linmere, and kept a compass by the window. Ada was born in Linmere and kept a compass."
        let answer = "a compass by the window"
        let start = context.unicodeScalars.distance(from: context.unicodeScalars.startIndex,
                                                    to: context.range(of: answer)!.lowerBound.samePosition(in: context.unicodeScalars)!)
        let example = SQuADExample(id: "x", question: "Where did she keep it?", context: context, answers: [.init(text: answer, start: start)])
        let windows = r.windows(question: example.question, context: context)
        let features = r.trainingFeatures(example)
        #expect(windows.count > 2 && features.count == windows.count)
        var holding = 0
        let scalars = Array(context.unicodeScalars)
        for (w, f) in zip(windows, features) {
            #expect(w.ids.count <= 16)
            if f.targets == [0, 0] { continue }
            holding += 1
            let s = w.context[Int(f.targets[0])]!, e = w.context[Int(f.targets[1])]!
            #expect(String(String.UnicodeScalarView(scalars[s.start..<e.end])) == answer)
        }
        #expect(holding >= 1)
    }

    /// Several reference answers (the second a shorter span at the same start, the third a
    /// repeat of the first): a window holding them gets one (start, end) pair per distinct
    /// answer, each mapping back to its own text; and the loss is the mean over the answers
    /// of (CE(start) + CE(end)) / 2, computed here by hand from the same logits.
    @Test func qaTrainsOnEveryDistinctAnswer() throws {
        let r = try reader(maxLength: 64, stride: 16)
        let context = "Ada was born in Linmere, and kept a compass by the window."
        let long = "a compass by the window", short = "a compass"
        let start = Array(context.unicodeScalars).count - Array("a compass by the window.".unicodeScalars).count
        let example = SQuADExample(id: "x", question: "Where did she keep it?", context: context,
                                   answers: [.init(text: long, start: start), .init(text: short, start: start), .init(text: long, start: start)])
        let features = r.trainingFeatures(example)
        #expect(features.count == 1 && features[0].targets.count == 4)
        let w = r.windows(question: example.question, context: context)[0], scalars = Array(context.unicodeScalars)
        for (j, text) in [long, short].enumerated() {
            let s = w.context[Int(features[0].targets[2 * j])]!, e = w.context[Int(features[0].targets[2 * j + 1])]!
            #expect(String(String.UnicodeScalarView(scalars[s.start..<e.end])) == text)
        }
        let single = r.trainingFeatures(SQuADExample(id: "y", question: "Where was Ada born?", context: context,
                                                     answers: [.init(text: "Linmere", start: 16)]))
        let rows = features + single
        let T = rows.map(\.ids.count).max()!
        let batch = BertBatch.padding(rows, to: T, padID: r.padID)
        let objective = QuestionAnsweringObjective(reader: r, dev: [])
        let loss = withoutGradients { objective.loss(batch, rows: rows, totals: ["sequences": 2], context: .evaluation()) }.loss.item
        let (sl, el) = withoutGradients { r.model.logits(batch, context: .evaluation()) }
        func nll(_ logits: [Float], _ row: Int, _ t: Int32) -> Double {
            let x = logits[(row * T)..<(row * T + T)].map(Double.init), m = x.max()!
            return log(x.reduce(0) { $0 + exp($1 - m) }) + m - x[Int(t)]
        }
        var expected = 0.0
        for (i, row) in rows.enumerated() {
            let k = row.targets.count / 2
            for j in 0..<k { expected += (nll(sl.scalars, i, row.targets[2 * j]) + nll(el.scalars, i, row.targets[2 * j + 1])) / 2 / Double(k) }
        }
        expected /= 2
        #expect(abs(Double(loss) - expected) < 1e-4 * max(1, expected), "\(loss) vs \(expected)")
    }

    /// n-best on hand-made logits: the highest start is past the highest end and the
    /// highest logits of all sit on tokens outside the context, so the best valid pair is
    /// start 2 with end 3; a longer, better span counts only when the maximum answer length
    /// allows it.
    @Test func nBestDecodingPicksTheBestValidSpan() {
        let context: [Encoding.Offset?] = [nil, .init(0, 3), .init(4, 7), .init(8, 12), .init(13, 15), .init(16, 20), nil]
        let best = SpanExtractor.bestSpan(start: [9, -5, 3, 0, 4, 0, 9], end: [9, 5, 0, 2, 0, 0, 9], context: context,
                                          nBest: 20, maxAnswerLength: 3)
        #expect(best?.start == 4 && best?.end == 12 && best?.score == 5, "\(String(describing: best))")
        let start: [Float] = [9, 4, -9, -9, -9, -9, 9], end: [Float] = [9, 0, 0, 1, 0, 6, 9]
        let short = SpanExtractor.bestSpan(start: start, end: end, context: context, nBest: 20, maxAnswerLength: 3)
        #expect(short?.start == 0 && short?.end == 12 && short?.score == 5, "\(String(describing: short))")
        let long = SpanExtractor.bestSpan(start: start, end: end, context: context, nBest: 20, maxAnswerLength: 5)
        #expect(long?.start == 0 && long?.end == 20 && long?.score == 10, "\(String(describing: long))")
        // n-best 1 keeps only the top start (1) and top end (5).
        let one = SpanExtractor.bestSpan(start: start, end: end, context: context, nBest: 1, maxAnswerLength: 3)
        #expect(one == nil)
    }

    /// Every pass serves each row once, in batches of similar length, the same for the same
    /// seed and pass, different for another pass.
    @Test func lengthBucketsCoverEachPassOnce() {
        let lengths = (0..<203).map { ($0 * 37) % 61 + 3 }
        let b = LengthBuckets(lengths: lengths, batchRows: 8, seed: 5)
        let pass = b.batches(epoch: 0)
        #expect(pass.flatMap { $0 }.sorted() == Array(0..<203))
        #expect(pass == b.batches(epoch: 0) && pass != b.batches(epoch: 1))
        var bucketed = b
        bucketed.bucketBatches = 1000
        let spread = bucketed.batches(epoch: 0).map { bt in bt.map { lengths[$0] }.max()! - bt.map { lengths[$0] }.min()! }
        #expect(spread.max()! <= 5, "within one sorted bucket a batch spans few lengths (of 61)")
    }

    func sentimentTask(_ dir: URL, model: FineTuningSetup.Model, position: BatchPosition = BatchPosition()) throws -> FineTuningTask<SequenceClassificationObjective> {
        var setup = FineTuningSetup(settings: FineTuningSettings(task: .sentiment, batchSize: 16, maxLength: 32, seed: 7, labels: ["0", "1"]),
                                    trainPath: TinyBert.bundled("sentiment.train.tsv"), devPath: TinyBert.bundled("sentiment.dev.tsv"), model: model)
        setup.position = position
        return try setup.classification()
    }

    /// A tiny random BERT learns the bundled sentiment set in seconds: the loss falls and
    /// dev accuracy ends high (the labels follow the adjectives and negation).
    @Test func tinyModelLearnsTheBundledSentimentSet() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = try TinyBert.directory(words: try TinyBert.words(["sentiment.train.tsv", "sentiment.dev.tsv"]), in: dir)
        let task = try sentimentTask(dir, model: .start(start))
        var t = TrainerSettings()
        let steps = 250
        t.learningRate = 1e-3
        t.warmupSteps = 20
        t.totalSteps = steps
        let trainer = try Trainer(task: task, taskName: "finetune-sentiment", settings: t)
        var losses: [Float] = []
        for _ in 0..<steps { losses.append(try trainer.trainStep().loss) }
        print("tiny sentiment losses", stride(from: 0, to: steps, by: 25).map { losses[$0] })
        let first = losses.prefix(10).reduce(0, +) / 10, last = losses.suffix(10).reduce(0, +) / 10
        #expect(last < first * 0.5, "loss \(first) → \(last)")
        let accuracy = try #require(try task.evaluate(step: steps, reducer: SingleProcessReducer())?.metrics["accuracy"])
        #expect(accuracy >= 0.85, "dev accuracy \(accuracy)")
        print("tiny sentiment: loss \(first) → \(last), dev accuracy \(accuracy)")
    }

    /// 4 steps straight = 2 steps, checkpoint, resume, 2 steps: same batches, weights and
    /// losses (the batch position, schedule, optimizer and dropout are restored).
    @Test func resumeGivesTheSameRun() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = try TinyBert.directory(words: try TinyBert.words(["sentiment.train.tsv", "sentiment.dev.tsv"]), in: dir)
        var t = TrainerSettings()
        t.learningRate = 1e-3
        t.warmupSteps = 1
        t.totalSteps = 4
        let straight = try Trainer(task: try sentimentTask(dir, model: .start(start)), taskName: "finetune-sentiment", settings: t)
        var expected: [Float] = []
        for _ in 0..<4 { expected.append(try straight.trainStep().loss) }
        let first = try Trainer(task: try sentimentTask(dir, model: .start(start)), taskName: "finetune-sentiment", settings: t)
        var losses: [Float] = []
        for _ in 0..<2 { losses.append(try first.trainStep().loss) }
        let checkpoint = try first.saveCheckpoint(in: dir.appendingPathComponent("run"))
        let resumed = try Trainer<FineTuningTask<SequenceClassificationObjective>>.resume(from: checkpoint, taskName: "finetune-sentiment") { state, directory in
            try sentimentTask(dir, model: .checkpoint(directory), position: state.position)
        }
        for _ in 0..<2 { losses.append(try resumed.trainStep().loss) }
        #expect(zip(losses, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, "\(losses) vs \(expected)")
        let a = resumed.task.module.checkpointTensors, b = straight.task.module.checkpointTensors
        let worst = zip(a, b).map { zip($0.tensor.scalars, $1.tensor.scalars).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } }.max() ?? 1
        #expect(worst <= 1e-6, "largest weight difference \(worst)")
        #expect(resumed.task.position == straight.task.position)
    }
}
