import Foundation
import Testing
import SeqTensor
@testable import SeqNN

/// Sets `p.grad` to exactly `values` (nil clears it): a leaf's backward with a seed
/// accumulates the seed into a zeroed gradient.
func setGrad(_ p: Parameter, _ values: [Float]?) {
    p.zeroGrad()
    if let values { p.value.backward(seed: Tensor(shape: p.shape, scalars: values)) }
}

/// Within float32 rounding of torch: PyTorch's CPU kernels fuse some multiply-adds (FMA)
/// and we do not, which moves results by an ulp, visible in absolute terms after
/// cancellation (e.g. -0.7 → 0.035).
func close(_ x: [Float], _ y: [Float], rtol: Float = 1e-6, atol: Float = 1e-7) -> Bool {
    x.count == y.count && zip(x, y).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
}

/// The optimizer each golden case of bench/golden/optim_golden.py constructs.
func makeOptimizer(_ name: String, _ ps: [Parameter]) -> any Optimizer {
    switch name {
    case "sgdPlain": SGD(ps, learningRate: 0.1)
    case "sgdMomentum": SGD(ps, learningRate: 0.1, momentum: 0.9)
    case "sgdDampeningDecay": SGD(ps, learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)
    case "sgdNesterovDecay": SGD(ps, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true)
    case "adagradPlain": Adagrad(ps, learningRate: 0.1)
    case "adagradDecay": Adagrad(ps, learningRate: 0.1, learningRateDecay: 0.01, weightDecay: 0.1, initialAccumulatorValue: 0.1, eps: 1e-6)
    case "rmspropPlain": RMSProp(ps, learningRate: 0.01)
    case "rmspropMomentum": RMSProp(ps, learningRate: 0.01, weightDecay: 0.05, momentum: 0.9)
    case "rmspropCentered": RMSProp(ps, learningRate: 0.01, centered: true)
    case "rmspropCenteredMomentum": RMSProp(ps, learningRate: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true)
    case "adamPlain": Adam(ps, learningRate: 0.01)
    case "adamDecay": Adam(ps, learningRate: 0.01, weightDecay: 0.1)
    case "adamAmsgrad": Adam(ps, learningRate: 0.01, betas: (0.8, 0.99), eps: 1e-6, weightDecay: 0.1, amsgrad: true)
    case "adamwDefaultDecay": AdamW(ps, learningRate: 0.01)
    case "adamwDecayAmsgrad": AdamW(ps, learningRate: 0.01, betas: (0.85, 0.995), weightDecay: 0.1, amsgrad: true)
    case "adamwNoDecay": AdamW(ps, learningRate: 0.01, weightDecay: 0)
    default: fatalError("no optimizer case \(name)")
    }
}

/// Parameters `a` and `b` tiled `repeats` times (repeats > 1 exercises the parallel loop).
func goldenParameters(repeats: Int = 1) -> (a: Parameter, b: Parameter) {
    let a = Parameter(Tensor(shape: [5 * repeats], scalars: Array(repeating: OptimGolden.a0, count: repeats).flatMap { $0 }))
    let b = Parameter(Tensor(shape: [2, 2 * repeats], scalars: Array(repeating: OptimGolden.b0, count: repeats).flatMap { $0 }))
    return (a, b)
}

func applyGoldenGradients(_ step: Int, _ a: Parameter, _ b: Parameter, repeats: Int = 1) {
    setGrad(a, Array(repeating: OptimGolden.gradA[step], count: repeats).flatMap { $0 })
    setGrad(b, OptimGolden.gradB[step].map { Array(repeating: $0, count: repeats).flatMap { $0 } })
}

@Suite struct OptimizerTests {
    static let caseNames = OptimGolden.trajectories.keys.sorted()

    @Test(arguments: caseNames)
    func matchesTorchOptim(_ name: String) throws {
        let (a, b) = goldenParameters()
        let optimizer = makeOptimizer(name, [a, b])
        let expected = try #require(OptimGolden.trajectories[name])
        for step in 0..<expected.count {
            applyGoldenGradients(step, a, b)
            optimizer.step()
            #expect(close(a.value.scalars, expected[step].a), "\(name) step \(step + 1) a: \(a.value.scalars) vs \(expected[step].a)")
            #expect(close(b.value.scalars, expected[step].b), "\(name) step \(step + 1) b: \(b.value.scalars) vs \(expected[step].b)")
        }
        #expect(optimizer.stepCount == expected.count)
    }

    /// 40 000 copies of the golden parameters: the parallel update path gives the same
    /// numbers per element as torch on the small tensors.
    @Test(arguments: ["sgdNesterovDecay", "adagradDecay", "rmspropCenteredMomentum", "adamAmsgrad", "adamwDecayAmsgrad"])
    func largeTensorsMatchTorchPerElement(_ name: String) throws {
        let repeats = 40_000
        let (a, b) = goldenParameters(repeats: repeats)
        let optimizer = makeOptimizer(name, [a, b])
        let expected = try #require(OptimGolden.trajectories[name])
        for step in 0..<expected.count {
            applyGoldenGradients(step, a, b, repeats: repeats)
            optimizer.step()
        }
        #expect(close(a.value.scalars, Array(repeating: expected.last!.a, count: repeats).flatMap { $0 }))
        #expect(close(b.value.scalars, Array(repeating: expected.last!.b, count: repeats).flatMap { $0 }))
    }

    /// torch.optim defaults, as printed at the end of OptimGoldenData.swift.
    @Test func defaultsAreTorchs() {
        let ps = [Parameter(Tensor(zeros: [1]))]
        let sgd = SGD(ps)
        #expect(sgd.learningRate == 1e-3 && sgd.momentum == 0 && sgd.dampening == 0 && sgd.weightDecay == 0 && !sgd.nesterov)
        let adagrad = Adagrad(ps)
        #expect(adagrad.learningRate == 1e-2 && adagrad.learningRateDecay == 0 && adagrad.weightDecay == 0
                && adagrad.initialAccumulatorValue == 0 && adagrad.eps == 1e-10)
        let rms = RMSProp(ps)
        #expect(rms.learningRate == 1e-2 && rms.alpha == 0.99 && rms.eps == 1e-8 && rms.weightDecay == 0
                && rms.momentum == 0 && !rms.centered)
        let adam = Adam(ps)
        #expect(adam.learningRate == 1e-3 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.eps == 1e-8
                && adam.weightDecay == 0 && !adam.amsgrad)
        let adamw = AdamW(ps)
        #expect(adamw.learningRate == 1e-3 && adamw.beta1 == 0.9 && adamw.beta2 == 0.999 && adamw.eps == 1e-8
                && adamw.weightDecay == 1e-2 && !adamw.amsgrad)
    }

    @Test func skipsParametersWithoutGradientAndCreatesNoStateForThem() {
        let used = Parameter(Tensor(shape: [2], scalars: [1, 2]))
        let idle = Parameter(Tensor(shape: [3], scalars: [3, 4, 5]))
        let optimizer = Adam([used, idle], learningRate: 0.1)
        setGrad(used, [1, -1])
        optimizer.step()
        #expect(idle.value.scalars == [3, 4, 5])
        #expect(used.value.scalars != [1, 2])
        #expect(optimizer.state().tensors.map(\.name) == ["0.step", "0.exp_avg", "0.exp_avg_sq"])
    }

    @Test func aParameterListedTwiceIsUpdatedOnce() {
        let tied = Parameter(Tensor(shape: [1], scalars: [1]))
        let optimizer = SGD([tied, tied], learningRate: 0.5)
        #expect(optimizer.parameters.count == 1)
        setGrad(tied, [1])
        optimizer.step()
        #expect(tied.value.scalars == [0.5])
    }

    @Test func zeroGradClearsEveryGradient() {
        let (a, b) = goldenParameters()
        let optimizer = AdamW([a, b])
        applyGoldenGradients(0, a, b)
        #expect(a.grad != nil && b.grad != nil)
        optimizer.zeroGrad()
        #expect(a.grad == nil && b.grad == nil)
    }

    @Test func learningRateIsSettableBetweenSteps() {
        let p = Parameter(Tensor(shape: [1], scalars: [1]))
        let optimizer: any Optimizer = SGD([p], learningRate: 1)
        setGrad(p, [1])
        optimizer.learningRate = 0.25
        optimizer.step()
        #expect(p.value.scalars == [0.75])
    }

    // MARK: State export and import

    /// Runs the golden gradients for steps `range` on copies of `values`.
    static func run(_ name: String, steps range: Range<Int>, from values: (a: [Float], b: [Float]),
                    loading state: OptimizerState? = nil) throws -> (a: [Float], b: [Float], optimizer: any Optimizer) {
        let a = Parameter(Tensor(shape: [5], scalars: values.a))
        let b = Parameter(Tensor(shape: [2, 2], scalars: values.b))
        let optimizer = makeOptimizer(name, [a, b])
        if let state { try optimizer.load(state: state) }
        for step in range {
            applyGoldenGradients(step, a, b)
            optimizer.step()
        }
        return (a.value.scalars, b.value.scalars, optimizer)
    }

    /// 3 steps, export, import into a fresh optimizer, 2 more steps == 5 steps straight,
    /// bit for bit; `b` has no gradient at step 1, so per-parameter step counts differ.
    @Test(arguments: caseNames)
    func exportedStateContinuesIdentically(_ name: String) throws {
        let start = (OptimGolden.a0, OptimGolden.b0)
        let straight = try Self.run(name, steps: 0..<4, from: start)
        let first = try Self.run(name, steps: 0..<2, from: start)
        let resumed = try Self.run(name, steps: 2..<4, from: (first.a, first.b), loading: first.optimizer.state())
        #expect(resumed.a.map(\.bitPattern) == straight.a.map(\.bitPattern))
        #expect(resumed.b.map(\.bitPattern) == straight.b.map(\.bitPattern))
        #expect(resumed.optimizer.stepCount == 4)
        let s1 = straight.optimizer.state(), s2 = resumed.optimizer.state()
        #expect(s1.tensors.map(\.name) == s2.tensors.map(\.name))
        #expect(s1.tensors.map { $0.tensor.scalars } == s2.tensors.map { $0.tensor.scalars })
    }

    @Test func stateSurvivesASafetensorsFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-optim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("optimizer.safetensors")

        var a = Parameter(Tensor(shape: [5], scalars: OptimGolden.a0))
        var b = Parameter(Tensor(shape: [2, 2], scalars: OptimGolden.b0))
        var optimizer: any Optimizer = AdamW([a, b], learningRate: 0.01, amsgrad: true)
        for step in 0..<3 {
            applyGoldenGradients(step % 4, a, b)
            optimizer.step()
        }
        try optimizer.saveState(to: url, metadata: ["epoch": "1"])
        let saved = (a.value.scalars, b.value.scalars)
        for step in 3..<5 {
            applyGoldenGradients(step % 4, a, b)
            optimizer.step()
        }
        let straight = (a.value.scalars, b.value.scalars)

        a = Parameter(Tensor(shape: [5], scalars: saved.0))
        b = Parameter(Tensor(shape: [2, 2], scalars: saved.1))
        optimizer = AdamW([a, b], learningRate: 0.01, amsgrad: true)
        let metadata = try optimizer.loadState(from: url)
        #expect(metadata["epoch"] == "1" && metadata["optimizer"] == "AdamW" && metadata["step_count"] == "3")
        #expect(optimizer.stepCount == 3)
        for step in 3..<5 {
            applyGoldenGradients(step % 4, a, b)
            optimizer.step()
        }
        #expect(a.value.scalars.map(\.bitPattern) == straight.0.map(\.bitPattern))
        #expect(b.value.scalars.map(\.bitPattern) == straight.1.map(\.bitPattern))

        // Another optimizer kind refuses the file.
        #expect(throws: OptimizerStateError.self) { try Adam([a, b]).loadState(from: url) }
    }

    @Test func stateThatDoesNotFitIsRejectedAndChangesNothing() throws {
        let (a, b) = goldenParameters()
        let optimizer = Adam([a, b], learningRate: 0.01)
        applyGoldenGradients(0, a, b)
        optimizer.step()
        let good = optimizer.state()
        #expect(good.tensors.count == 6)

        func tampered(_ edit: (inout [(name: String, tensor: Tensor)]) -> Void) -> OptimizerState {
            var s = good
            edit(&s.tensors)
            return s
        }
        let bad: [OptimizerState] = [
            tampered { $0[1].tensor = Tensor(zeros: [4]) },                           // wrong shape
            tampered { $0.append(("0.momentum_buffer", Tensor(zeros: [5]))) },       // unknown slot
            tampered { $0.removeLast() },                                            // missing slot
            tampered { $0.append(("7.exp_avg", Tensor(zeros: [5]))) },               // no parameter 7
            tampered { $0.append(("exp_avg", Tensor(zeros: [5]))) },                 // no index
            tampered { $0.append($0[1]) },                                           // duplicate
            tampered { $0[0].tensor = Tensor(scalar: 1.5) },                         // fractional step
        ]
        for state in bad {
            #expect(throws: OptimizerStateError.self) { try optimizer.load(state: state) }
        }
        let after = optimizer.state()
        #expect(after.tensors.map(\.name) == good.tensors.map(\.name))
        #expect(after.tensors.map { $0.tensor.scalars } == good.tensors.map { $0.tensor.scalars })
    }

    /// Exported tensors are copies: later steps do not change them.
    @Test func exportedStateDoesNotAlias() {
        let (a, b) = goldenParameters()
        let optimizer = SGD([a, b], learningRate: 0.1, momentum: 0.9)
        applyGoldenGradients(0, a, b)
        optimizer.step()
        let state = optimizer.state()
        let before = state.tensors.map { $0.tensor.scalars }
        applyGoldenGradients(2, a, b)
        optimizer.step()
        #expect(state.tensors.map { $0.tensor.scalars } == before)
    }
}
