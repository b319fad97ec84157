import Foundation
import SeqModels
import SeqNN
import SeqTensor
import SeqText
#if canImport(Glibc)
import Glibc
#endif

/// Checkpoint directories of a pretraining run, each a Hugging Face model directory
/// (config.json, model.safetensors, vocab.txt, tokenizer.json) plus
/// `training_state.safetensors` (optimizer moments as tensors, everything else as JSON in
/// the metadata). A checkpoint is built in a hidden temporary directory, every file
/// fsynced, then renamed into place as `checkpoint-<step>` in one step: a run killed at any
/// moment leaves the previous checkpoints complete.
public enum PretrainingCheckpoint {
    public static let stateFileName = "training_state.safetensors"
    static let stateKey = "seq_training_state"
    static let prefix = "checkpoint-"

    /// Writes the model directory files: weights, config, tokenizer; each atomically.
    /// Returns the checksum of the weights as written.
    @discardableResult
    public static func writeModel(_ model: BertForMaskedLM, tokenizer: Tokenizer, to directory: URL) throws -> String {
        try saveModelDirectory(model, config: model.config, architectures: [model.architecture], to: directory)
        if case .wordPiece(let wp) = tokenizer.model {
            let text = wp.vocabulary.tokens.map { $0 + "\n" }.joined()
            try writeAtomically(Data(text.utf8), to: directory.appendingPathComponent("vocab.txt"))
        }
        try writeAtomically(try tokenizer.jsonData(), to: directory.appendingPathComponent("tokenizer.json"))
        return tensorChecksum(model.checkpointTensors)
    }

    static func writeAtomically(_ data: Data, to url: URL) throws {
        try AtomicFile.write(to: url) { sink in try data.withUnsafeBytes { try sink.write($0) } }
    }

    /// Writes `out/checkpoint-<state.step>` (replacing one of that step) and removes all but
    /// the newest `keep` checkpoints. Returns the directory.
    @discardableResult
    public static func write(model: BertForMaskedLM, tokenizer: Tokenizer, optimizer: GroupedAdamW, state: TrainingState,
                             into out: URL, keep: Int) throws -> URL {
        let fm = FileManager.default
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        removeLeftovers(in: out)
        let final = out.appendingPathComponent(prefix + String(state.step))
        let temporary = out.appendingPathComponent(".\(prefix)\(state.step).tmp-\(getpid())")
        try? fm.removeItem(at: temporary)
        try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
        do {
            var state = state
            state.modelChecksum = try writeModel(model, tokenizer: tokenizer, to: temporary)
            let optimizerState = optimizer.state()
            state.optimizerStepCounts = optimizerState.stepCounts
            state.optimizerChecksum = tensorChecksum(optimizerState.tensors.sorted { $0.name < $1.name })
            let json = String(decoding: try JSONEncoder.sorted.encode(state), as: UTF8.self)
            try Safetensors.write(optimizerState.tensors, metadata: [stateKey: json, "format": "seq"],
                                  to: temporary.appendingPathComponent(stateFileName))
            if fm.fileExists(atPath: final.path) { try discard(final) }
            guard rename(temporary.path, final.path) == 0 else {
                throw FileIOError(path: final.path, operation: "rename", errno: errno)
            }
        } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
        syncDirectory(out)
        for old in checkpoints(in: out).dropLast(max(1, keep)) { try? discard(old.url) }
        return final
    }

    /// Complete checkpoints in `out`, oldest first.
    public static func checkpoints(in out: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix(prefix), let step = Int(name.dropFirst(prefix.count)) else { return nil }
            return (step, out.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    public static func latest(in out: URL) -> URL? { checkpoints(in: out).last?.url }

    /// A loaded checkpoint: the model, its tokenizer, the state and the optimizer tensors,
    /// verified against the checksums the state records.
    public struct Contents {
        public var model: BertForMaskedLM
        public var tokenizer: Tokenizer
        public var state: TrainingState
        public var optimizerTensors: [(name: String, tensor: Tensor)]
    }

    /// Reads and verifies a checkpoint directory; any damage is one `CheckpointError`
    /// naming the file.
    public static func read(_ directory: URL) throws(CheckpointError) -> Contents {
        let stateURL = directory.appendingPathComponent(stateFileName)
        let archive: SafetensorsArchive
        do { archive = try Safetensors.read(stateURL) } catch {
            throw CheckpointError("\(stateURL.path): not a readable training state (\(error)); the checkpoint is incomplete or damaged")
        }
        guard let json = archive.metadata?[stateKey],
              let state = try? JSONDecoder().decode(TrainingState.self, from: Data(json.utf8)),
              state.format == TrainingState.formatName else {
            throw CheckpointError("\(stateURL.path): expected a seq pretraining state (JSON under \"\(stateKey)\" in the metadata)")
        }
        guard state.version == 1 else {
            throw CheckpointError("\(stateURL.path): training state version \(state.version) is not supported (expected 1)")
        }
        let tensors = archive.ordered
        guard tensorChecksum(tensors.sorted { $0.name < $1.name }) == state.optimizerChecksum else {
            throw CheckpointError("\(stateURL.path): the optimizer state does not match its checksum; the file is damaged")
        }
        let model: BertForMaskedLM
        do { model = try BertForMaskedLM.load(directory: directory) } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError("\(directory.appendingPathComponent("model.safetensors").path): cannot load the weights (\(error))")
        }
        guard tensorChecksum(model.checkpointTensors) == state.modelChecksum else {
            throw CheckpointError("\(directory.appendingPathComponent("model.safetensors").path): the weights do not match the checksum in \(stateFileName); the file is damaged or from another checkpoint")
        }
        guard model.config.vocabSize == state.settings.model.vocabSize, model.config.hiddenSize == state.settings.model.hiddenSize,
              model.config.layerCount == state.settings.model.layerCount else {
            throw CheckpointError("\(directory.appendingPathComponent("config.json").path): the model does not match the settings in \(stateFileName)")
        }
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer.load(path: directory.path) } catch {
            throw CheckpointError("\(directory.path): cannot load the tokenizer (\(error))")
        }
        guard tokenizer.vocabularySize == model.config.vocabSize else {
            throw CheckpointError("\(directory.path): the tokenizer has \(tokenizer.vocabularySize) ids but the model \(model.config.vocabSize)")
        }
        return Contents(model: model, tokenizer: tokenizer, state: state, optimizerTensors: tensors)
    }

    /// Removes a directory by first renaming it out of the checkpoint namespace, so a kill
    /// half-way through never leaves a partial `checkpoint-N`.
    static func discard(_ url: URL) throws {
        let trash = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).del-\(getpid())")
        try? FileManager.default.removeItem(at: trash)
        guard rename(url.path, trash.path) == 0 else { throw FileIOError(path: url.path, operation: "rename", errno: errno) }
        try? FileManager.default.removeItem(at: trash)
    }

    /// Temporary files and directories, and half-deleted checkpoints, left by a killed run
    /// (only the names this code writes).
    public static func removeLeftovers(in out: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        let ours = [".\(prefix)", ".model.safetensors.", ".config.json.", ".vocab.txt.", ".tokenizer.json.", ".metrics.jsonl."]
        for name in names where ours.contains(where: { name.hasPrefix($0) }) && (name.contains(".tmp-") || name.contains(".del-")) {
            try? FileManager.default.removeItem(at: out.appendingPathComponent(name))
        }
    }

    static func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
