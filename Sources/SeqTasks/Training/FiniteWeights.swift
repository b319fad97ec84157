import SeqNN
import SeqTensor

extension Module {
    /// Refuses weights that hold NaN or infinity, before they are saved: a run whose last
    /// update diverged (its step loss was still finite) must not end with "done" and exit 0
    /// over a broken model, and a task without held-out rows has no other check.
    func requireFiniteWeights(step: Int) throws {
        var broken: String?
        forEachParameter { name, parameter in
            guard broken == nil else { return }
            let finite = parameter.value.withUnsafeBufferPointer { $0.allSatisfy(\.isFinite) }
            if !finite { broken = name }
        }
        if let broken {
            throw TrainingError("the weights became non-finite (NaN or infinity, first in \(broken)) at step \(step): the model diverged; lower the learning rate (--lr) or keep clipping on")
        }
    }
}
