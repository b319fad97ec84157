import ArgumentParser
import Foundation
import SeqModels
import SeqTensor
import SeqText

/// `seq mlm-logits`: the masked-LM logits of a model directory for one text, as JSON, so
/// bench/pretrain/interop.py can compare them with transformers' BertForMaskedLM.
struct MLMLogits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlm-logits",
        abstract: "Print a model's masked-LM logits for one text as JSON (for interoperability checks).",
        shouldDisplay: false)

    @Option(help: "Model directory (config.json, model.safetensors, vocab.txt or tokenizer.json).")
    var model: String

    @Option(help: "The text ([CLS] and [SEP] are added; [MASK] is recognised).")
    var text: String

    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let url = URL(fileURLWithPath: model)
        let bert: BertForMaskedLM
        let tokenizer: Tokenizer
        do {
            bert = try BertForMaskedLM.load(directory: url)
            tokenizer = try Tokenizer.load(path: model)
        } catch {
            throw InputError(file: model, line: nil, message: "cannot load the model (\(error))")
        }
        let ids = tokenizer.encode(text).ids
        let batch = BertBatch(ids: ids, batchSize: 1, length: ids.count)
        let logits = withoutGradients { bert.logits(batch, context: .evaluation()) }
        let V = bert.config.vocabSize
        let values = logits.scalars
        var out = "{\"ids\":[" + ids.map(String.init).joined(separator: ",") + "],\"vocab_size\":\(V),\"logits\":["
        for t in 0..<ids.count {
            if t > 0 { out += "," }
            out += "[" + values[(t * V)..<((t + 1) * V)].map { Double($0).description }.joined(separator: ",") + "]"
        }
        out += "]}"
        try StandardOutput.print(out)
    }
}
