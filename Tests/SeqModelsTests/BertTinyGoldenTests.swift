import Foundation
import Testing
import SeqModels
import SeqNN
import SeqTasks
import SeqTensor
import SeqTestSupport

// Step-level parity of the whole BertForMaskedLM with transformers, on a fresh clone (no
// ../shared, no Python): every number below comes from Fixtures/bert_tiny/, written by
// bench/golden/bert_tiny_golden.py (`generate()`): config.json by transformers, golden.json by
// the same run (torch 2.15, transformers 5.24, CPU float32). The weights are no file: both
// sides compute them with `formulaWeights` (the script's `formula_weights`).

fileprivate struct BertTinyGolden: Decodable {
    struct AdamWSettings: Decodable {
        let lr: Float
        let betas: [Double]
        let eps: Double
        let weight_decay: Double
    }
    let input_ids: [[Int32]]
    let token_type_ids: [[Int32]]
    let attention_mask: [[Int32]]
    let labels: [[Int32]]
    let last_hidden_state_shape: [Int]
    let last_hidden_state: [Float]
    let mlm_loss: Float
    let parameter_shapes: [String: [Int]]
    let saved_tensors: [String: [Int]]
    let gradients: [String: [Float]]
    let adamw: AdamWSettings
    let losses: [Float]
    let loss_after_steps: Float
    let weights_after_steps: [String: [Float]]

    var input: BertBatch {
        BertBatch(ids: input_ids.flatMap { $0 }, typeIDs: token_type_ids.flatMap { $0 },
                  attentionMask: attention_mask.flatMap { $0 }, batchSize: input_ids.count, length: input_ids[0].count)
    }

    /// The MLM batch seq trains on: the positions whose label is not -100, flat b·T + t.
    var maskedLM: MaskedLMBatch {
        var positions: [Int32] = [], targets: [Int32] = []
        for (i, label) in labels.flatMap({ $0 }).enumerated() where label != -100 {
            positions.append(Int32(i))
            targets.append(label)
        }
        return MaskedLMBatch(input: input, maskedPositions: positions, maskedTargets: targets)
    }
}

private let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/bert_tiny")

/// bert_tiny_golden.py's `formula_weights`, value for value: u_i = sin(0.9(i+1) + k) ·
/// cos(0.37(i+1)(1 + k mod 7)) in Double with libm, k = (Σ UTF-8 bytes of the name) mod 97,
/// spread by the parameter's kind, rounded to Float.
func formulaWeights(_ name: String, count: Int) -> [Float] {
    let k = Double(name.utf8.reduce(0) { $0 + Int($1) } % 97)
    let kind = Double(Int(k) % 7)
    return (0..<count).map { i -> Float in
        let x = Double(i + 1)
        let u = Foundation.sin(0.9 * x + k) * Foundation.cos(0.37 * x * (1 + kind))
        if name.hasSuffix("LayerNorm.weight") { return Float(1.0 + 0.2 * u) }
        if name.hasSuffix("bias") { return Float(0.1 * u) }
        if name.contains("embeddings") { return Float(0.4 * u) }
        return Float(0.15 * u)
    }
}

/// Tolerances. Float32 forward passes of this size agree with PyTorch to ~1e-6; each bound
/// leaves an order of magnitude of headroom and no more.
private enum Tolerance {
    /// Last hidden state, max |Δ|.
    static let hidden: Float = 1e-5
    /// Losses, |Δ| / |loss|.
    static let lossRelative: Float = 1e-5
    /// Gradients, max |Δ| / max |g| of the tensor, plus an absolute floor for tensors whose
    /// exact gradient is zero (the attention key bias: softmax ignores a shift shared by all
    /// keys, so torch's value there is rounding noise, ~1e-8).
    static let gradientRelative: Float = 1e-4
    static let gradientFloor: Float = 1e-6
    /// Weights after the AdamW steps, max |Δ|.
    static let weights: Float = 1e-5
    /// How far a key bias may move in the 3 steps (see `keyBiasIsNoise`): a thirtieth of the
    /// ~3·lr = 3e-3 that every parameter with a real gradient moves.
    static let noiseDrivenMovement: Float = 1e-4
}

/// The attention key bias adds q·b_k to every score of a query, which softmax ignores: its
/// exact gradient is zero and its float gradient rounding noise (~1e-8 in torch). Adam turns
/// that noise into steps of about lr·g/(|g| + eps) ≈ 1e-5 with eps 1e-6, in directions
/// no two implementations share, so after 3 steps torch and seq differ there by up to
/// ~5e-5 while agreeing to 1e-6 elsewhere. Those tensors are checked for staying put
/// (both sides) instead of for equality.
private func keyBiasIsNoise(_ name: String) -> Bool { name.hasSuffix("attention.self.key.bias") }

@Suite struct BertTinyGoldenTests {
    fileprivate let golden: BertTinyGolden

    init() throws {
        golden = try JSONDecoder().decode(BertTinyGolden.self, from: Data(contentsOf: fixture.appendingPathComponent("golden.json")))
    }

    /// The fixture's config with the formula's weights.
    func loadModel() throws -> BertForMaskedLM {
        let config = try BertConfig.load(directory: fixture)
        var generator = RandomGenerator(seed: 0)
        let model = withoutGradients { BertForMaskedLM(config, generator: &generator) }
        for (name, p) in model.namedParameters {
            p.assign(Tensor(shape: p.shape, scalars: formulaWeights(name, count: p.count)))
        }
        return model
    }

    func hiddenDifference(_ model: BertForMaskedLM) -> Float {
        model.bert.paddingPositions = .computed   // the golden includes the padding positions
        let hidden = withoutGradients { model.bert.encode(golden.input, context: .evaluation()) }
        #expect(hidden.shape == golden.last_hidden_state_shape)
        return maxAbsDifference(hidden.scalars, golden.last_hidden_state)
    }

    /// seq registers exactly the parameters transformers trains, under the same names and
    /// shapes (the tied decoder once, as the word embeddings; no pooler).
    @Test func parametersAreTransformersParameters() throws {
        let model = try loadModel()
        let names = model.namedParameters.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(Set(names) == Set(golden.gradients.keys))
        for (name, p) in model.namedParameters {
            #expect(p.shape == golden.parameter_shapes[name], "\(name): shape \(p.shape)")
        }
    }

    /// bert_tiny_golden.py: `out.hidden_states[-1]` of the saved model on the padded batch
    /// (padding positions included: their queries still attend to the real tokens).
    @Test func lastHiddenStateMatchesTransformers() throws {
        let diff = hiddenDifference(try loadModel())
        #expect(diff <= Tolerance.hidden, "last_hidden_state max |Δ| \(diff)")
        print("bert_tiny: last_hidden_state max |Δ| \(diff)")
    }

    /// Negative control: one word-embedding entry of a token in the batch moved by 1e-3
    /// must push the hidden-state difference past the tolerance.
    @Test func hiddenStateCheckCatchesAOneWeightPerturbation() throws {
        let model = try loadModel()
        let word = model.bert.embeddings.word.weight
        var scalars = word.value.scalars
        let token = Int(golden.input_ids[0][2]), C = word.shape[1]
        scalars[token * C + 5] += 1e-3
        word.assign(Tensor(shape: word.shape, scalars: scalars))
        let diff = hiddenDifference(model)
        #expect(diff > Tolerance.hidden, "a 1e-3 change of one weight moved the hidden state by only \(diff)")
        print("bert_tiny negative control: one weight +1e-3 → last_hidden_state max |Δ| \(diff)")
    }

    /// bert_tiny_golden.py: `out.loss` of BertForMaskedLM(labels=...) (mean cross-entropy
    /// over labels ≠ -100); seq projects only those positions.
    @Test func mlmLossMatchesTransformers() throws {
        let model = try loadModel()
        let out = withoutGradients { model.loss(golden.maskedLM, context: .evaluation()) }
        let rel = abs(out.mlmLoss - golden.mlm_loss) / abs(golden.mlm_loss)
        #expect(rel <= Tolerance.lossRelative, "MLM loss \(out.mlmLoss) vs \(golden.mlm_loss)")
        #expect(out.loss.item == out.mlmLoss)
        print("bert_tiny: MLM loss \(out.mlmLoss) vs \(golden.mlm_loss), relative |Δ| \(rel)")
    }

    /// bert_tiny_golden.py: `p.grad` after `out.loss.backward()` for every parameter; the
    /// word embeddings' gradient includes the tied decoder's contribution.
    @Test func everyGradientAtStepZeroMatchesTransformers() throws {
        let model = try loadModel()
        model.loss(golden.maskedLM, context: .evaluation()).loss.backward()
        var worst = (name: "", relative: Float(0))
        for (name, p) in model.namedParameters {
            let reference = try #require(golden.gradients[name], "no golden gradient for \(name)")
            let grad = try #require(p.grad, "\(name) received no gradient").scalars
            let scale = reference.reduce(0) { max($0, abs($1)) }
            let diff = maxAbsDifference(grad, reference)
            #expect(diff <= Tolerance.gradientRelative * scale + Tolerance.gradientFloor,
                    "\(name): gradient max |Δ| \(diff), max |g| \(scale)")
            if keyBiasIsNoise(name) {
                #expect(scale <= Tolerance.gradientFloor && grad.allSatisfy { abs($0) <= Tolerance.gradientFloor },
                        "\(name): a key bias's gradient should be zero up to rounding")
            } else if diff / scale > worst.relative {
                worst = (name, diff / scale)
            }
        }
        print("bert_tiny: worst gradient max |Δ| / max |g| \(worst.relative) (\(worst.name))")
    }

    /// bert_tiny_golden.py: `train()`, torch.optim.AdamW over two parameter groups (decay
    /// 0.01 except "bias" / "LayerNorm.weight" names) — seq's GroupedAdamW — for 3 steps
    /// on the same batch: the loss before each step, then every weight and the loss after.
    @Test func threeAdamWStepsMatchTorch() throws {
        let model = try loadModel()
        let s = golden.adamw
        let optimizer = GroupedAdamW(model.namedParameters, learningRate: s.lr, betas: (s.betas[0], s.betas[1]),
                                     eps: s.eps, weightDecay: s.weight_decay)
        let batch = golden.maskedLM
        var losses: [Float] = []
        for _ in golden.losses {
            model.zeroGrad()
            let out = model.loss(batch, context: .evaluation())
            out.loss.backward()
            losses.append(out.mlmLoss)
            optimizer.step()
        }
        for (step, (mine, theirs)) in zip(losses, golden.losses).enumerated() {
            #expect(abs(mine - theirs) / abs(theirs) <= Tolerance.lossRelative, "step \(step): loss \(mine) vs \(theirs)")
        }
        let after = withoutGradients { model.loss(batch, context: .evaluation()).mlmLoss }
        #expect(abs(after - golden.loss_after_steps) / abs(golden.loss_after_steps) <= Tolerance.lossRelative,
                "loss after \(losses.count) steps \(after) vs \(golden.loss_after_steps)")
        var worst = (name: "", diff: Float(0)), keyBias = (seq: Float(0), torch: Float(0), apart: Float(0))
        for (name, p) in model.namedParameters {
            let reference = try #require(golden.weights_after_steps[name], "no golden weights for \(name)")
            let diff = maxAbsDifference(p.value.scalars, reference)
            if keyBiasIsNoise(name) {
                let start = formulaWeights(name, count: p.count)
                let moved = maxAbsDifference(p.value.scalars, start), torchMoved = maxAbsDifference(reference, start)
                #expect(moved <= Tolerance.noiseDrivenMovement, "\(name): seq moved a zero-gradient bias by \(moved)")
                #expect(torchMoved <= Tolerance.noiseDrivenMovement, "\(name): torch moved a zero-gradient bias by \(torchMoved)")
                keyBias = (max(keyBias.seq, moved), max(keyBias.torch, torchMoved), max(keyBias.apart, diff))
                continue
            }
            #expect(diff <= Tolerance.weights, "\(name): weights after \(losses.count) steps max |Δ| \(diff)")
            if diff > worst.diff { worst = (name, diff) }
        }
        print("bert_tiny: losses \(losses) vs \(golden.losses), after \(after) vs \(golden.loss_after_steps); "
              + "worst weight max |Δ| \(worst.diff) (\(worst.name)); key biases moved \(keyBias.seq) (seq) "
              + "\(keyBias.torch) (torch), \(keyBias.apart) apart")

        // For bert_tiny_golden.py --check-roundtrip: transformers must read what seq writes.
        if let dir = ProcessInfo.processInfo.environment["SEQ_BERT_TINY_SAVE_DIR"] {
            try model.save(to: URL(fileURLWithPath: dir))
            print("bert_tiny: saved the trained model to \(dir)")
        }
    }

    /// What seq writes has the layout transformers writes (golden.json's `saved_tensors`: the
    /// names and shapes of save_pretrained's file), the values it was given, and a
    /// config.json with the same values.
    @Test func savedDirectoryHasTransformersLayout() throws {
        let model = try loadModel()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-bert-tiny-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.save(to: dir)
        let ours = try Safetensors.read(dir.appendingPathComponent("model.safetensors"))
        #expect(Set(ours.names) == Set(golden.saved_tensors.keys))
        for (name, shape) in golden.saved_tensors {
            #expect(ours[name]?.shape == shape, "\(name)")
            #expect(ours[name]?.scalars == formulaWeights(name, count: shape.reduce(1, *)), "\(name)")
        }
        let saved = try BertConfig.load(directory: dir), original = try BertConfig.load(directory: fixture)
        #expect(saved == original)
    }
}
