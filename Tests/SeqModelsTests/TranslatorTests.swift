import Foundation
import Testing
import SeqModels
import SeqNN
import SeqTensor
import SeqTestSupport

// The encoder-decoder translator: gradients of the whole model against central
// differences, incremental decoding on the KV cache against recomputing the decoder over
// the whole prefix, padded batches against single sentences, and the model directory.

@Suite struct TranslatorTests {
    static func config(dropout: Float = 0, postLN: Bool = false, shared: Bool = true) -> TranslatorConfig {
        var c = TranslatorConfig(vocabSize: 23, targetVocabSize: shared ? nil : 19, width: 16, encoderLayers: 2, decoderLayers: 2,
                                 heads: 2, feedForward: 24, dropout: dropout, maxPositions: 32, shareEmbeddings: shared)
        c.normalizeBefore = !postLN
        return c
    }

    static func model(_ c: TranslatorConfig = config(), seed: UInt64 = 3) -> Translator {
        var g = RandomGenerator(seed: seed)
        return withoutGradients { Translator(c, generator: &g) }
    }

    static let sources: [[Int32]] = [[5, 6, 7, 8, 9, 2], [10, 11, 2]]
    static let targets: [[Int32]] = [[1, 12, 13, 14], [1, 15]]

    /// Σ of log-softmax of the next tokens: a scalar that depends on every parameter.
    static func objective(_ m: Translator) -> Tensor {
        let src = TokenBatch.padding(sources, pad: 0), tgt = TokenBatch.padding(targets, pad: 0)
        let logits = m.decode(tgt, source: m.encode(src, context: .evaluation()), context: .evaluation())
        var labels = [Int32](repeating: -100, count: tgt.ids.count)
        for (b, row) in targets.enumerated() { for t in 0..<row.count { labels[b * tgt.length + t] = Int32(3 + (b + t) % 15) } }
        return logits.crossEntropy(targets: labels, labelSmoothing: 0.1)
    }

    @Test(arguments: [false, true]) func gradientsMatchFiniteDifferences(postLN: Bool) {
        for shared in [true, false] where !(postLN && !shared) {
            let m = Self.model(Self.config(postLN: postLN, shared: shared))
            m.zeroGrad()
            Self.objective(m).backward()
            // A few entries of parameters from every part: embeddings (source and target
            // side), encoder and decoder attention, cross-attention, feed-forward, norms.
            let picks = m.namedParameters.filter { name, _ in
                ["shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "encoder.layers.0.self_attn.query.weight",
                 "decoder.layers.1.encoder_attn.key.weight", "decoder.layers.0.self_attn.value.bias", "decoder.layers.1.ffn.fc1.weight",
                 "encoder.layers.1.final_layer_norm.weight", "decoder.layer_norm.bias", "decoder.layers.0.encoder_attn_layer_norm.weight"]
                    .contains(name)
            }
            #expect(picks.count >= 7)   // post-LN has no final norms
            for (name, p) in picks {
                let analytic = p.grad!.scalars
                let original = p.value.detached()
                // Entries that the batch reaches (token rows 5...15 of an embedding).
                for index in [p.count / 2 + 1, p.count - 1, 5 * p.shape.last! + 2] where index < p.count {
                    func loss(_ delta: Float) -> Double {
                        var v = original.scalars
                        v[index] += delta
                        p.assign(Tensor(shape: p.shape, scalars: v))
                        return Double(withoutGradients { Self.objective(m) }.scalars[0])
                    }
                    let h: Float = 1e-2
                    let numeric = (loss(h) - loss(-h)) / Double(2 * h)
                    p.assign(original)
                    #expect(abs(Double(analytic[index]) - numeric) <= 2e-3 + 2e-2 * abs(numeric),
                            "\(name)[\(index)] analytic \(analytic[index]) numeric \(numeric) (postLN \(postLN), shared \(shared))")
                }
            }
        }
    }

    /// Greedy decoding by recomputing the decoder over the whole prefix every step.
    static func fullRecompute(_ m: Translator, source: [Int32], steps: Int) -> [[Float]] {
        withoutGradients {
            let encoded = m.encode(TokenBatch.padding([source], pad: 0), context: .evaluation())
            var prefix: [Int32] = [1], logits: [[Float]] = []
            for _ in 0..<steps {
                let all = m.decode(TokenBatch.padding([prefix], pad: 0), source: encoded, context: .evaluation())
                let V = all.shape[1]
                let last = Array(all.scalars[((prefix.count - 1) * V)..<(prefix.count * V)])
                logits.append(last)
                prefix.append(Int32(last.indices.dropFirst(3).max { last[$0] < last[$1] }!))
            }
            return logits
        }
    }

    @Test func cachedStepsEqualFullRecomputation() {
        let m = Self.model()
        let source = Self.sources[0], steps = 12
        let reference = Self.fullRecompute(m, source: source, steps: steps)
        withoutGradients {
            let encoded = m.encode(TokenBatch.padding([source], pad: 0), context: .evaluation())
            let caches = m.makeCaches(maxLength: steps)
            var token: Int32 = 1
            for t in 0..<steps {
                let logits = m.step([token], position: t, source: encoded, caches: caches).scalars
                #expect(maxAbsDifference(logits, reference[t]) < 1e-5, "step \(t)")
                token = Int32(logits.indices.dropFirst(3).max { logits[$0] < logits[$1] }!)
            }
        }
    }

    @Test func paddedBatchEqualsSingleSentences() {
        let m = Self.model()
        withoutGradients {
            let batch = m.encode(TokenBatch.padding(Self.sources, pad: 0), context: .evaluation())
            let caches = m.makeCaches(maxLength: 4)
            var tokens: [Int32] = [1, 1]
            var batched: [[Float]] = []
            for t in 0..<4 {
                let l = m.step(tokens, position: t, source: batch, caches: caches)
                batched.append(l.scalars)
                tokens = [Int32(4 + t), Int32(9 + t)]
            }
            for (b, source) in Self.sources.enumerated() {
                let single = m.encode(TokenBatch.padding([source], pad: 0), context: .evaluation())
                let c = m.makeCaches(maxLength: 4)
                var token: Int32 = 1
                for t in 0..<4 {
                    let l = m.step([token], position: t, source: single, caches: c).scalars
                    let V = l.count
                    #expect(maxAbsDifference(l, Array(batched[t][(b * V)..<((b + 1) * V)])) < 1e-5, "sentence \(b) step \(t)")
                    token = b == 0 ? Int32(4 + t) : Int32(9 + t)
                }
            }
        }
    }

    @Test func modelDirectoryRoundTripAndRefusal() throws {
        let m = Self.model(Self.config(shared: false))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-mt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try m.save(to: dir)
        let loaded = try Translator.load(directory: dir)
        #expect(loaded.config.decoder == .autoregressive)
        let a = withoutGradients { Self.objective(m) }.scalars, b = withoutGradients { Self.objective(loaded) }.scalars
        #expect(a == b)
        // A BERT directory is refused in one sentence naming what it holds.
        var g = RandomGenerator(seed: 1)
        let bert = BertForMaskedLM(BertConfig(vocabSize: 30, hiddenSize: 8, layerCount: 1, headCount: 2, intermediateSize: 16), generator: &g)
        let bertDir = dir.appendingPathComponent("bert")
        try bert.save(to: bertDir)
        #expect {
            _ = try Translator.load(directory: bertDir)
        } throws: { error in
            "\(error)".contains("BertForMaskedLM") && "\(error)".contains("not a translation model")
        }
    }

    /// `--init` copies the encoder and embeddings into a NAT model; `--init-decoder` the decoder
    /// layers too, never the length predictor; a decoder of another depth is refused before
    /// anything is copied.
    @Test func natStartsFromTheAutoregressiveEncoderAndOptionallyItsDecoder() throws {
        let ar = Self.model(seed: 3)
        func values(_ m: Translator) -> [String: [Float]] {
            Dictionary(uniqueKeysWithValues: m.namedParameters.map { ($0.name, $0.parameter.value.scalars) })
        }
        let theirs = values(ar)
        for decoder in [false, true] {
            let nat = Self.model(Self.config().withDecoder(.natCMLM, maxTargetLength: 20), seed: 4)
            let fresh = values(nat)
            let copied = try withoutGradients { try nat.copyEncoder(from: ar, decoder: decoder) }
            let mine = values(nat)
            var count = 0
            for (name, v) in mine {
                let fromAR = name.hasPrefix("encoder.") || name == "shared.weight" || decoder && name.hasPrefix("decoder.layers.")
                    || decoder && name.hasPrefix("decoder.layer_norm.")
                #expect(v == (fromAR ? theirs[name] : fresh[name]), "\(name) (decoder: \(decoder))")
                if fromAR { count += 1 }
            }
            #expect(copied == count && count > 0)
            #expect(mine["decoder.embed_length.weight"] == fresh["decoder.embed_length.weight"])
        }
        var shallow = Self.config()
        shallow.decoderLayers = 1
        let nat = Self.model(Self.config().withDecoder(.natCMLM, maxTargetLength: 20), seed: 4)
        let before = values(nat)
        #expect(throws: CheckpointError.self) { try withoutGradients { try nat.copyEncoder(from: Self.model(shallow), decoder: true) } }
        #expect(values(nat) == before, "a refused copy changes nothing")
        #expect(try withoutGradients { try nat.copyEncoder(from: Self.model(shallow)) } > 0, "the encoder alone does not care about the decoder")
    }

    @Test func referenceShapeHasItsParameterCount() {
        // The PyTorch reference: 7.58 M parameters with an 8000-entry joint vocabulary.
        var c = TranslatorPreset.base.config(vocabSize: 8000)
        c.maxPositions = 64
        var g = RandomGenerator(seed: 0)
        let m = withoutGradients { Translator(c, generator: &g) }
        #expect(m.parameterCount == 7_578_624)   // sum(p.numel()) of seq2seq_ref.build_model(8000)
    }
}
