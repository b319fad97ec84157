import Foundation
import Testing
import SeqCore
import SeqNN
import SeqTensor
import SeqText
@testable import SeqModels

/// A config is checked against what it implies before anything is allocated: absurd sizes
/// are refused in one sentence, and the parameter count the check uses is the model's.
struct ModelLimitsTests {
    static func config(_ json: String) throws -> BertConfig {
        try JSONDecoder().decode(BertConfig.self, from: Data(json.utf8))
    }

    @Test(arguments: [(2, 8, 2, 16, true), (1, 12, 3, 7, false), (0, 4, 1, 4, true)])
    func parameterCountIsWhatTheModelHolds(layers: Int, hidden: Int, heads: Int, ffn: Int, pooler: Bool) {
        let config = BertConfig(vocabSize: 23, hiddenSize: hidden, layerCount: layers, headCount: heads, intermediateSize: ffn,
                                maxPositions: 11, typeVocabSize: 3)
        var generator = RandomGenerator(seed: 1)
        let model = withoutGradients { BertModel(config, pooler: pooler, generator: &generator) }
        #expect(config.parameterCount(pooler: pooler) == model.parameterCount)
    }

    /// The sizes the hostile sweep tried: each is refused by `validate()`, none allocates.
    @Test(arguments: [
        #"{"vocab_size": 30522, "hidden_size": 1000000000, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 4}"#,
        #"{"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 100000, "num_attention_heads": 12, "intermediate_size": 1536}"#,
        #"{"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 1, "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 144115188075855872}"#,
        #"{"vocab_size": 1000000000000, "hidden_size": 384, "num_hidden_layers": 1, "num_attention_heads": 12, "intermediate_size": 1536}"#,
        #"{"vocab_size": 9223372036854775807, "hidden_size": 9223372036854775807, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 1}"#,
    ])
    func absurdSizesAreRefusedBeforeAllocating(json: String) throws {
        let config = try Self.config(json)
        #expect(throws: BertConfigError.self) { try config.validate() }
        do { try config.validate() } catch {
            #expect(error.message.contains("memory"), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func padTokenOutsideTheVocabularyIsRefused() throws {
        let config = try Self.config(#"{"vocab_size": 10, "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 4, "pad_token_id": 10}"#)
        #expect(config.problem()?.contains("pad_token_id 10") == true)
    }

    @Test func memoryBudgetCountsWithoutOverflowing() {
        #expect(MemoryBudget.product(1 << 40, 1 << 30) == nil)
        #expect(MemoryBudget.product(3, 5, 7) == 105)
        #expect(MemoryBudget.sum([1, nil]) == nil)
        #expect(throws: MemoryBudgetError.self) { try MemoryBudget.require(nil, for: "x") }
        #expect(throws: MemoryBudgetError.self) { try MemoryBudget.require(2 << 30, for: "x", limit: 1 << 30) }
        #expect(MemoryBudget.describe(3 << 29) == "1.5 GiB")
    }

    @Test func trainingEstimateGrowsWithTheBatch() throws {
        let config = BertConfig.tiny(vocabSize: 1000)
        let small = try #require(config.trainingBytes(rows: 8, length: 64))
        let large = try #require(config.trainingBytes(rows: 100_000_000, length: 128))
        #expect(small < 1 << 30)
        #expect(large > MemoryBudget.physical)
    }

    @Test func aPathNamingAFileOfTheDirectoryMeansTheDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{}".utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(ModelDirectory.url(forPath: dir.appendingPathComponent("config.json").path).standardizedFileURL.path == dir.standardizedFileURL.path)
        #expect(ModelDirectory.url(forPath: dir.path).path == dir.path)
    }

    /// A model path that is a file gives the system's reason, not Foundation's error code.
    @Test func configUnderAFileSaysWhy() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seq-limits-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: CheckpointError.self) { try BertConfig.load(directory: file) }
        do { _ = try BertConfig.load(directory: file) } catch {
            #expect(error.message.contains("Not a directory") && !error.message.contains("NSCocoaErrorDomain"), "\(error.message)")
        }
    }

    /// A tokenizer that can produce an id the model has no embedding for is refused when
    /// the directory loads (it used to trap in indexSelect on the first such token).
    @Test func tokenizerIdsBeyondVocabSizeAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = BertConfig(vocabSize: 6, hiddenSize: 4, layerCount: 1, headCount: 1, intermediateSize: 4, maxPositions: 16)
        var generator = RandomGenerator(seed: 0)
        let model = withoutGradients { BertModel(config, pooler: false, generator: &generator) }
        try ModelDirectory.save(model, config: config, architecture: "BertModel", to: dir)
        try VocabTxt.write(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"], path: dir.appendingPathComponent("vocab.txt").path)
        #expect(throws: CheckpointError.self) { try SentenceEncoder(directory: dir, maxLength: 8) }
        do { _ = try SentenceEncoder(directory: dir, maxLength: 8) } catch {
            #expect("\(error)".contains("token id 6 but config.json's vocab_size is 6"))
        }
        try VocabTxt.write(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"], path: dir.appendingPathComponent("vocab.txt").path)
        let encoder = try SentenceEncoder(directory: dir, maxLength: 8)
        #expect(encoder.embed(["a a"], batchSize: 1)[0].count == 4)
    }

    /// A one-layer, width-4 encoder over a nine-token WordPiece vocabulary.
    static func tinyEncoder() throws -> SentenceEncoder {
        let vocab = Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##b", ","])
        let tokenizer = try Tokenizer.bert(vocabulary: vocab)
        let config = BertConfig(vocabSize: 9, hiddenSize: 4, layerCount: 1, headCount: 1, intermediateSize: 4, maxPositions: 16)
        var generator = RandomGenerator(seed: 0)
        let encoder = SentenceEncoder(model: BertModel(config, pooler: false, generator: &generator), tokenizer: tokenizer, maxLength: 16)
        return encoder
    }

    /// Repeated and empty lines are computed once and handed to every line that tokenizes
    /// alike: each equals the embedding of that line alone, in input order.
    @Test func repeatedLinesShareOneComputation() throws {
        let encoder = try Self.tinyEncoder()
        let lines = ["a b", "", "a b", "b , a", "", "A B"]
        let together = encoder.embed(lines, batchSize: 1)
        #expect(together.count == lines.count)
        for (line, vector) in zip(lines, together) {
            #expect(vector == encoder.embed([line], batchSize: 1)[0], "\(line)")
        }
        #expect(together[0] != together[1] && together[0] != together[3])
    }

    /// Cutting a long line at the relevant prefix changes nothing in what is embedded.
    @Test func relevantPrefixGivesTheSameTruncatedEncoding() throws {
        let encoder = try Self.tinyEncoder()
        for text in [String(repeating: "a bb, ", count: 5000), String(repeating: " ", count: 3000) + String(repeating: "ab ", count: 3000),
                     String(repeating: "abababab", count: 4000) + " a", "a " + String(repeating: "\t\n ", count: 400) + String(repeating: "b,", count: 800)] {
            let bytes = Array(text.utf8)
            let cut = bytes.withUnsafeBufferPointer { encoder.relevantPrefix(of: $0) }
            #expect(cut <= bytes.count)
            let head = String(decoding: bytes[..<cut], as: UTF8.self)
            #expect(encoder.tokenizer.encode(head).ids == encoder.tokenizer.encode(text).ids)
            if text.hasPrefix("a bb") { #expect(cut < 1000) }
        }
    }
}
