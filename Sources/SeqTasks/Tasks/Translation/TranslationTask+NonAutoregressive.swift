import SeqModels
import SeqNN
import SeqTensor

extension TranslationTask {
    /// CTC: the step's sentences whose upsampled source was too short for their target
    /// (skipped with zero loss, as `zero_infinity`), shown beside the loss.
    public func trainingMetrics(_ totals: [String: Double]) -> [String: Double] {
        totals["ctc_skipped"].map { ["ctc_skipped": $0] } ?? [:]
    }

    /// fairseq's `length_loss_factor`.
    public static let defaultLengthLossWeight: Float = 0.1

    /// The loss of a non-autoregressive decoder: label-smoothed cross-entropy on the
    /// positions it predicts (mask-predict: the masked ones; vanilla: all) or the CTC loss
    /// over the upsampled positions, each normalised by the global count of target tokens
    /// it predicts, plus the length classifier's cross-entropy per sentence × its weight.
    func natLoss(_ batch: TranslationBatch, _ nat: NATTargets, encoded: EncodedSource, totals: [String: Double],
                 context: ForwardContext) -> TaskLoss {
        let predicted = max(totals["predicted"] ?? 0, 1), sentences = max(totals["sentences"] ?? 0, 1)
        var loss: Tensor, terms: [LossTerm], counts: [String: Double] = [:]
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
}
