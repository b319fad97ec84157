import ArgumentParser
import Foundation
import SeqCore
import SeqModels
import SeqTensor
import SeqText

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sentence embeddings: one JSON array per input line (mean-pooled, L2-normalised).",
        discussion: """
            Reads sentences on stdin, one per line (invalid UTF-8 decoded with U+FFFD), and writes \
            one compact JSON array of floats per line, in input order: what sentence-transformers \
            computes for all-MiniLM-L6-v2. Each float is the float32 result printed as the double \
            that holds it (exact). A summary JSON object goes to stderr.
            """)

    @Option(help: "Model directory: config.json, model.safetensors, tokenizer.json or vocab.txt.")
    var model: String

    @Option(help: "Sentences per forward pass.")
    var batchSize = 32

    @Option(help: "Truncate longer inputs to this many tokens, [CLS] and [SEP] included.")
    var maxLength = 128

    @Option(help: ArgumentHelp("Also write the loaded model as seq saves it (config.json, model.safetensors, tokenizer files) to this directory.", visibility: .hidden))
    var saveModel: String?

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2, got \(maxLength)") }
    }

    func run() throws {
        FrozenWeights.enable()   // this command only runs models: keep transposed weights
        compute.apply()
        let started = DispatchTime.now().uptimeNanoseconds
        let encoder: SentenceEncoder
        do {
            encoder = try SentenceEncoder(directory: ModelDirectory.url(forPath: model), maxLength: maxLength)
        } catch {
            throw InputError(file: model, line: nil, message: "cannot load the model: \(error)")
        }
        if let saveModel {
            do {
                let out = URL(fileURLWithPath: saveModel)
                try ModelDirectory.save(encoder.model, config: encoder.model.config, architecture: "BertModel", to: out)
                for name in ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
                    let src = URL(fileURLWithPath: model).appendingPathComponent(name)
                    let dst = out.appendingPathComponent(name)
                    if FileManager.default.fileExists(atPath: src.path) {
                        try? FileManager.default.removeItem(at: dst)
                        try FileManager.default.copyItem(at: src, to: dst)
                    }
                }
            } catch {
                throw InputError(file: saveModel, line: nil, message: "cannot write the model directory: \(error)")
            }
        }
        let c = encoder.model.config
        do {
            // One forward pass holds about this much at once (activations are not kept for a
            // backward pass): a batch the machine cannot hold is refused before it is read.
            try MemoryBudget.require(MemoryBudget.product(batchSize, encoder.maxLength, 4 * c.hiddenSize + c.intermediateSize + c.headCount * encoder.maxLength, 4),
                                     for: "embedding batches of \(batchSize) × \(encoder.maxLength) tokens")
        } catch {
            throw ValidationError("--batch-size \(batchSize): \(error.message)")
        }
        let loaded = DispatchTime.now().uptimeNanoseconds
        let stream = LineStream(fd: 0)
        var sentences = 0
        // Chunks of whole lines: sorting by length happens within a chunk, so memory stays
        // bounded by the chunk while batches still group similar lengths.
        var pending: [String] = []
        let chunk = max(batchSize, 4096)
        func flush() throws {
            if pending.isEmpty { return }
            let vectors = encoder.embed(pending, batchSize: batchSize)
            var out = ""
            out.reserveCapacity(vectors.count * 384 * 22)
            for (k, v) in vectors.enumerated() {
                // JSON has no NaN or infinity: a model that computes one is broken, and
                // printing it would hand the reader invalid JSON.
                guard v.allSatisfy(\.isFinite) else {
                    try StandardOutput.write(Data(out.utf8))
                    throw InputError(file: model, line: nil, message: "the model computes a non-finite embedding (NaN or infinity) for input line \(sentences + k + 1); its weights are broken")
                }
                out += "["
                for (i, x) in v.enumerated() {
                    if i > 0 { out += "," }
                    out += Double(x).description
                }
                out += "]\n"
            }
            try StandardOutput.write(Data(out.utf8))
            sentences += pending.count
            pending.removeAll(keepingCapacity: true)
        }
        do {
            try stream.forEachBatch { bytes, lines in
                for r in lines {
                    // Only the first max-length tokens count: a long line is cut to the head
                    // that yields them before it is decoded and tokenized.
                    var line = UnsafeBufferPointer(rebasing: bytes[r])
                    if line.count > maxLength * 8 { line = UnsafeBufferPointer(rebasing: line[..<encoder.relevantPrefix(of: line)]) }
                    var scalars = String.UnicodeScalarView()
                    UTF8Decoding.decode(line) { scalars.append(Unicode.Scalar($0) ?? "\u{FFFD}") }
                    pending.append(String(scalars))
                    if pending.count >= chunk { try flush() }
                }
                if stream.inputIdle { try flush() }
            }
        } catch let e as InputError {
            throw e
        } catch let e as ExitCode {
            throw e
        } catch {
            try flush()
            throw InputError(file: "<stdin>", line: sentences + pending.count + 1, message: "cannot read: \(error)")
        }
        try flush()
        let done = DispatchTime.now().uptimeNanoseconds
        let embedSeconds = Double(done - loaded) / 1e9
        let summary: [String: Any] = [
            "sentences": sentences, "batch_size": batchSize, "threads": Engine.threads,
            "seconds_load": Double(loaded - started) / 1e9, "seconds_embed": embedSeconds,
            "sentences_per_s": embedSeconds > 0 ? Double(sentences) / embedSeconds : 0,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        FileHandle.standardError.write(json + Data("\n".utf8))
    }
}
