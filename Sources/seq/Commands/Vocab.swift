import ArgumentParser
import Foundation
import SeqTensor
import SeqText

struct Vocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train and inspect subword vocabularies.",
        subcommands: [VocabTrain.self])
}

struct VocabTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a WordPiece or byte-level BPE vocabulary on a corpus (one text per line).",
        discussion: """
            Writes OUT/vocab.txt (WordPiece) and OUT/tokenizer.json. Deterministic for a corpus and \
            size; the corpus is streamed, so memory is bounded by the word statistics. The last \
            stdout line is one JSON object.
            """)

    @Argument(help: "Corpus file, UTF-8 text, one line per text ('-' for stdin).")
    var corpus: String

    @Option(help: "wordpiece or bpe (byte-level, GPT-2 style).")
    var model: ModelKind = .wordpiece

    @Option(help: "Vocabulary size, special tokens and alphabet included.")
    var size: Int = 30000

    @Option(help: "Output directory.")
    var out: String

    @Option(name: .customLong("min-frequency"), help: "Least count of a pair to merge.")
    var minFrequency: Int = 2

    @Option(name: .customLong("limit-alphabet"), help: "Most characters kept in the alphabet (WordPiece).")
    var limitAlphabet: Int = 1000

    @Flag(inversion: .prefixedNo, help: "Lowercase and strip accents (BERT uncased); WordPiece only.")
    var lowercase = true

    /// Training is deterministic: `--seed` is accepted for uniformity.
    @OptionGroup var compute: ComputeOptions

    enum ModelKind: String, ExpressibleByArgument { case wordpiece, bpe }

    func validate() throws {
        if size < 1 { throw ValidationError("--size must be positive, got \(size).") }
        if size > TokenizerLimits.maxId + 1 { throw ValidationError("--size must be at most \(TokenizerLimits.maxId + 1), got \(size).") }
        if limitAlphabet < 1 { throw ValidationError("--limit-alphabet must be at least 1, got \(limitAlphabet).") }
        if minFrequency < 1 { throw ValidationError("--min-frequency must be at least 1, got \(minFrequency).") }
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("seq vocab train: \(message)\n".utf8))
        return ExitCode(1)
    }

    func run() throws {
        compute.apply()
        let start = Date()
        // A model directory's vocabulary belongs to its weights: replacing it would leave
        // the ids the model was trained on pointing at other tokens.
        if let held = TrainingCommand.modelFile(in: URL(fileURLWithPath: out)) {
            throw ValidationError("\(out) holds a model (\(held)), whose vocabulary belongs to its weights; choose another --out")
        }
        let fd: Int32 = corpus == "-" ? 0 : open(corpus, O_RDONLY)
        guard fd >= 0 else { throw fail("\(corpus): cannot open the corpus (\(String(cString: strerror(errno))))") }
        defer { if fd != 0 { close(fd) } }
        var options = TrainerOptions(vocabularySize: size)
        options.minFrequency = minFrequency
        options.limitAlphabet = limitAlphabet
        options.threads = ThreadCount.current
        let trained: Tokenizer
        let words: Int
        do {
            switch model {
            case .wordpiece:
                let counter = try Tokenizer.bert(vocabulary: Vocabulary(tokens: ["[UNK]", "[CLS]", "[SEP]"]), lowercase: lowercase)
                let corpusWords = try CorpusWords.count(fd: fd, tokenizer: counter, threads: options.threads)
                words = corpusWords.words.count
                let vocab = WordPieceTrainer.train(corpusWords, options: options)
                trained = try Tokenizer.bert(vocabulary: vocab, lowercase: lowercase)
            case .bpe:
                let counter = BPETrainer.counterTokenizer()
                let corpusWords = try CorpusWords.count(fd: fd, tokenizer: counter, threads: options.threads)
                words = corpusWords.words.count
                trained = try BPETrainer.train(corpusWords, options: options)
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail("\(corpus): \(error)")
        }
        guard words > 0 else { throw fail("\(corpus): no words to train a vocabulary on; expected text") }
        do {
            try Self.makeDirectories(out)
            // vocab.txt and tokenizer.json must match: both are written and fsynced before
            // either replaces an old file, and a failed rename puts the old pair back.
            let directory = URL(fileURLWithPath: out, isDirectory: true)
            var files = [(url: URL, data: Data)]()
            if case .wordPiece(let wp) = trained.model {
                files.append((directory.appendingPathComponent("vocab.txt"), VocabTxt.data(wp.vocabulary.tokens)))
            }
            files.append((directory.appendingPathComponent("tokenizer.json"), try trained.jsonData()))
            try AtomicFile.write(files)
        } catch {
            throw fail("\(out): cannot write the vocabulary (\(Self.reason(error))).")
        }
        let seconds = Date().timeIntervalSince(start)
        let summary: [String: Any] = [
            "model": model.rawValue, "vocab_size": trained.vocabularySize, "distinct_words": words,
            "seconds": (seconds * 1000).rounded() / 1000, "out": out,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .withoutEscapingSlashes])
        try StandardOutput.write(json + Data("\n".utf8))
    }

    /// `mkdir -p`, failing with the system's reason (an existing file is not a directory).
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileIOError(path: prefix, operation: "mkdir", errno: errno)
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileIOError(path: path, operation: "stat", errno: errno) }
        if info.st_mode & S_IFMT != S_IFDIR { throw FileIOError(path: path, operation: "mkdir", errno: EEXIST) }
    }

    /// The system's words for a failed file operation, without Foundation's error-domain noise.
    static func reason(_ error: Error) -> String {
        if let e = error as? FileIOError { return "\(e.operation) \(e.path): \(String(cString: strerror(e.errno)))" }
        let ns = error as NSError
        if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(u.code)))
        }
        return ns.localizedDescription
    }
}
