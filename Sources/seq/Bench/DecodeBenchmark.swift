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
        var decoder: DecoderKind = .autoregressive
        /// The deep-encoder/shallow-decoder autoregressive model (6 + 1 layers).
        var deepShallow = false
        var iterations = 10
        var lengthBeam = 1
        var upsample = 2
        var ctcBeam = 1
    }

    /// METHOD:BATCH pairs. Methods: greedy, beamK (the 3+3 autoregressive model);
    /// dsgreedy, dsbeamK (deep-shallow, 6+1); vanilla[lL] (one pass); cmlmK[lL] (mask-predict,
    /// K passes, L lengths, default 3); ctc[U] (one pass over the source upsampled ×U,
    /// default 2; ctcUbB: prefix beam search keeping B prefixes).
    static func parse(_ configs: String) throws -> [Config] {
        try configs.split(separator: ",").map { part in
            let fields = part.split(separator: ":")
            guard fields.count == 2, let batch = Int(fields[1]), batch >= 1 else {
                throw InputError(file: "--configs", line: nil, message: "'\(part)' is not METHOD:BATCH (greedy:1, beam5:64, cmlm4:1, …)")
            }
            guard let config = method(String(fields[0]), name: String(part), batch: batch) else {
                throw InputError(file: "--configs", line: nil, message: "'\(fields[0])' is not greedy, beamK, dsgreedy, dsbeamK, vanilla[lL], cmlmK[lL] or ctc[U][bB]")
            }
            return config
        }
    }

    static func method(_ method: String, name: String, batch: Int) -> Config? {
        var c = Config(name: name, beam: 1, batch: batch)
        var m = Substring(method)
        if m.hasPrefix("ds") { c.deepShallow = true; m = m.dropFirst(2) }
        /// "K" or "KlL" → (K, L).
        func counts(_ s: Substring, k: Int?, l: Int) -> (Int, Int)? {
            let parts = s.split(separator: "l", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            let first = parts[0].isEmpty ? k : Int(parts[0])
            let second = parts.count == 2 ? Int(parts[1]) : l
            guard let first, let second, first >= 1, second >= 1 else { return nil }
            return (first, second)
        }
        if m == "greedy" { return c }
        if m.hasPrefix("beam"), let k = Int(m.dropFirst(4)), k >= 1 { c.beam = k; return c }
        if c.deepShallow { return nil }
        if m.hasPrefix("vanilla"), let (_, l) = counts(m.dropFirst(7), k: 1, l: 1) {
            c.decoder = .natVanilla; c.lengthBeam = l; return c
        }
        if m.hasPrefix("cmlm"), let (k, l) = counts(m.dropFirst(4), k: nil, l: 3) {
            c.decoder = .natCMLM; c.iterations = k; c.lengthBeam = l; return c
        }
        if m.hasPrefix("ctc") {
            // "ctc[U][bB]": upsampling U (default 2), prefix beam B (default 1: best path).
            let parts = m.dropFirst(3).split(separator: "b", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            let u = parts[0].isEmpty ? 2 : Int(parts[0])
            let b = parts.count == 2 ? Int(parts[1]) : 1
            guard let u, let b, (1...8).contains(u), b >= 1 else { return nil }
            c.decoder = .natCTC; c.upsample = u; c.ctcBeam = b; return c
        }
        return nil
    }

    func run() throws -> [String: Any] {
        let configs = try Self.parse(self.configs)
        let translator: Translator, vocabulary: TranslationVocabulary
        var bpeSeconds = 0.0
        if let model {
            let url = URL(fileURLWithPath: model)
            translator = try Translator.load(directory: url)
            vocabulary = try TranslationVocabulary.load(directory: url)
            for c in configs where c.decoder != translator.config.decoder || c.deepShallow {
                throw InputError(file: model, line: nil, message: "holds a\(translator.config.decoder == .autoregressive ? "n" : "") \(translator.config.decoder.rawValue) model; --configs '\(c.name)' needs a\(c.decoder == .autoregressive ? "n" : "") \(c.deepShallow ? "deep-shallow " : "")\(c.decoder.rawValue) one (leave --model out to time every kind with random weights)")
            }
        } else {
            let started = Date()
            vocabulary = try TranslationVocabulary.train(sourcePath: data + "/train.en", targetPath: data + "/train.de", size: 8000, joint: true)
            bpeSeconds = Date().timeIntervalSince(started)
            FileHandle.standardErrorWrite("[seq bench decode] trained BPE vocab=\(vocabulary.source.vocabularySize) in \(String(format: "%.1f", bpeSeconds))s\n")
            translator = Self.randomModel(vocabularySize: vocabulary.source.vocabularySize, decoder: .autoregressive, deepShallow: false,
                                          upsample: 2, seed: seed)
        }
        // Each kind of model the configurations time: the same shape, seeded random weights.
        var models: [String: Translator] = [:]
        func decoderModel(for c: Config) -> Translator {
            guard self.model == nil, c.decoder != .autoregressive || c.deepShallow else { return translator }
            let key = "\(c.decoder.rawValue)-\(c.deepShallow)-\(c.upsample)"
            if let m = models[key] { return m }
            let m = Self.randomModel(vocabularySize: vocabulary.source.vocabularySize, decoder: c.decoder, deepShallow: c.deepShallow,
                                     upsample: c.upsample, seed: seed)
            models[key] = m
            return m
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
            o.iterations = config.iterations
            o.lengthBeam = config.lengthBeam
            o.ctcBeam = config.ctcBeam
            let decoder = decoderModel(for: config)
            let t = SentenceTranslator(model: decoder, vocabulary: vocabulary, options: o, batchSize: config.batch)
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
                                    "tokens_per_s": (Double(generated) / seconds * 10).rounded() / 10, "generated_tokens": generated,
                                    "decoder": decoder.config.decoder.rawValue,
                                    "layers": "\(decoder.config.encoderLayers)+\(decoder.config.decoderLayers)"]
            FileHandle.standardErrorWrite("[seq bench decode] \(config.name): \(String(format: "%.2f", Double(sources.count) / seconds)) sent/s, \(Int(Double(generated) / seconds)) tok/s (\(String(format: "%.1f", seconds))s)\n")
        }
        result["configs"] = figures
        result["nat_rule"] = "nat-vanilla, nat-cmlm: the candidate lengths are the caps (and cap-1, … for a length beam), K passes each; nat-ctc: the source (with </s>) upsampled, one pass"
        result["bpe_train_seconds"] = (bpeSeconds * 100).rounded() / 100
        result["peak_rss_mib"] = (ProcessStats.peakRSSMiB() * 10).rounded() / 10
        return result
    }

    /// The reference's shape (or the deep-shallow preset) as `decoder`, seeded random weights.
    static func randomModel(vocabularySize: Int, decoder: DecoderKind, deepShallow: Bool, upsample: Int, seed: UInt64) -> Translator {
        let preset: TranslatorPreset = deepShallow ? .deepShallow : .base
        let config = preset.config(vocabSize: vocabularySize).withDecoder(decoder, maxTargetLength: 255, upsample: upsample)
        var generator = RandomGenerator(seed: seed)
        return withoutGradients { Translator(config, generator: &generator) }
    }
}
