import ArgumentParser
import Foundation
import SeqModels
import SeqTasks
import SeqTensor
import SeqText

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a fine-tuned model on stdin: one JSON line (or CoNLL-U) per input.",
        discussion: """
            Streams stdin in chunks (output begins before the input ends). sentiment: a sentence \
            per line → {"label", "probabilities"}. nli: premise<TAB>hypothesis per line → the same. \
            pos: a sentence per line (words split on spaces) or CoNLL-U (detected by its first \
            line) → {"words", "tags"}, or with --format conllu CoNLL-U with UPOS filled in. qa: \
            JSON lines {"question", "context"} (and optionally "id") → {"answer", "start", "end", \
            "score"}, offsets in characters (Unicode scalars) of the context. A summary goes to \
            stderr.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, conllu }

    @Option(help: "sentiment, pos, nli or qa.")
    var task: FineTuningKind
    @Option(help: "A model directory `seq finetune --task` wrote for this task.")
    var model: String
    @Option(help: "Output: json (default) or conllu (pos).")
    var format: Format = .json
    @Option(name: .customLong("batch-size"), help: "Inputs per forward pass.")
    var batchSize = 32
    @Option(name: .customLong("max-length"), help: "Tokens per input (default: 128; qa 384).")
    var maxLength: Int?

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...4096, got \(batchSize)") }
        if let maxLength, !(8...512).contains(maxLength) { throw ValidationError("--max-length must be in 8...512, got \(maxLength)") }
        if format == .conllu && task != .pos { throw ValidationError("--format conllu is for --task pos") }
    }

    func run() throws {
        FrozenWeights.enable()   // this command only runs models: keep transposed weights
        compute.apply()
        let started = DispatchTime.now().uptimeNanoseconds
        let predictor = try FineTunedModel.load(task: task, directory: model, maxLength: maxLength, purpose: "seq predict --task \(task.rawValue)")
        var inputs = 0
        var pending: [(line: Int, text: String)] = []
        var conllu: Bool?
        func flush() throws {
            guard !pending.isEmpty else { return }
            let text: String
            switch predictor {
            case .classifier(let c): text = try Self.classify(c, pending, pairs: task == .nli)
            case .tagger(let t): text = try Self.tag(t, pending, conllu: conllu ?? false, format: format)
            case .reader(let r): text = try Self.answer(r, pending, batchSize: batchSize)
            }
            inputs += pending.count
            pending.removeAll(keepingCapacity: true)
            try StandardOutput.write(Data(text.utf8))
        }
        var number = 0
        var streamError: Error?
        do {
            let stream = LineStream(fd: 0)
            // CoNLL-U goes in whole sentences: a group of inputs ends only at a blank line.
            func mayEndAfter(_ line: String) -> Bool { conllu != true || CoNLLU.isBlank(line) }
            try stream.forEachBatch { bytes, lines in
                for r in lines {
                    number += 1
                    var scalars = String.UnicodeScalarView()
                    UTF8Decoding.decode(UnsafeBufferPointer(rebasing: bytes[r])) { scalars.append(Unicode.Scalar($0) ?? "\u{FFFD}") }
                    let line = String(scalars)
                    if conllu == nil, task == .pos, !line.isEmpty {
                        conllu = line.hasPrefix("#") || line.split(separator: "\t", omittingEmptySubsequences: false).count == 10
                    }
                    pending.append((number, line))
                    if pending.count >= batchSize * 8 && mayEndAfter(line) { try flush() }
                }
                // Input paused: answer what is here.
                if stream.inputIdle, let last = pending.last, mayEndAfter(last.text) { try flush() }
            }
        } catch let e as InputError {
            throw e
        } catch {
            streamError = error
        }
        if let streamError { throw InputError(file: "<stdin>", line: number + 1, message: "cannot read: \(streamError)") }
        try flush()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let summary: [String: Any] = ["inputs": inputs, "seconds": (seconds * 1000).rounded() / 1000,
                                      "inputs_per_s": seconds > 0 ? (Double(inputs) / seconds * 10).rounded() / 10 : 0,
                                      "threads": Engine.threads]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        FileHandle.standardError.write(json + Data("\n".utf8))
    }

    static func jsonLine(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
    }

    static func classify(_ c: SequenceClassifier, _ lines: [(line: Int, text: String)], pairs: Bool) throws -> String {
        var features: [FineTuningFeature] = []
        for (n, text) in lines {
            if pairs {
                let parts = text.split(separator: "\t", omittingEmptySubsequences: false)
                guard parts.count >= 2 else { throw InputError(file: "<stdin>", line: n, message: "no tab; expected premise<TAB>hypothesis") }
                features.append(c.encode(String(parts[0]), pair: String(parts[1])))
            } else {
                features.append(c.encode(text))
            }
        }
        var out = ""
        for p in c.probabilities(features) {
            let best = p.indices.max { p[$0] < p[$1] } ?? 0
            let probabilities = Dictionary(uniqueKeysWithValues: zip(c.labels, p.map { (Double($0) * 1e6).rounded() / 1e6 }))
            out += try jsonLine(["label": c.labels[best], "probabilities": probabilities] as [String: Any])
        }
        return out
    }

    static func tag(_ t: Tagger, _ lines: [(line: Int, text: String)], conllu: Bool, format: Format) throws -> String {
        func name(_ k: Int) -> String { k >= 0 && k < t.labels.count ? t.labels[k] : "X" }
        if !conllu {
            let sentences = lines.map { $0.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
            var out = ""
            for (words, tags) in zip(sentences, t.tag(sentences)) {
                if format == .json {
                    out += try jsonLine(["words": words, "tags": tags.map(name)] as [String: Any])
                } else {
                    for (i, (w, k)) in zip(words, tags).enumerated() { out += "\(i + 1)\t\(w)\t_\t\(name(k))\t_\t_\t_\t_\t_\t_\n" }
                    out += "\n"
                }
            }
            return out
        }
        // CoNLL-U in: tag each sentence's words; write the input back with UPOS filled in.
        var handler = BadInputHandler()
        let sentences = try CoNLLU.parse(lines.map { (number: $0.line, text: $0.text) }, path: "<stdin>", requireTags: false, handler: &handler)
        let tags = t.tag(sentences.map(\.words))
        if format == .json {
            return try zip(sentences, tags).map { try jsonLine(["words": $0.words, "tags": $1.map(name)] as [String: Any]) }.joined()
        }
        return CoNLLU.fillingUPOS(lines.map { (number: $0.line, text: $0.text) }, tags: tags.map { $0.map(name) })
    }

    static func answer(_ r: SpanExtractor, _ lines: [(line: Int, text: String)], batchSize: Int) throws -> String {
        var items: [(question: String, context: String)] = [], ids: [Any] = []
        for (n, text) in lines where !text.isEmpty {
            guard let o = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
                  let q = o["question"] as? String, let c = o["context"] as? String else {
                throw InputError(file: "<stdin>", line: n, message: "expected a JSON object with string \"question\" and \"context\"")
            }
            items.append((q, c))
            ids.append(o["id"] ?? NSNull())
        }
        return try zip(r.answer(items, batchSize: batchSize), ids).map { a, id in
            var o: [String: Any] = ["answer": a.text, "start": a.start, "end": a.end, "score": a.score.isFinite ? Double(a.score) : NSNull()]
            if !(id is NSNull) { o["id"] = id }
            return try jsonLine(o)
        }.joined()
    }
}

/// A fine-tuned model of one task, loaded for evaluation or prediction; another task's
/// model is refused in one sentence.
enum FineTunedModel {
    case classifier(SequenceClassifier)
    case tagger(Tagger)
    case reader(SpanExtractor)

    static func load(task: FineTuningKind, directory: String, maxLength: Int?, purpose: String) throws -> FineTunedModel {
        let url = URL(fileURLWithPath: directory)
        return try Finetune.mapErrors(directory) {
            let tokenizer: Tokenizer
            func loadTokenizer() throws -> Tokenizer {
                do { return try Tokenizer.load(path: url.path) } catch {
                    throw InputError(file: directory, line: nil, message: "cannot load the model's tokenizer (\(error))")
                }
            }
            switch task {
            case .sentiment, .nli:
                let m = try BertForSequenceClassification.load(directory: url, for: purpose)
                let isNLI = Set(m.labels).isSuperset(of: ["entailment", "contradiction"])
                if isNLI != (task == .nli) {
                    throw InputError(file: directory, line: nil, message: "holds a model fine-tuned for \(isNLI ? "nli" : "sentiment") (labels \(m.labels.joined(separator: ", "))), but \(purpose) needs one for \(task.rawValue)")
                }
                tokenizer = try loadTokenizer()
                return .classifier(SequenceClassifier(model: m, tokenizer: tokenizer, maxLength: maxLength ?? 128))
            case .pos:
                let m = try BertForTokenClassification.load(directory: url, for: purpose)
                tokenizer = try loadTokenizer()
                return .tagger(Tagger(model: m, tokenizer: tokenizer, maxLength: maxLength ?? 128))
            case .qa:
                let m = try BertForQuestionAnswering.load(directory: url, for: purpose)
                tokenizer = try loadTokenizer()
                return .reader(SpanExtractor(model: m, tokenizer: tokenizer, maxLength: maxLength ?? 384, docStride: 128, maxAnswerLength: 30))
            }
        }
    }
}
