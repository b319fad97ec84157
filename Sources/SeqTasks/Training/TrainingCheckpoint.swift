import Foundation
import SeqModels
import SeqNN
import SeqTensor
#if canImport(Glibc)
import Glibc
#endif

/// Checkpoint directories of a training run, for any task: each is the task's model
/// directory (config.json, model.safetensors, tokenizer files) plus
/// `training_state.safetensors` (optimizer moments as tensors; the trainer's and the task's
/// state as JSON in the metadata). A checkpoint is built in a hidden temporary directory,
/// every file fsynced, then renamed into place as `checkpoint-<step>` in one step: a run
/// killed at any moment leaves the previous checkpoints complete.
public enum TrainingCheckpoint {
    public static let stateFileName = "training_state.safetensors"
    static let stateKey = "seq_training_state"
    static let taskKey = "seq_task_state"
    static let prefix = "checkpoint-"
    /// The model with the best evaluation so far, a plain model directory.
    public static let bestName = "best"

    /// Writes `out/checkpoint-<state.step>` (replacing one of that step) and removes all
    /// but the newest `keep`. `saveModel` writes the model directory's files into the
    /// directory it is given. Returns the checkpoint directory.
    @discardableResult
    public static func write(into out: URL, trainerState: TrainerState, taskState: Data, optimizer: GroupedAdamW,
                             keep: Int, saveModel: (URL) throws -> Void) throws -> URL {
        let fm = FileManager.default
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        removeLeftovers(in: out)
        let final = out.appendingPathComponent(prefix + String(trainerState.step))
        let temporary = out.appendingPathComponent(".\(prefix)\(trainerState.step).tmp-\(getpid())")
        try? fm.removeItem(at: temporary)
        try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
        do {
            try saveModel(temporary)
            var state = trainerState
            let optimizerState = optimizer.state()
            state.optimizerStepCounts = optimizerState.stepCounts
            state.optimizerChecksum = tensorChecksum(optimizerState.tensors.sorted { $0.name < $1.name })
            let json = String(decoding: try JSONEncoder.sorted.encode(state), as: UTF8.self)
            try Safetensors.write(optimizerState.tensors,
                                  metadata: [stateKey: json, taskKey: String(decoding: taskState, as: UTF8.self), "format": "seq"],
                                  to: temporary.appendingPathComponent(stateFileName))
        } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
        try install(temporary, as: final)
        for old in checkpoints(in: out).dropLast(max(1, keep)) { try? discard(old.url) }
        return final
    }

    /// Replaces `out/best` with a model directory written by `saveModel`: built beside it,
    /// then swapped in by renames, so `best` is never half-written.
    public static func writeBest(into out: URL, saveModel: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let final = out.appendingPathComponent(bestName)
        let temporary = out.appendingPathComponent(".\(bestName).tmp-\(getpid())")
        try? fm.removeItem(at: temporary)
        try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
        do { try saveModel(temporary) } catch {
            try? fm.removeItem(at: temporary)
            throw error
        }
        try install(temporary, as: final)
    }

    /// Moves a complete temporary directory to its final name (replacing one there), then
    /// syncs the parent so the rename itself survives a crash.
    static func install(_ temporary: URL, as final: URL) throws {
        do {
            if FileManager.default.fileExists(atPath: final.path) { try discard(final) }
            guard rename(temporary.path, final.path) == 0 else {
                throw FileIOError(path: final.path, operation: "rename", errno: errno)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        AtomicFile.syncDirectory(of: final)
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

    /// A checkpoint's state, verified against its checksums; the model is loaded by the
    /// task (only it knows its architecture) and checked with `verifyModel`.
    public struct Contents {
        public var directory: URL
        public var trainer: TrainerState
        /// The task's state as the JSON it wrote.
        public var task: Data
        public var optimizerTensors: [(name: String, tensor: Tensor)]

        /// Refuses weights that are not the ones the state was written with.
        public func verifyModel(_ module: any Module) throws(CheckpointError) {
            guard tensorChecksum(module.checkpointTensors) == trainer.modelChecksum else {
                throw CheckpointError("\(directory.appendingPathComponent("model.safetensors").path): the weights do not match the checksum in \(stateFileName); the file is damaged or from another checkpoint")
            }
        }
    }

    /// Reads and verifies a checkpoint's training state; any damage is one
    /// `CheckpointError` naming the file.
    public static func read(_ directory: URL) throws(CheckpointError) -> Contents {
        let stateURL = directory.appendingPathComponent(stateFileName)
        let archive: SafetensorsArchive
        do { archive = try Safetensors.read(stateURL) } catch {
            throw CheckpointError("\(stateURL.path): not a readable training state (\(error)); the checkpoint is incomplete or damaged")
        }
        guard let json = archive.metadata?[stateKey], let taskJSON = archive.metadata?[taskKey],
              let state = try? JSONDecoder().decode(TrainerState.self, from: Data(json.utf8)),
              state.format == TrainerState.formatName else {
            throw CheckpointError("\(stateURL.path): expected a seq training state (JSON under \"\(stateKey)\" and \"\(taskKey)\" in the metadata); a checkpoint from an older seq cannot be resumed")
        }
        guard state.version == TrainerState.currentVersion else {
            throw CheckpointError("\(stateURL.path): training state version \(state.version) is not supported (expected \(TrainerState.currentVersion))")
        }
        let tensors = archive.ordered
        guard tensorChecksum(tensors.sorted { $0.name < $1.name }) == state.optimizerChecksum else {
            throw CheckpointError("\(stateURL.path): the optimizer state does not match its checksum; the file is damaged")
        }
        return Contents(directory: directory, trainer: state, task: Data(taskJSON.utf8), optimizerTensors: tensors)
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
        let ours = [".\(prefix)", ".\(bestName).", ".model.safetensors.", ".config.json.", ".vocab.txt.", ".tokenizer.json.",
                    ".metrics.jsonl."]
        for name in names where ours.contains(where: { name.hasPrefix($0) }) && (name.contains(".tmp-") || name.contains(".del-")) {
            try? FileManager.default.removeItem(at: out.appendingPathComponent(name))
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
