import Foundation
import SeqTensor

extension Optimizer {
    /// Writes `state()` as a safetensors file (atomically): the tensors under their state
    /// names, and in the metadata `"optimizer"` (the type) and `"step_count"`, plus `extra`.
    public func saveState(to url: URL, metadata extra: [String: String] = [:]) throws {
        let state = state()
        var metadata = extra
        metadata["optimizer"] = String(describing: type(of: self))
        metadata["step_count"] = String(state.stepCount)
        try Safetensors.write(state.tensors, metadata: metadata, to: url)
    }

    /// Restores state written by `saveState(to:)` by the same kind of optimizer; returns
    /// the file's metadata (for the caller's own keys).
    @discardableResult
    public func loadState(from url: URL) throws -> [String: String] {
        let archive = try Safetensors.read(url)
        let metadata = archive.metadata ?? [:]
        let kind = String(describing: type(of: self))
        guard metadata["optimizer"] == kind else {
            throw OptimizerStateError("\(url.path) holds state of \(metadata["optimizer"].map { "optimizer \($0)" } ?? "no known optimizer"); expected \(kind)")
        }
        guard let text = metadata["step_count"], let stepCount = Int(text), stepCount >= 0 else {
            throw OptimizerStateError("\(url.path) has no valid \"step_count\" in its metadata")
        }
        do {
            try load(state: OptimizerState(stepCount: stepCount, tensors: archive.ordered))
        } catch let error as OptimizerStateError {
            throw OptimizerStateError("\(url.path): \(error.message)")
        }
        return metadata
    }
}
