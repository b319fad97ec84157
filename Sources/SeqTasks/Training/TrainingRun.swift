import Dispatch
import Foundation
import SeqModels
import SeqTensor

/// When and how long to train, and what to write: the part of a run that may change when
/// it is resumed.
public struct TrainingRunOptions: Sendable {
    public var out: URL
    /// Train until this many optimizer steps in all (resumed steps included).
    public var maxSteps: Int?
    /// Stop after this many minutes of this invocation.
    public var maxMinutes: Double?
    /// Stop when this many passes over the training data are complete.
    public var maxEpochs: Int?
    /// Held-out evaluation every N steps (0: only at the end).
    public var evalEvery = 200
    /// Evaluate the starting model before the first step (not when resuming): a fine-tuning
    /// run's baseline. Translation turns it off: an untrained decoder runs every validation
    /// sentence to the length cap and scores 0, minutes of decoding that tell nothing.
    public var evaluateAtStart = true
    /// Stop after this many evaluations in a row without a new best (0: never).
    public var patience = 0
    /// Keep the model with the best evaluation in `out/best` (when the task selects one).
    public var keepBest = true
    /// Checkpoint every N steps (0: only at the end).
    public var checkpointEvery = 500
    public var keepCheckpoints = 2
    public var logEvery = 10
    public var progress: ProgressReporter.Style? = nil
    /// Steps of this invocation left out of the tokens/s figure (warm-up, as the reference).
    public var untimedSteps = 3
    /// Anneal the rate to 0 over the last share of the step or minute budget.
    public var cooldown = BudgetCooldown(fraction: 0)

    public init(out: URL) { self.out = out }
}

/// The training loop, the same for every task: steps until a limit (steps, minutes,
/// epochs, patience, a signal), progress on stderr, metrics.jsonl, evaluation at intervals
/// with the best model kept, atomic checkpoints, and the final model at the top of `out`.
/// Returns the summary that ends the command's stdout. Only rank 0 writes.
public enum TrainingRun {
    public static func run<Task: TrainingTask>(_ trainer: Trainer<Task>, options: TrainingRunOptions, resumed: Bool,
                                               stepLimit defaultStepLimit: Int? = nil) throws -> [String: Any] {
        let out = options.out
        let isMain = trainer.reducer.rank == 0
        var lock: OutputLock?
        if isMain {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            lock = try OutputLock(out)
            TrainingCheckpoint.removeLeftovers(in: out)
        }
        defer { withExtendedLifetime(lock) {} }
        let metrics = isMain ? try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), resumingAt: resumed ? trainer.step : nil) : nil
        let progress = ProgressReporter(style: isMain ? options.progress : .silent, logEvery: options.logEvery)
        let stepLimit: Int? = options.maxSteps ?? (options.maxMinutes == nil && options.maxEpochs == nil ? defaultStepLimit : nil)
        let startStep = trainer.step
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let cpuStart = ProcessStats.cpuSeconds()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9 }

        var timedSeconds = 0.0, timedTokens = 0, timedSteps = 0, stepsThisRun = 0
        var last: StepReport?
        var lastEval: Evaluation?
        var lastCheckpoint = -1
        var stopReason = "max_steps"

        func evaluate() throws {
            guard let (e, improved) = try trainer.evaluate() else { return }
            lastEval = e
            // A run resumed at its last step already logged this evaluation.
            if metrics?.lastEvalStep != e.step { metrics?.append(evalRecord(e)) }
            progress.message("eval step \(e.step): " + e.metrics.keys.sorted().map { "\($0) \(format($0, e.metrics[$0]!))" }.joined(separator: " "))
            if improved && options.keepBest && isMain {
                try TrainingCheckpoint.writeBest(into: out, saveModel: trainer.task.saveModel(to:))
            }
        }

        if !resumed && options.evaluateAtStart { try evaluate() }
        while true {
            let reasons: [(String, Bool)] = [
                ("max_steps", stepLimit.map { trainer.step >= $0 } ?? false),
                ("max_minutes", options.maxMinutes.map { elapsed() >= $0 * 60 } ?? false),
                ("max_epochs", options.maxEpochs.map { trainer.task.epoch > $0 } ?? false),
                ("patience", options.patience > 0 && trainer.evaluationsWithoutImprovement >= options.patience),
                ("interrupted", StopRequest.isSet),
            ]
            // Every process must stop at the same step (the next one would wait forever for
            // the others' all-reduce): the clock and signals differ between processes, so
            // the decision is summed over them; one process alone decides locally.
            var votes = reasons.map { $0.1 ? 1.0 : 0.0 }
            if trainer.reducer.worldSize > 1 { votes = trainer.reducer.sum(votes) }
            if let stop = zip(reasons, votes).first(where: { $0.1 > 0 }) { stopReason = stop.0.0; break }
            trainer.rateScale = options.cooldown.scale(progress: BudgetCooldown.progress(
                step: trainer.step, stepLimit: stepLimit, elapsedSeconds: elapsed(), maxMinutes: options.maxMinutes))
            let r = try trainer.trainStep()
            last = r
            stepsThisRun += 1
            if stepsThisRun > options.untimedSteps || stepsThisRun == 1 && options.untimedSteps == 0 {
                timedSeconds += r.seconds
                timedTokens += r.tokens
                timedSteps += 1
            }
            let tps = timedSeconds > 0 ? Double(timedTokens) / timedSeconds : Double(r.tokens) / max(r.seconds, 1e-9)
            let perStep = elapsed() / Double(stepsThisRun)
            var remaining: Double? = stepLimit.map { Double($0 - trainer.step) * perStep }
            if let m = options.maxMinutes { remaining = min(remaining ?? .infinity, m * 60 - elapsed()) }
            progress.step(r.step, totalSteps: stepLimit, loss: r.loss, learningRate: r.learningRate, tokensPerSecond: tps,
                          elapsed: elapsed(), remainingSeconds: remaining)
            if r.step % options.logEvery == 0 || r.step == 1 {
                var record: [String: Any] = ["step": r.step, "loss": json6(Double(r.loss)), "lr": json6(Double(r.learningRate)),
                                             "tokens_per_s": (tps * 10).rounded() / 10, "tokens_seen": trainer.tokensSeen,
                                             "elapsed_s": (elapsed() * 1000).rounded() / 1000, "epoch": trainer.task.epoch]
                for (name, value) in r.terms { record[name + "_loss"] = json6(Double(value)) }
                for (name, value) in r.metrics { record[name] = json6(value) }
                if let g = r.gradientNorm { record["grad_norm"] = json6(Double(g)) }
                metrics?.append(record)
            }
            if options.evalEvery > 0 && r.step % options.evalEvery == 0 { try evaluate() }
            if isMain && options.checkpointEvery > 0 && r.step % options.checkpointEvery == 0 {
                try trainer.task.module.requireFiniteWeights(step: r.step)
                let dir = try trainer.saveCheckpoint(in: out, keep: options.keepCheckpoints)
                lastCheckpoint = r.step
                progress.message("checkpoint \(dir.path)")
            }
        }
        progress.finish()
        if lastEval?.step != trainer.step { try evaluate() }
        try trainer.task.module.requireFiniteWeights(step: trainer.step)
        if isMain {
            if lastCheckpoint != trainer.step && trainer.step > startStep || TrainingCheckpoint.latest(in: out) == nil {
                let dir = try trainer.saveCheckpoint(in: out, keep: options.keepCheckpoints)
                progress.message("checkpoint \(dir.path)")
            }
            try trainer.task.saveModel(to: out)
        }

        var summary: [String: Any] = [:]
        summary["steps"] = trainer.step
        summary["steps_this_run"] = stepsThisRun
        summary["epoch"] = trainer.task.epoch
        summary["tokens_seen"] = trainer.tokensSeen
        summary["tokens_per_s"] = timedSeconds > 0 ? (Double(timedTokens) / timedSeconds * 10).rounded() / 10 : NSNull()
        summary["timed_steps"] = timedSteps
        summary["timed_seconds"] = (timedSeconds * 1000).rounded() / 1000
        summary["final_train_loss"] = last.map { json6(Double($0.loss)) } ?? NSNull()
        summary["final_train_loss_mean10"] = trainer.recentLosses.isEmpty ? NSNull()
            : json6(Double(trainer.recentLosses.reduce(0, +) / Float(trainer.recentLosses.count)))
        if let lastEval { for (k, v) in lastEval.metrics { summary["eval_" + k] = json6(v) } }
        if let best = trainer.best {
            summary["best_" + best.metric] = json6(best.value)
            summary["best_step"] = best.step
        }
        summary["peak_rss_mib"] = (ProcessStats.peakRSSMiB() * 10).rounded() / 10
        summary["wall_seconds"] = (elapsed() * 1000).rounded() / 1000
        summary["cpu_seconds_per_wall_second"] = ((ProcessStats.cpuSeconds() - cpuStart) / max(elapsed(), 1e-9) * 1000).rounded() / 1000
        summary["stopped_by"] = stopReason
        summary["resumed_from_step"] = resumed ? startStep : NSNull()
        summary["out"] = out.path
        summary["params"] = trainer.task.module.parameterCount
        summary["threads"] = Engine.threads
        summary["processes"] = trainer.reducer.worldSize
        return summary
    }

    static func evalRecord(_ e: Evaluation) -> [String: Any] {
        var record: [String: Any] = ["step": e.step]
        for (k, v) in e.metrics { record["eval_" + k] = json6(v) }
        return record
    }

    /// A figure for JSON: 6 significant digits, null when not finite.
    static func json6(_ x: Double) -> Any { round6(x) ?? NSNull() }

    static func format(_ key: String, _ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.4f", value)
    }
}
