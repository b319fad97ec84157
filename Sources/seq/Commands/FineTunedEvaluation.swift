import ArgumentParser
import Foundation
import SeqModels
import SeqTasks
import SeqTensor

/// `seq evaluate --task sentiment|pos|nli|qa --model DIR --data F`: the model's figures on
/// a labelled file, as the last stdout line (one JSON object).
enum FineTunedEvaluation {
    struct Options: ParsableArguments {
        @Option(help: "Labelled data for sentiment, pos, nli or qa (the format seq finetune reads).")
        var data: String?
        @Option(help: "qa: also write the predictions as the official {id: answer} JSON to this file.")
        var predictions: String?
        @Option(name: .customLong("max-length"), help: "Tokens per input (default 128; qa 384).")
        var maxLength: Int?
        @Option(name: .customLong("on-bad-input"), help: "refuse (default) or skip records that cannot be used.")
        var onBadInput: BadInputPolicy = .refuse

        func validate(_ kind: FineTuningKind, model: String?) throws {
            guard model != nil, data != nil else {
                throw ValidationError("seq evaluate --task \(kind.rawValue) needs --model DIR (a fine-tuned model) and --data F (\(kind.dataFormat))")
            }
            if predictions != nil && kind != .qa { throw ValidationError("--predictions is for --task qa") }
            if let maxLength, !(8...512).contains(maxLength) { throw ValidationError("--max-length must be in 8...512, got \(maxLength)") }
        }
    }

    static func run(_ kind: FineTuningKind, model: String, options: Options) throws {
        guard let data = options.data else { return }
        let loadStarted = DispatchTime.now().uptimeNanoseconds
        let loaded = try FineTunedModel.load(task: kind, directory: model, maxLength: options.maxLength, purpose: "seq evaluate --task \(kind.rawValue)")
        // Throughput counts reading, tokenizing and running the data, not loading the model
        // (reported apart as load_seconds), as transformers' figures are taken after
        // from_pretrained.
        let started = DispatchTime.now().uptimeNanoseconds
        let loadSeconds = Double(started - loadStarted) / 1e9
        var handler = BadInputHandler(policy: options.onBadInput) { FileHandle.standardErrorWrite("seq: warning: \($0.description) (skipped)\n") }
        let single = SingleProcessReducer()
        var metrics: [String: Double]
        var evaluated = 0
        switch loaded {
        case .classifier(let c):
            let examples = kind == .nli ? try TextClassificationData.pairs(path: data, handler: &handler)
                                        : try TextClassificationData.glue(path: data, handler: &handler)
            let features = try c.features(examples, path: data, handler: &handler)
            guard !features.isEmpty else { throw InputError(file: data, line: nil, message: "no examples left to evaluate") }
            metrics = try SequenceClassificationObjective(classifier: c, dev: features, perClassMetrics: kind == .nli)
                .evaluate(parallel: .single, reducer: single) ?? [:]
            evaluated = features.count
        case .tagger(let t):
            let sentences = try CoNLLU.read(path: data, handler: &handler)
            metrics = try TaggingObjective(tagger: t, dev: sentences).evaluate(parallel: .single, reducer: single) ?? [:]
            evaluated = sentences.count
        case .reader(let r):
            let questions = try SQuADData.read(path: data, requireAnswers: false, handler: &handler)
            let answers = r.answer(questions.map { ($0.question, $0.context) })
            var predicted: [String: String] = [:]
            for (q, a) in zip(questions, answers) { predicted[q.id] = a.text }
            let score = SQuADScore.evaluate(questions: questions.map { .init(id: $0.id, answers: $0.answers.map(\.text)) }, predictions: predicted)
            metrics = ["exact_match": score.exactMatch, "f1": score.f1, "examples": Double(questions.count)]
            evaluated = questions.count
            if let path = options.predictions {
                let json = try JSONSerialization.data(withJSONObject: predicted, options: [.sortedKeys, .withoutEscapingSlashes])
                do { try AtomicFile.write(json, to: URL(fileURLWithPath: path)) } catch {
                    throw InputError(file: path, line: nil, message: "cannot write the predictions (\(error.localizedDescription))")
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var out: [String: Any] = metrics
        out["examples"] = evaluated
        out["skipped"] = handler.skipped
        out["seconds"] = (seconds * 1000).rounded() / 1000
        out["load_seconds"] = (loadSeconds * 1000).rounded() / 1000
        out["examples_per_s"] = seconds > 0 ? (Double(evaluated) / seconds * 10).rounded() / 10 : 0
        let json = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .withoutEscapingSlashes])
        try StandardOutput.write(json + Data("\n".utf8))
    }
}
