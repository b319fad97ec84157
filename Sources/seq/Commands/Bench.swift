import ArgumentParser
import Foundation
import SeqTasks
import SeqTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark; the last stdout line is one JSON object.",
        discussion: """
            Benchmarks: kernels (sgemm, GELU, softmax, layer norm; ../shared/ref/torch_kernels.py's contract), \
            embed-latency (batch-1, 32-token sentence embedding; bert_infer.py --latency's contract, needs --model), \
            attention (full vs windowed ±16 self-attention at length 1024), \
            train-step (masked-LM training step, --preset, --repeats steps), \
            decode (translation decoding: ../shared/ref/seq2seq_ref.py decode's contract; --configs, --sentences, \
            --data, --model for a trained model).
            """)

    enum Name: String, ExpressibleByArgument, CaseIterable {
        case kernels, embedLatency = "embed-latency", attention, trainStep = "train-step", decode
    }

    @Argument(help: "The benchmark.")
    var name: Name

    @OptionGroup var compute: ComputeOptions

    @Option(help: "Untimed calls per op.")
    var warmup = 5

    @Option(help: "Timed calls per op (the median is reported).")
    var repeats = 30

    @Option(help: "Comma-separated op names to run (default: all).")
    var only = ""

    @Option(help: "Model directory (embed-latency).")
    var model: String?

    @Option(help: "Model preset (train-step).")
    var preset: TrainStepBenchmark.Preset = .small

    @Option(help: "Timed runs (embed-latency).")
    var runs = 200

    @Option(help: "METHOD:BATCH list (decode). Methods: greedy, beamK (3+3 autoregressive), dsgreedy, dsbeamK (deep-shallow 6+1), vanilla[lL], cmlmK[lL] (mask-predict: K passes, L lengths, default 3), ctc[U][bB] (upsampled ×U, default 2; prefix beam B); e.g. beam5:1,cmlm4:1,ctc:64.")
    var configs = "greedy:1,greedy:64,beam5:1,beam5:64"

    @Option(help: "First N validation sentences (decode).")
    var sentences = 500

    @Option(help: "Folder with train.{en,de} and val.en (decode).")
    var data = "../shared/data/translation/multi30k"

    func validate() throws {
        if name == .embedLatency && model == nil { throw ValidationError("embed-latency needs --model DIR") }
        if warmup < 0 { throw ValidationError("--warmup must be at least 0, got \(warmup)") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
        if runs < 1 { throw ValidationError("--runs must be at least 1, got \(runs)") }
        // Each timed run is kept for the percentiles; beyond these a run only burns time.
        if runs > 1_000_000 { throw ValidationError("--runs must be at most 1000000, got \(runs)") }
        if warmup > 10_000 || repeats > 10_000 { throw ValidationError("--warmup and --repeats must be at most 10000") }
        if name == .decode {
            // Flags, checked before the data and models are read (usage: exit 2).
            if !(1...1_000_000).contains(sentences) { throw ValidationError("--sentences must be in 1...1000000, got \(sentences)") }
            do { _ = try DecodeBenchmark.parse(configs) } catch let e as InputError { throw ValidationError("--configs: \(e.message)") }
        }
    }

    func run() throws {
        compute.apply()
        if name == .trainStep {
            var bench = TrainStepBenchmark()
            bench.preset = preset
            bench.steps = max(1, min(repeats, 1000))
            let data = try JSONSerialization.data(withJSONObject: bench.run(), options: [.sortedKeys])
            try StandardOutput.write(data + Data("\n".utf8))
            return
        }
        if name == .decode || name == .embedLatency { FrozenWeights.enable() }   // inference only
        if name == .decode {
            let bench = DecodeBenchmark(data: data, model: model, sentences: sentences, configs: configs, seed: compute.seed)
            let result: [String: Any]
            do { result = try bench.run() } catch let e as CorpusError {
                throw InputError(file: e.path, line: nil, message: e.message)
            }
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            try StandardOutput.write(data + Data("\n".utf8))
            return
        }
        if name == .attention {
            var bench = AttentionBenchmark()
            bench.repeats = min(repeats, 15)
            let data = try JSONSerialization.data(withJSONObject: bench.run(), options: [.sortedKeys])
            try StandardOutput.write(data + Data("\n".utf8))
            return
        }
        if name == .embedLatency {
            let result: [String: Any]
            do {
                result = try EmbedLatencyBenchmark(runs: runs).run(model: URL(fileURLWithPath: model!))
            } catch {
                throw InputError(file: model!, line: nil, message: "cannot load the model: \(error)")
            }
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            try StandardOutput.write(data + Data("\n".utf8))
            return
        }
        var bench = KernelBenchmark()
        bench.warmup = warmup
        bench.repeats = repeats
        bench.only = Set(only.split(separator: ",").map(String.init))
        let result = bench.run()
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        try StandardOutput.write(data + Data("\n".utf8))
    }
}
