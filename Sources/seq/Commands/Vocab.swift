import ArgumentParser
import Foundation
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

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Option(help: "Random seed (training is deterministic; accepted for uniformity).")
    var seed: Int = 0

    enum ModelKind: String, ExpressibleByArgument { case wordpiece, bpe }

    func validate() throws {
        if size < 1 { throw ValidationError("--size must be positive, got \(size).") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1, got \(t).") }
        if minFrequency < 1 { throw ValidationError("--min-frequency must be at least 1, got \(minFrequency).") }
    }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("seq vocab train: \(message)\n".utf8))
        return ExitCode(1)
    }

    func run() throws {
        let start = Date()
        let fd: Int32 = corpus == "-" ? 0 : open(corpus, O_RDONLY)
        guard fd >= 0 else { throw fail("\(corpus): cannot open the corpus (\(String(cString: strerror(errno))))") }
        defer { if fd != 0 { close(fd) } }
        var options = TrainerOptions(vocabularySize: size)
        options.minFrequency = minFrequency
        options.limitAlphabet = limitAlphabet
        options.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
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
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            if case .wordPiece(let wp) = trained.model {
                try VocabTxt.write(wp.vocabulary.tokens, path: out + "/vocab.txt")
            }
            try trained.jsonData().write(to: URL(fileURLWithPath: out + "/tokenizer.json"))
        } catch {
            throw fail("\(out): cannot write the vocabulary (\(error))")
        }
        let seconds = Date().timeIntervalSince(start)
        print("{\"model\":\"\(model.rawValue)\",\"vocab_size\":\(trained.vocabularySize),\"distinct_words\":\(words),\"seconds\":\(String(format: "%.3f", seconds)),\"out\":\"\(out)\"}")
    }
}
