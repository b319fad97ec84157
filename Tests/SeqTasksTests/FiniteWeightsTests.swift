import Testing
import SeqModels
import SeqNN
import SeqTensor
@testable import SeqTasks

/// A run whose weights diverged is an error before anything is saved, naming the first
/// broken parameter, even when the step loss and held-out loss never saw it.
struct FiniteWeightsTests {
    @Test func nonFiniteWeightsAreRefusedNamingTheParameter() throws {
        var generator = RandomGenerator(seed: 0)
        let model = withoutGradients {
            BertModel(BertConfig(vocabSize: 8, hiddenSize: 4, layerCount: 1, headCount: 1, intermediateSize: 4, maxPositions: 8),
                      pooler: false, generator: &generator)
        }
        try model.requireFiniteWeights(step: 3)
        var target: (String, Parameter)?
        model.forEachParameter { name, p in if name.hasSuffix("intermediate.dense.bias") { target = (name, p) } }
        let (name, parameter) = try #require(target)
        for bad in [Float.nan, .infinity] {
            parameter.assign(Tensor(repeating: bad, shape: parameter.shape))
            #expect(throws: TrainingError.self) { try model.requireFiniteWeights(step: 3) }
            do { try model.requireFiniteWeights(step: 3) } catch { #expect("\(error)".contains(name) && "\(error)".contains("step 3")) }
        }
    }
}
