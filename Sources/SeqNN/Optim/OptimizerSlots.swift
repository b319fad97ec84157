import SeqTensor

/// One buffer of optimizer state (a moment, a momentum buffer): owned by the optimizer,
/// never shared, so kernels write it through a plain pointer.
final class StateBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int, repeating value: Float) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: count)
    }

    init(copying tensor: Tensor) {
        count = tensor.count
        pointer = .allocate(capacity: max(count, 1))
        tensor.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: count) }
    }

    func tensor(shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: pointer, count: count)))
    }

    deinit { pointer.deallocate() }
}

/// Per-parameter state of an optimizer: the same named slots for every parameter that
/// has been updated, and PyTorch's per-parameter `step` (a parameter skipped for lack of a
/// gradient does not advance it).
struct OptimizerSlots {
    let slotNames: [String]
    let tracksStep: Bool
    private(set) var buffers: [[StateBuffer]?]
    private(set) var steps: [Int]

    init(slotNames: [String], tracksStep: Bool, parameterCount: Int) {
        self.slotNames = slotNames
        self.tracksStep = tracksStep
        buffers = Array(repeating: nil, count: parameterCount)
        steps = Array(repeating: 0, count: parameterCount)
    }

    /// Whether parameter `index` has state yet.
    func hasState(_ index: Int) -> Bool { buffers[index] != nil }

    /// The slots of parameter `index`, created filled with `initial` on first use.
    mutating func slots(_ index: Int, count: Int, initial: Float = 0) -> [StateBuffer] {
        if let b = buffers[index] { return b }
        let b = slotNames.map { _ in StateBuffer(count: count, repeating: initial) }
        buffers[index] = b
        return b
    }

    /// Creates the state of every parameter now (Adagrad does this at construction).
    mutating func createAll(_ parameters: [Parameter], initial: Float) {
        for (i, p) in parameters.enumerated() { _ = slots(i, count: p.count, initial: initial) }
    }

    /// Advances and returns the step of parameter `index`.
    mutating func advanceStep(_ index: Int) -> Int {
        steps[index] += 1
        return steps[index]
    }

    func export(_ parameters: [Parameter]) -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        for (i, p) in parameters.enumerated() {
            guard let b = buffers[i] else { continue }
            if tracksStep { out.append(("\(i).step", Tensor(scalar: Float(steps[i])))) }
            for (name, buffer) in zip(slotNames, b) { out.append(("\(i).\(name)", buffer.tensor(shape: p.shape))) }
        }
        return out
    }

    /// Replaces all state with `tensors`, or throws without changing anything.
    mutating func load(_ tensors: [(name: String, tensor: Tensor)], parameters: [Parameter]) throws {
        var found: [Int: [String: Tensor]] = [:]
        let allowed = Set(slotNames + (tracksStep ? ["step"] : []))
        for (name, tensor) in tensors {
            guard let dot = name.firstIndex(of: "."), let index = Int(name[..<dot]),
                  index >= 0, index < parameters.count else {
                throw OptimizerStateError("\"\(name)\" does not name the state of one of the \(parameters.count) parameters; expected \"<index>.<slot>\"")
            }
            let slot = String(name[name.index(after: dot)...])
            guard allowed.contains(slot) else {
                throw OptimizerStateError("\"\(name)\": unknown slot \"\(slot)\"; expected one of \(allowed.sorted())")
            }
            let expectedShape = slot == "step" ? [] : parameters[index].shape
            guard tensor.shape == expectedShape else {
                throw OptimizerStateError("\"\(name)\" has shape \(tensor.shape); expected \(expectedShape)")
            }
            guard found[index, default: [:]].updateValue(tensor, forKey: slot) == nil else {
                throw OptimizerStateError("\"\(name)\" appears twice")
            }
        }
        var newBuffers: [[StateBuffer]?] = Array(repeating: nil, count: parameters.count)
        var newSteps = Array(repeating: 0, count: parameters.count)
        for (index, slots) in found {
            let missing = allowed.subtracting(slots.keys)
            guard missing.isEmpty else {
                throw OptimizerStateError("parameter \(index) lacks \(missing.sorted().map { "\"\(index).\($0)\"" }.joined(separator: ", "))")
            }
            if tracksStep {
                let s = slots["step"]!.item
                guard s >= 0, s == s.rounded(), s <= 0x1p24 else {
                    throw OptimizerStateError("\"\(index).step\" is \(s); expected a whole number of steps")
                }
                newSteps[index] = Int(s)
            }
            newBuffers[index] = slotNames.map { StateBuffer(copying: slots[$0]!) }
        }
        buffers = newBuffers
        steps = newSteps
    }
}
