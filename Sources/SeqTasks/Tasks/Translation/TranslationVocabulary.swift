import Foundation
import SeqCore
import SeqText

/// The source and target tokenizers of a translator: one joint byte-level BPE (the
/// default, so embeddings can be shared) or one per side (`--separate-vocab`). Special
/// tokens take the first ids as in the PyTorch reference: `<pad>`=0 `<s>`=1 `</s>`=2 `<unk>`=3.
/// Saved in the model directory as tokenizer.json (joint, or the source side) and
/// target_tokenizer.json (the target side when separate).
public struct TranslationVocabulary: Sendable {
    public static let specials = ["<pad>", "<s>", "</s>", "<unk>"]
    public static let pad: Int32 = 0, bos: Int32 = 1, eos: Int32 = 2, unk: Int32 = 3
    public static let sourceFile = "tokenizer.json"
    public static let targetFile = "target_tokenizer.json"

    public let source: Tokenizer
    public let target: Tokenizer
    public let isJoint: Bool

    public init(source: Tokenizer, target: Tokenizer? = nil) throws(TrainingError) {
        self.source = source
        self.target = target ?? source
        isJoint = target == nil
        for (side, tok) in [("source", source), ("target", self.target)] {
            for (i, s) in Self.specials.enumerated() where tok.id(of: s) != Int32(i) {
                throw TrainingError("the \(side) tokenizer does not have \(s) at id \(i); translation vocabularies put <pad> <s> </s> <unk> first")
            }
        }
    }

    /// Trains byte-level BPE of `size` entries on the two sides, as `seq vocab train --model
    /// bpe` does (pair counts over the ByteLevel pre-tokenizer's words, min frequency 2),
    /// with a prefix space as the reference's tokenizers BPE.
    public static func train(sourcePath: String, targetPath: String, size: Int, joint: Bool,
                             threads: Int = ThreadCount.current) throws -> TranslationVocabulary {
        var options = TrainerOptions(vocabularySize: size)
        options.threads = threads
        let counter = BPETrainer.counterTokenizer(addPrefixSpace: true)
        func words(_ path: String) throws -> CorpusWords {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw CorpusError(path: path, message: "cannot open the file (\(String(cString: strerror(errno))))") }
            defer { close(fd) }
            return try CorpusWords.count(fd: fd, tokenizer: counter, threads: threads)
        }
        let sourceWords = try words(sourcePath), targetWords = try words(targetPath)
        func bpe(_ w: CorpusWords) throws -> Tokenizer {
            try BPETrainer.train(w, options: options, specials: specials, addPrefixSpace: true)
        }
        if joint { return try TranslationVocabulary(source: bpe(.merged([sourceWords, targetWords]))) }
        return try TranslationVocabulary(source: bpe(sourceWords), target: bpe(targetWords))
    }

    /// The vocabulary saved in a model directory.
    public static func load(directory: URL) throws -> TranslationVocabulary {
        func tokenizer(_ name: String) throws -> Tokenizer {
            let path = directory.appendingPathComponent(name).path
            do { return try Tokenizer.load(path: path) } catch {
                throw CorpusError(path: path, message: "cannot load the tokenizer (\(error))")
            }
        }
        let source = try tokenizer(sourceFile)
        let hasTarget = FileManager.default.fileExists(atPath: directory.appendingPathComponent(targetFile).path)
        return try TranslationVocabulary(source: source, target: hasTarget ? try tokenizer(targetFile) : nil)
    }

    /// The files `save` writes, for one atomic write with the rest of a model directory.
    public func files(in directory: URL) throws -> [(url: URL, data: Data)] {
        var files = [(url: directory.appendingPathComponent(Self.sourceFile), data: try source.jsonData())]
        if !isJoint { files.append((directory.appendingPathComponent(Self.targetFile), try target.jsonData())) }
        return files
    }

    /// Source ids of one line, without specials.
    public func encodeSource(_ line: String, encoder: LineEncoder? = nil) -> [Int32] {
        Self.ids(line, encoder ?? source.makeLineEncoder())
    }

    public func encodeTarget(_ line: String, encoder: LineEncoder? = nil) -> [Int32] {
        Self.ids(line, encoder ?? target.makeLineEncoder())
    }

    static func ids(_ line: String, _ encoder: LineEncoder) -> [Int32] {
        var line = line
        return line.withUTF8 { bytes in
            encoder.encode(bytes, addSpecialTokens: false)
            return Array(encoder.ids)
        }
    }

    /// Generated target ids → detokenized text (specials dropped, the prefix space trimmed).
    public func decodeTarget(_ ids: [Int32]) -> String {
        target.decode(ids, skipSpecialTokens: true).trimmingCharacters(in: .whitespaces)
    }
}
