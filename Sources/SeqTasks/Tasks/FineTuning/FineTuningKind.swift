import Foundation

/// The four fine-tuning tasks, with the head each trains and its default recipe.
public enum FineTuningKind: String, Codable, Sendable, CaseIterable {
    case sentiment, pos, nli, qa

    /// The transformers class of the fine-tuned model.
    public var architecture: String {
        switch self {
        case .sentiment, .nli: "BertForSequenceClassification"
        case .pos: "BertForTokenClassification"
        case .qa: "BertForQuestionAnswering"
        }
    }

    /// Defaults chosen for all-MiniLM-L6-v2 (6 × 384) on the bar datasets; each is a flag.
    public struct Recipe: Sendable {
        public var learningRate: Float
        public var epochs: Int
        public var batchSize: Int
        public var maxLength: Int
        /// Share of the schedule spent warming up (then linear decay to 0).
        public var warmup: Double
    }

    public var recipe: Recipe {
        switch self {
        // SST-2: 67k short rows; 1 epoch at constant 2e-5 reaches ~0.888 with PyTorch, so
        // a higher peak with warmup and linear decay over 2 epochs.
        case .sentiment: Recipe(learningRate: 4e-5, epochs: 2, batchSize: 32, maxLength: 64, warmup: 0.1)
        // EWT: 12.5k sentences, 17 UPOS tags; sentences are short. At 5e-5 and 3 passes the
        // tagger reaches 0.9623 on dev; 1e-4 and 4 passes reach 0.9660 (bench/RESULTS.md).
        case .pos: Recipe(learningRate: 1e-4, epochs: 4, batchSize: 32, maxLength: 128, warmup: 0.1)
        // SICK: 4.4k pairs; small data wants more passes at a moderate rate.
        case .nli: Recipe(learningRate: 5e-5, epochs: 6, batchSize: 32, maxLength: 128, warmup: 0.1)
        // SQuADShifts new-wiki: 7.9k questions; the usual 384-token windows, stride 128. Dev F1
        // still rises in the fourth pass (71.99 → 73.28 on a dev subset; bench/RESULTS.md).
        case .qa: Recipe(learningRate: 8e-5, epochs: 4, batchSize: 32, maxLength: 384, warmup: 0.1)
        }
    }

    /// What `--train` / `--dev` / `--data` hold for this task, for messages.
    public var dataFormat: String {
        switch self {
        case .sentiment: "GLUE TSV with a header 'sentence<TAB>label'"
        case .pos: "CoNLL-U (UPOS in column 4)"
        case .nli: "SICK TSV or premise<TAB>hypothesis<TAB>label"
        case .qa: "SQuAD v1.1 JSON"
        }
    }

    /// The default dataset under corpora/finetune/ (train, dev).
    public var defaultFiles: (train: String, dev: String) {
        switch self {
        case .sentiment: ("sentiment.train.tsv", "sentiment.dev.tsv")
        case .pos: ("pos.train.conllu", "pos.dev.conllu")
        case .nli: ("nli.train.tsv", "nli.dev.tsv")
        case .qa: ("qa.train.json", "qa.dev.json")
        }
    }
}
