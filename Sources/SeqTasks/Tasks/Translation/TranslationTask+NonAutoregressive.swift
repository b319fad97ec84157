import SeqModels
import SeqNN
import SeqTensor

extension TranslationTask {
    /// CTC: the step's sentences whose upsampled source was too short for their target
    /// (skipped with zero loss, as `zero_infinity`), shown beside the loss.
    /// Glancing: the share of target tokens shown to the decoder.
    public func trainingMetrics(_ totals: [String: Double]) -> [String: Double] {
        var metrics: [String: Double] = [:]
        if let skipped = totals["ctc_skipped"] { metrics["ctc_skipped"] = skipped }
        if let shown = totals["glanced"], let all = totals["predicted"], all > 0 { metrics["glanced"] = shown / all }
        return metrics
    }

    /// fairseq's `length_loss_factor`.
    public static let defaultLengthLossWeight: Float = 0.1

    /// The loss of a non-autoregressive decoder: label-smoothed cross-entropy on the
    /// positions it predicts (mask-predict: the masked ones; vanilla: all) or the CTC loss
    /// over the upsampled positions, each normalised by the global count of target tokens
    /// it predicts, plus the length classifier's cross-entropy per sentence × its weight.
    func natLoss(_ batch: TranslationBatch, _ targets: NATTargets, encoded: EncodedSource, totals: [String: Double],
                 context: ForwardContext) -> TaskLoss {
        var nat = targets, counts: [String: Double] = [:]
        if let ratio = settings.glancing, ratio > 0, !nat.glanceKeys.isEmpty {
            counts["glanced"] = Double(glance(&nat, ratio: ratio, encoded: encoded))
        }
        let predicted = max(totals["predicted"] ?? 0, 1), sentences = max(totals["sentences"] ?? 0, 1)
        var loss: Tensor, terms: [LossTerm]
        if model.config.decoder == .natCTC {
            let logits = model.decodeParallel(nat.input, source: encoded, fromSource: nat.fromSource, context: context)
            let B = nat.input.batchSize, T = nat.input.length
            let lengths = (0..<B).map { b in nat.input.valid[(b * T)..<(b * T + T)].reduce(0) { $0 + Int($1) } }
            let ctc = logits.reshape([B, T, logits.shape[1]]).ctcLoss(inputLengths: lengths, targets: nat.sequences,
                                                                     blank: Int32(model.config.blankID ?? model.config.bosID),
                                                                     divisor: Float(predicted))
            loss = ctc.loss
            terms = [LossTerm("ctc", sum: ctc.sum, normalizer: "predicted")]
            counts["ctc_skipped"] = Double(ctc.skipped)
        } else {
            // Only the predicted positions are projected to the vocabulary (the others would
            // be ignored by the loss anyway): mask-predict's masked tokens, vanilla's real ones.
            let rows = nat.output.indices.filter { nat.output[$0] != Self.ignoreIndex }
            let logits = model.decodeParallel(nat.input, source: encoded, fromSource: nat.fromSource,
                                              outputRows: rows.map { Int32($0) }, context: context)
            let ce = logits.crossEntropy(targets: rows.map { nat.output[$0] }, ignoreIndex: Self.ignoreIndex,
                                         labelSmoothing: settings.labelSmoothing, divisor: Float(predicted))
            loss = ce
            terms = [LossTerm("ce", sum: Double(ce.scalars[0]) * predicted, normalizer: "predicted")]
        }
        if model.config.predictsLength {
            let lengthLoss = model.lengthLogits(encoded, sourceValid: batch.source.valid)
                .crossEntropy(targets: nat.lengths, divisor: Float(sentences))
            let weight = settings.lengthLossWeight ?? Self.defaultLengthLossWeight
            loss = loss + lengthLoss * weight
            // Weighted, so that the step's reported loss (the sum of the terms) is the objective.
            terms.append(LossTerm("length", sum: Double(lengthLoss.scalars[0] * weight) * sentences, normalizer: "sentences"))
        }
        // Target tokens (with `</s>`, as the autoregressive model counts them): tokens/s compares.
        return TaskLoss(loss: loss, terms: terms, counts: counts, tokens: batch.targetTokens)
    }

    /// Glancing training's first pass: the decoder guesses every token of the fully masked
    /// targets (no gradients, no dropout), then each row shows some target tokens by
    /// `NATTargets.glance`, drawn from its (pass, corpus row) key. Returns the tokens shown.
    func glance(_ nat: inout NATTargets, ratio: Float, encoded: EncodedSource) -> Int {
        let mask = Int32(model.config.maskID ?? model.config.bosID)
        let real = Translator.realRows(nat.input)
        let guesses = withoutGradients {
            NATStart.predictions(model.decodeParallel(nat.input, source: encoded, outputRows: real, context: .evaluation()),
                                 forbidden: [mask], logProbs: false).map(\.token)
        }
        let T = nat.input.length, base = RandomGenerator(seed: settings.seed ^ NATTargets.glanceSalt)
        var ids = nat.input.ids, output = nat.output, shown = 0, next = 0
        for (r, key) in nat.glanceKeys.enumerated() {
            let n = nat.input.valid[(r * T)..<((r + 1) * T)].reduce(0) { $0 + Int($1) }
            var generator = base.derived(key)
            let g = NATTargets.glance(target: Array(nat.output[(r * T)..<(r * T + n)]), guesses: Array(guesses[next..<(next + n)]),
                                      ratio: ratio, mask: mask, generator: &generator)
            ids.replaceSubrange((r * T)..<(r * T + n), with: g.input)
            output.replaceSubrange((r * T)..<(r * T + n), with: g.output)
            shown += g.shown
            next += n
        }
        nat.input.ids = ids
        nat.output = output
        return shown
    }
}
