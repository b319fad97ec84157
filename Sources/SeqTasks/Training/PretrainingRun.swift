import Dispatch
import Foundation
import SeqModels
import SeqTensor
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// When and how long to train, and what to write: the part of a run that may change when
/// it is resumed.
public struct PretrainingRunOptions: Sendable {
    public var out: URL
    /// Train until this many optimizer steps in all (resumed steps included).
    public var maxSteps: Int?
    /// Stop after this many minutes of this invocation.
    public var maxMinutes: Double?
    /// Held-out evaluation every N steps (0: only at the end).
    public var evalEvery = 200
    /// Checkpoint every N steps (0: only at the end).
    public var checkpointEvery = 500
    public var keepCheckpoints = 2
    public var logEvery = 10
    public var progress: ProgressReporter.Style? = nil
    /// Steps of this invocation left out of the tokens/s figure (warm-up, as the reference).
    public var untimedSteps = 3

    public init(out: URL) { self.out = out }
}

/// SIGINT/SIGTERM ask the loop to stop after the current step, checkpoint and report.
public enum StopRequest {
    static let flag = Atomic<Bool>(false)
    public static var isSet: Bool { flag.load(ordering: .relaxed) }

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in StopRequest.flag.store(true, ordering: .relaxed) }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}

/// The training loop of `seq pretrain`: steps with limits, progress, metrics, held-out
/// evaluation and checkpoints; returns the summary that ends the command's stdout.
public enum PretrainingRun {
    public static func run(_ trainer: Pretrainer, options: PretrainingRunOptions, resumed: Bool,
                           extraSummary: [String: Any] = [:]) throws -> [String: Any] {
        let out = options.out
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        PretrainingCheckpoint.removeLeftovers(in: out)
        let isMain = trainer.reducer.rank == 0
        let metrics = isMain ? try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), resumingAt: resumed ? trainer.step : nil) : nil
        let progress = ProgressReporter(style: isMain ? options.progress : .silent, logEvery: options.logEvery)
        let settings = trainer.settings
        let stepLimit: Int? = options.maxSteps ?? (options.maxMinutes == nil ? settings.totalSteps : nil)
        let startStep = trainer.step
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let cpuStart = cpuSeconds()
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9 }

        var timedSeconds = 0.0, timedTokens = 0, timedSteps = 0, stepsThisRun = 0
        var last: StepReport?
        var lastEval: EvalReport?
        var lastCheckpoint = -1
        var stopReason = "max_steps"
        if !resumed, let e = trainer.evaluate() {
            lastEval = e
            metrics?.append(evalRecord(e))
            progress.message(String(format: "eval step %d: loss %.4f accuracy %.4f perplexity %.1f", e.step, e.loss, e.accuracy, e.perplexity))
        }
        while true {
            if let stepLimit, trainer.step >= stepLimit { stopReason = "max_steps"; break }
            if let m = options.maxMinutes, elapsed() >= m * 60 { stopReason = "max_minutes"; break }
            if StopRequest.isSet { stopReason = "interrupted"; break }
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
                var record: [String: Any] = ["step": r.step, "loss": round6(r.loss), "mlm_loss": round6(r.mlmLoss),
                                             "lr": round6(r.learningRate), "tokens_per_s": (tps * 10).rounded() / 10,
                                             "tokens_seen": trainer.tokensSeen, "elapsed_s": (elapsed() * 1000).rounded() / 1000,
                                             "mlm_accuracy": round6(Float(r.correct) / Float(max(1, r.predicted)))]
                if let n = r.nspLoss { record["nsp_loss"] = round6(n) }
                if let g = r.gradientNorm { record["grad_norm"] = round6(g) }
                metrics?.append(record)
            }
            if options.evalEvery > 0 && r.step % options.evalEvery == 0, let e = trainer.evaluate() {
                lastEval = e
                metrics?.append(evalRecord(e))
                progress.message(String(format: "eval step %d: loss %.4f accuracy %.4f perplexity %.1f", e.step, e.loss, e.accuracy, e.perplexity))
            }
            if isMain && options.checkpointEvery > 0 && r.step % options.checkpointEvery == 0 {
                let dir = try trainer.saveCheckpoint(in: out, keep: options.keepCheckpoints)
                lastCheckpoint = r.step
                progress.message("checkpoint \(dir.path)")
            }
        }
        progress.finish()
        if lastEval?.step != trainer.step, let e = trainer.evaluate() {
            lastEval = e
            // A run resumed at its last step already logged this evaluation.
            if metrics?.lastEvalStep != e.step { metrics?.append(evalRecord(e)) }
            progress.message(String(format: "eval step %d: loss %.4f accuracy %.4f perplexity %.1f", e.step, e.loss, e.accuracy, e.perplexity))
        }
        if isMain {
            if lastCheckpoint != trainer.step && trainer.step > startStep || PretrainingCheckpoint.latest(in: out) == nil {
                let dir = try trainer.saveCheckpoint(in: out, keep: options.keepCheckpoints)
                progress.message("checkpoint \(dir.path)")
            }
            try trainer.saveModel(to: out)
        }

        var summary: [String: Any] = extraSummary
        summary["steps"] = trainer.step
        summary["steps_this_run"] = stepsThisRun
        summary["tokens_seen"] = trainer.tokensSeen
        summary["tokens_per_s"] = timedSeconds > 0 ? (Double(timedTokens) / timedSeconds * 10).rounded() / 10 : NSNull()
        summary["timed_steps"] = timedSteps
        summary["timed_seconds"] = (timedSeconds * 1000).rounded() / 1000
        summary["final_train_loss"] = last.map { round6($0.loss) } ?? NSNull()
        summary["final_train_loss_mean10"] = trainer.recentLosses.isEmpty ? NSNull()
            : round6(trainer.recentLosses.reduce(0, +) / Float(trainer.recentLosses.count))
        summary["eval_loss"] = lastEval.map { round6($0.loss) } ?? NSNull()
        summary["eval_accuracy"] = lastEval.map { round6($0.accuracy) } ?? NSNull()
        summary["eval_perplexity"] = lastEval.map { round6($0.perplexity) } ?? NSNull()
        summary["eval_masked_tokens"] = lastEval?.maskedTokens ?? 0
        summary["peak_rss_mib"] = (peakRSSMiB() * 10).rounded() / 10
        summary["wall_seconds"] = (elapsed() * 1000).rounded() / 1000
        summary["cpu_seconds_per_wall_second"] = ((cpuSeconds() - cpuStart) / max(elapsed(), 1e-9) * 1000).rounded() / 1000
        summary["stopped_by"] = stopReason
        summary["resumed_from_step"] = resumed ? startStep : NSNull()
        summary["out"] = out.path
        summary["params"] = trainer.model.parameterCount
        summary["threads"] = Engine.threads
        return summary
    }

    static func evalRecord(_ e: EvalReport) -> [String: Any] {
        ["step": e.step, "eval_loss": round6(e.loss), "eval_accuracy": round6(e.accuracy), "eval_perplexity": round6(e.perplexity),
         "eval_masked_tokens": e.maskedTokens]
    }

    /// Float → the Double with 6 significant digits (short JSON).
    public static func round6(_ x: Float) -> Any {
        guard x.isFinite else { return NSNull() }
        return Double(String(format: "%.6g", Double(x))) ?? Double(x)
    }

    /// User + system CPU seconds of this process so far.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Peak resident set of this process: VmHWM from /proc/self/status on Linux (getrusage's
    /// ru_maxrss keeps the parent's peak across fork and exec, so a small process started by
    /// a big one would report the parent's figure), else ru_maxrss.
    public static func peakRSSMiB() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = Double(line.split(separator: " ").dropFirst().first ?? "") {
            return kib / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
