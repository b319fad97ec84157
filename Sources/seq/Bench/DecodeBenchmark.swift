import Foundation
import SeqModels
import SeqTasks
import SeqTensor

/// `seq bench decode`: the same work as `../shared/ref/seq2seq_ref.py decode`. The
/// reference's model shape (3+3 layers × 256, 4 heads, FFN 1024, one 8000-entry joint
/// byte-level BPE trained on train.en + train.de) with seeded random weights, the first
/// `sentences` lines of val.en, `</s>` disabled so every sentence generates exactly
/// int(1.5·n_src)+10 tokens, batches in file order; timed per configuration: the encoder
/// and the whole decode (BPE encoding and detokenization excluded). With `model`, a
/// trained model's weights and vocabulary, stopping on `</s>`.
struct DecodeBenchmark {
    var data: String
    var model: String?
    var sentences = 500
    var configs = "greedy:1,greedy:64,beam5:1,beam5:64"
    var seed: UInt64 = 0

    struct Config {
        var name: String
        var beam: Int
        var batch: Int
    }

    static func parse(_ configs: String) throws -> [Config] {
        try configs.split(separator: ",").map { part in
            let fields = part.split(separator: ":")
            guard fields.count == 2, let batch = Int(fields[1]), batch >= 1 else {
                throw InputError(file: "--configs", line: nil, message: "'\(part)' is not METHOD:BATCH (greedy:1, beam5:64, …)")
            }
            let method = String(fields[0])
            let beam = method == "greedy" ? 1 : method.hasPrefix("beam") ? Int(method.dropFirst(4)) : nil
            guard let beam, beam >= 1 else {
                throw InputError(file: "--configs", line: nil, message: "'\(method)' is not greedy or beamK")
            }
            return Config(name: String(part), beam: beam, batch: batch)
        }
    }

    func run() throws -> [String: Any] {
        let configs = try Self.parse(self.configs)
        let translator: Translator, vocabulary: TranslationVocabulary
        var bpeSeconds = 0.0
        if let model {
            let url = URL(fileURLWithPath: model)
            translator = try Translator.load(directory: url)
            vocabulary = try TranslationVocabulary.load(directory: url)
        } else {
            let started = Date()
            vocabulary = try TranslationVocabulary.train(sourcePath: data + "/train.en", targetPath: data + "/train.de", size: 8000, joint: true)
            bpeSeconds = Date().timeIntervalSince(started)
            FileHandle.standardErrorWrite("[seq bench decode] trained BPE vocab=\(vocabulary.source.vocabularySize) in \(String(format: "%.1f", bpeSeconds))s\n")
            var generator = RandomGenerator(seed: seed)
            translator = withoutGradients { Translator(TranslatorPreset.base.config(vocabSize: vocabulary.source.vocabularySize), generator: &generator) }
        }
        let lines = try TextLines.read(path: data + "/val.en").prefix(sentences)
        let encoder = vocabulary.source.makeLineEncoder()
        let sources = lines.map { vocabulary.encodeSource($0, encoder: encoder) }
        var options = DecodingOptions()
        options.ignoreEOS = model == nil
        let caps = sources.map { options.cap(sourceTokens: $0.count) }
        let c = translator.config
        var result: [String: Any] = [
            "script": "seq", "mode": "decode", "threads": Engine.threads, "seed": Int(seed),
            "model": ["d_model": c.width, "enc_layers": c.encoderLayers, "dec_layers": c.decoderLayers, "heads": c.heads,
                      "ffn": c.feedForward, "dropout": c.dropout, "norm": c.normalizeBefore ? "pre-LN" : "post-LN",
                      "vocab": c.vocabSize, "bpe": "byte-level BPE (seq), train.en+train.de", "tied_embeddings": c.tieOutput] as [String: Any],
            "weights": model == nil ? "random (seeded)" : "checkpoint", "stop_on_eos": model != nil,
            "sentences": sources.count, "src_tokens": sources.reduce(0) { $0 + $1.count },
            "cap_rule": "int(1.5*n_src)+10", "sum_caps": caps.reduce(0, +), "params": translator.parameterCount,
        ]
        var figures: [String: Any] = [:]
        for config in configs {
            var o = options
            o.beam = config.beam
            let t = SentenceTranslator(model: translator, vocabulary: vocabulary, options: o, batchSize: config.batch)
            let cpu0 = ProcessStats.cpuSeconds()
            let t0 = DispatchTime.now().uptimeNanoseconds
            var generated = 0
            for start in stride(from: 0, to: sources.count, by: config.batch) {
                let out = t.decode(Array(sources[start..<min(sources.count, start + config.batch)]))
                // The reference counts </s> in its outputs when it stops on it.
                for (i, ids) in out.enumerated() { generated += ids.count + (model != nil && ids.count < caps[start + i] ? 1 : 0) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let cpu = (ProcessStats.cpuSeconds() - cpu0) / seconds
            figures[config.name] = ["seconds": (seconds * 1000).rounded() / 1000, "cpu_seconds_per_wall_second": (cpu * 1000).rounded() / 1000,
                                    "sentences_per_s": (Double(sources.count) / seconds * 100).rounded() / 100,
                                    "tokens_per_s": (Double(generated) / seconds * 10).rounded() / 10, "generated_tokens": generated]
            FileHandle.standardErrorWrite("[seq bench decode] \(config.name): \(String(format: "%.2f", Double(sources.count) / seconds)) sent/s, \(Int(Double(generated) / seconds)) tok/s (\(String(format: "%.1f", seconds))s)\n")
        }
        result["configs"] = figures
        result["bpe_train_seconds"] = (bpeSeconds * 100).rounded() / 100
        result["peak_rss_mib"] = (ProcessStats.peakRSSMiB() * 10).rounded() / 10
        return result
    }
}
