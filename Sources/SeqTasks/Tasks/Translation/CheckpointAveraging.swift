import Foundation
import SeqModels
import SeqNN
import SeqTensor

/// The element-wise mean of the weights of several checkpoints of one run (Vaswani et al.
/// 2017 average the last 5 or 20): usually a point 0.2–1 BLEU better than any of them.
public enum CheckpointAveraging {
    /// Sets `module`'s parameters to the mean of the model.safetensors in `directories`.
    public static func average(_ directories: [URL], into module: some Module) throws {
        precondition(!directories.isEmpty, "averaging needs at least one checkpoint")
        let archives = try directories.map { try Safetensors.read($0.appendingPathComponent("model.safetensors")) }
        let scale = 1 / Float(archives.count)
        var failure: Error?
        withoutGradients {
            module.forEachParameter { name, p in
                guard failure == nil else { return }
                var sum = [Float](repeating: 0, count: p.count)
                for (archive, dir) in zip(archives, directories) {
                    guard let t = archive[name], t.shape == p.shape else {
                        failure = CheckpointError("\(dir.path)/model.safetensors: no tensor '\(name)' of shape \(p.shape) to average")
                        return
                    }
                    t.withUnsafeBufferPointer { b in for i in 0..<sum.count { sum[i] += b[i] } }
                }
                p.assign(Tensor(shape: p.shape, scalars: sum.map { $0 * scale }))
            }
        }
        if let failure { throw failure }
    }
}
