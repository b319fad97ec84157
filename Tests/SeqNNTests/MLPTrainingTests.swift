import Testing
import SeqNN
import SeqTensor
import SeqTestSupport

/// A 2-4-1 tanh MLP learns XOR (a non-linear problem with a known solution: every output
/// on the right side of 0.5) with each optimizer, on the engine's tape end to end.
@Suite struct MLPTrainingTests {
    static var inputs: Tensor { Tensor(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1]) }
    static let targets: [Float] = [0, 1, 1, 0]

    final class MLP: Module {
        let hidden: Linear, out: Linear
        init(seed: UInt64) {
            var g = RandomGenerator(seed: seed)
            hidden = Linear(inFeatures: 2, outFeatures: 4, std: 1, generator: &g)
            out = Linear(inFeatures: 4, outFeatures: 1, std: 1, generator: &g)
        }
        func forEachParameter(_ body: (String, Parameter) -> Void) { visit("hidden", hidden, body); visit("out", out, body) }
        func callAsFunction(_ x: Tensor) -> Tensor { out(hidden(x).tanh()).sigmoid() }
    }

    static func meanSquaredError(_ y: Tensor) -> Tensor {
        let t = Tensor(shape: [4, 1], scalars: targets)
        let d = y - t
        return (d * d).mean()
    }

    static func train(_ makeOptimizer: ([Parameter]) -> any Optimizer, steps: Int) -> (Float, [Float]) {
        let model = MLP(seed: 3)
        let optimizer = makeOptimizer(model.parameters)
        for _ in 0..<steps {
            model.zeroGrad()
            let loss = meanSquaredError(model(inputs))
            loss.backward()
            optimizer.step()
        }
        let y = withoutGradients { model(inputs) }
        return (withoutGradients { meanSquaredError(y).item }, y.scalars)
    }

    static func optimizer(_ which: Int) -> (String, Int, ([Parameter]) -> any Optimizer) {
        switch which {
        case 0: return ("SGD+Nesterov", 1500, { SGD($0, learningRate: 0.5, momentum: 0.9, nesterov: true) })
        case 1: return ("Adagrad", 1500, { Adagrad($0, learningRate: 0.3) })
        case 2: return ("RMSProp", 800, { RMSProp($0, learningRate: 0.01) })
        case 3: return ("Adam", 800, { Adam($0, learningRate: 0.05) })
        default: return ("AdamW", 800, { AdamW($0, learningRate: 0.05, weightDecay: 1e-4) })
        }
    }

    @Test(arguments: 0..<5) func learnsXOR(_ which: Int) {
        let (name, steps, make) = Self.optimizer(which)
        let initial = withoutGradients { Self.meanSquaredError(MLP(seed: 3)(Self.inputs)).item }
        let (loss, outputs) = Self.train(make, steps: steps)
        #expect(loss < 0.02, "\(name): final loss \(loss) from \(initial)")
        for (y, t) in zip(outputs, Self.targets) {
            #expect(abs(y - t) < 0.3, "\(name): output \(y) for target \(t)")
        }
    }
}
