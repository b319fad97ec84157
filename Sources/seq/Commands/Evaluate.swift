import ArgumentParser
import Foundation
import SeqTasks
import SeqTensor

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a task's output; translation: BLEU and chrF of --hyp against --ref, as sacreBLEU.",
        discussion: """
            --task translate reads two UTF-8 text files, one sentence per line (invalid UTF-8 \
            decoded with U+FFFD; a final newline does not start a line), hypothesis i scored \
            against reference i. BLEU is sacreBLEU's default (13a tokenizer, mixed case, exp \
            smoothing, 4-grams); chrF is sacreBLEU's default (chrF2, character 6-grams, no word \
            n-grams). The signatures go to stderr; the last line of stdout is one JSON object: \
            bleu, chrf, bleu_precisions, bp, sys_len, ref_len, sentences.
            """)

    enum Task: String, ExpressibleByArgument, CaseIterable {
        case translate, sentiment, pos, nli, qa
    }

    @Option(help: "What to evaluate: translate, or a fine-tuned model: sentiment, pos, nli, qa (with --model and --data).")
    var task: Task

    @Option(help: "Hypotheses: one translation per line.")
    var hyp: String?

    @Option(help: "References: one per line, as many lines as --hyp.")
    var ref: String?

    @Option(help: "The model to evaluate: a translation model (translates --src, scored against --ref) or a fine-tuned one (sentiment, pos, nli, qa; with --data).")
    var model: String?

    @Option(help: "Source sentences to translate with --model, line-aligned with --ref.")
    var src: String?

    @OptionGroup var decoding: DecodingFlags

    @OptionGroup var fineTuned: FineTunedEvaluation.Options

    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if let kind = FineTuningKind(rawValue: task.rawValue) { return try fineTuned.validate(kind, model: model) }
        if model != nil || src != nil {
            guard model != nil, src != nil, ref != nil, hyp == nil else {
                throw ValidationError("seq evaluate --task translate --model DIR needs --src F and --ref F (and no --hyp)")
            }
            return
        }
        guard hyp != nil, ref != nil else {
            throw ValidationError("seq evaluate --task translate needs --hyp F and --ref F (one sentence per line in each)")
        }
    }

    func run() throws {
        FrozenWeights.enable()   // this command only runs models: keep transposed weights
        compute.apply()
        if let kind = FineTuningKind(rawValue: task.rawValue) { return try FineTunedEvaluation.run(kind, model: model!, options: fineTuned) }
        guard let ref, let hyp = hyp ?? src else { return }
        let translated = try model.map { try ModelHypotheses.translate(src: hyp, model: $0, decoding: decoding, seed: compute.seed) }
        let hypotheses: [String], references: [String]
        do {
            if let translated { hypotheses = translated } else { hypotheses = try TextLines.read(path: hyp) }
            references = try TextLines.read(path: ref)
        } catch {
            throw InputError(file: error.path, line: nil, message: error.message)
        }
        guard hypotheses.count == references.count else {
            throw InputError(
                file: hyp, line: nil,
                message: "has \(hypotheses.count) lines but \(ref) has \(references.count); expected one hypothesis per reference line")
        }
        guard !hypotheses.isEmpty else {
            throw InputError(file: hyp, line: nil, message: "no sentences (\(ref) is empty too); expected at least one line in each")
        }
        let bleu = BLEU.corpusScore(hypotheses: hypotheses, references: references)
        let chrf = ChrF.corpusScore(hypotheses: hypotheses, references: references)
        FileHandle.standardErrorWrite(BLEU.summary(bleu) + "\n")
        FileHandle.standardErrorWrite("\(ChrF.signature) = \(String(format: "%.2f", chrf))\n")
        let precisions = bleu.precisions.map { $0.description }.joined(separator: ",")
        let json = "{\"bleu\":\(bleu.score),\"chrf\":\(chrf),\"bleu_precisions\":[\(precisions)],"
            + "\"bp\":\(bleu.bp),\"sys_len\":\(bleu.sysLen),\"ref_len\":\(bleu.refLen),\"sentences\":\(hypotheses.count)}\n"
        try StandardOutput.write(Data(json.utf8))
    }
}
