import ArgumentParser
import Foundation
import SeqModels
import SeqTasks

/// How `seq translate` and `seq evaluate --model` decode: shared flags, one meaning.
struct DecodingFlags: ParsableArguments {
    @Option(help: "Beam size (1: greedy).")
    var beam = 5
    @Option(name: .customLong("batch-size"), help: "Sentences decoded together (sentences of similar length are grouped).")
    var batchSize = 64
    @Option(name: .customLong("max-length-ratio"), help: "Outputs are capped at int(R × source tokens) + 10 tokens.")
    var maxLengthRatio = 1.5
    @Option(name: .customLong("length-penalty"), help: "Beam search scores finished hypotheses as log P / length^A (fairseq's; 0: none).")
    var lengthPenalty = 1.0
    @Option(name: .customLong("sample-top-k"), help: "Sample from the K most likely tokens instead of searching (0: off; with --beam 1).")
    var sampleTopK = 0
    @Option(help: "Sampling temperature (with --sample-top-k).")
    var temperature: Float = 1
    @Option(help: "Assert the model's decoder: nat (a nat-vanilla, nat-cmlm or nat-ctc model) or autoregressive. The kind is always read from the model's config.json; this only refuses another.")
    var decoder: DecoderFamily?
    @Option(help: "nat-cmlm: mask-predict passes (K).")
    var iterations = 10
    @Option(name: .customLong("length-beam"), help: "nat-cmlm, nat-vanilla: candidate lengths decoded per sentence, the best by mean log-probability kept (default 3 for nat-cmlm, 1 for nat-vanilla).")
    var lengthBeam: Int?
    @Option(name: .customLong("ctc-beam"), help: "nat-ctc: prefixes kept by CTC prefix beam search (1: the best path, collapsed).")
    var ctcBeam = 1
    @Option(name: .customLong("npd-teacher"), help: "Noisy parallel decoding: this autoregressive model (same vocabulary) scores the nat-vanilla or nat-cmlm model's candidates in one batched pass; the best is kept.")
    var npdTeacher: String?
    @Option(name: .customLong("npd-candidates"), help: "Noisy parallel decoding: candidates per sentence (the most likely lengths), default 5.")
    var npdCandidates: Int?

    /// What `--decoder` may assert.
    enum DecoderFamily: String, ExpressibleByArgument, CaseIterable {
        case autoregressive, nat

        func admits(_ kind: DecoderKind) -> Bool { (kind == .autoregressive) == (self == .autoregressive) }
    }

    func validate() throws {
        if beam < 1 { throw ValidationError("--beam must be at least 1, got \(beam)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if !(maxLengthRatio > 0 && maxLengthRatio.isFinite) { throw ValidationError("--max-length-ratio must be a positive number, got \(maxLengthRatio)") }
        if !lengthPenalty.isFinite { throw ValidationError("--length-penalty must be a number, got \(lengthPenalty)") }
        if sampleTopK < 0 { throw ValidationError("--sample-top-k must be non-negative, got \(sampleTopK)") }
        if sampleTopK > 0 && beam > 1 { throw ValidationError("--sample-top-k samples one hypothesis: use it with --beam 1") }
        if !(temperature > 0 && temperature.isFinite) { throw ValidationError("--temperature must be a positive number, got \(temperature)") }
        if iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if ctcBeam < 1 { throw ValidationError("--ctc-beam must be at least 1, got \(ctcBeam)") }
        if let lengthBeam, lengthBeam < 1 { throw ValidationError("--length-beam must be at least 1, got \(lengthBeam)") }
        if let npdCandidates, npdCandidates < 1 { throw ValidationError("--npd-candidates must be at least 1, got \(npdCandidates)") }
        if npdCandidates != nil && npdTeacher == nil { throw ValidationError("--npd-candidates needs --npd-teacher DIR (the model that scores them)") }
        if npdTeacher != nil && lengthBeam != nil { throw ValidationError("with --npd-teacher the candidates are --npd-candidates; drop --length-beam") }
    }

    func options(seed: UInt64, kind: DecoderKind = .autoregressive) -> DecodingOptions {
        var o = DecodingOptions()
        o.iterations = iterations
        o.lengthBeam = lengthBeam ?? (kind == .natCMLM ? 3 : 1)
        o.beam = beam
        o.ctcBeam = ctcBeam
        o.maxLengthRatio = maxLengthRatio
        o.lengthPenalty = lengthPenalty
        o.sampleTopK = sampleTopK
        o.temperature = temperature
        o.seed = seed
        return o
    }

    /// The translator in `model` (default: the directory seq train-translation writes
    /// without arguments), refusing other kinds of model in one sentence.
    func translator(model: String?, seed: UInt64) throws -> SentenceTranslator {
        let path = model ?? TrainTranslation.defaultOut
        let url = URL(fileURLWithPath: path)
        if model == nil && !FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            throw InputError(file: path, line: nil,
                             message: "no translation model here; make one with `seq train-translation` (a few minutes on the bundled corpus) or pass --model DIR")
        }
        do {
            let translator = try Translator.load(directory: url)
            let kind = translator.config.decoder
            if let decoder, !decoder.admits(kind) {
                throw CheckpointError("\(path) holds a\(kind == .autoregressive ? "n" : "") \(kind.rawValue) translation model, not the \(decoder == .nat ? "non-autoregressive (nat-vanilla, nat-cmlm, nat-ctc)" : "autoregressive") kind --decoder \(decoder.rawValue) asks for")
            }
            let vocabulary = try TranslationVocabulary.load(directory: url)
            let sentences = SentenceTranslator(model: translator, vocabulary: vocabulary, options: options(seed: seed, kind: kind), batchSize: batchSize)
            if let npdTeacher {
                sentences.teacher = try teacher(npdTeacher, for: translator.config, path: path)
                sentences.options.lengthBeam = npdCandidates ?? 5
            }
            return sentences
        } catch let e as CheckpointError {
            throw InputError(file: path, line: nil, message: e.message.hasPrefix(path) ? String(e.message.dropFirst(path.count)).trimmingCharacters(in: CharacterSet(charactersIn: ": ")) : e.message)
        } catch let e as InputError {
            throw e
        } catch let e as CorpusError {
            throw InputError(file: e.path, line: nil, message: e.message)
        } catch let e as TrainingError {
            throw InputError(file: path, line: nil, message: e.message)
        }
    }

    /// The noisy-parallel-decoding teacher: an autoregressive model with the NAT model's
    /// vocabulary sizes, for a nat-vanilla or nat-cmlm model.
    func teacher(_ dir: String, for config: TranslatorConfig, path: String) throws -> Translator {
        guard config.predictsLength else {
            throw InputError(file: path, line: nil, message: "holds a \(config.decoder.rawValue) model; --npd-teacher rescores the candidate lengths of a nat-vanilla or nat-cmlm model")
        }
        let teacher: Translator
        do { teacher = try Translator.load(directory: URL(fileURLWithPath: dir)) } catch let e as CheckpointError {
            throw InputError(file: dir, line: nil, message: e.message.hasPrefix(dir) ? String(e.message.dropFirst(dir.count)).trimmingCharacters(in: CharacterSet(charactersIn: ": ")) : e.message)
        }
        guard teacher.config.decoder == .autoregressive else {
            throw InputError(file: dir, line: nil, message: "holds a \(teacher.config.decoder.rawValue) model; --npd-teacher must be an autoregressive translation model")
        }
        guard teacher.config.vocabSize == config.vocabSize && teacher.config.targetVocabularySize == config.targetVocabularySize else {
            throw InputError(file: dir, line: nil, message: "has vocabularies of \(teacher.config.vocabSize)/\(teacher.config.targetVocabularySize) entries but the model \(config.vocabSize)/\(config.targetVocabularySize); the teacher must share the model's vocabulary (train the model with --init from it)")
        }
        return teacher
    }
}
