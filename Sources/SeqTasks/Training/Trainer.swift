import Dispatch
import Foundation
import SeqModels
import SeqNN
import SeqTensor

/// The figures of one optimizer step, totalled over its micro-batches and every process.
public struct StepReport: Sendable {
    public var step: Int
    /// Σ of the loss terms, each its sum over the step divided by its global count.
    public var loss: Float
    /// Each loss term by name ("mlm", "nsp", …).
    public var terms: [String: Float]
    /// The task's training metrics ("mlm_accuracy", …).
    public var metrics: [String: Double]
    public var learningRate: Float
    /// Gradient norm before clipping (nil with clipping off).
    public var gradientNorm: Float?
    /// Seconds of the timed region: forward, loss, backward, reduction, clipping, optimizer
    /// and schedule (reading and preparing the data excluded).
    public var seconds: Double
    /// Tokens processed by all processes in this step.
    public var tokens: Int
}

public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The optimizer step, the same for every task: fetch the step's micro-batches, total their
/// loss normalisers over all processes, forward and backward each (gradients accumulate),
/// sum gradients over processes at the one reducer seam, clip, set the scheduled rate, step
/// AdamW. Also the trainer's part of checkpoints and resume.
///
/// Random streams: the task's (masking, pairing, sampling: keyed by global row) and the
/// dropout stream here, whose counter advances by global counts (see `RowSlice`), so one
/// process and N processes draw the same dropout for the same global row.
public final class Trainer<Task: TrainingTask> {
    public let task: Task
    /// The task's kind, saved in checkpoints ("pretrain", …): resume refuses another.
    public let taskName: String
    public let settings: TrainerSettings
    public let reducer: GradientReducer
    public let optimizer: GroupedAdamW
    public let context: ForwardContext
    let parameters: [Parameter]
    public private(set) var step: Int
    public private(set) var tokensSeen: Int
    public private(set) var recentLosses: [Float]
    public var best: BestEvaluation?
    public var evaluationsWithoutImprovement: Int
    /// A factor on the scheduled rate that the run loop sets each step (a budget's
    /// cool-down); not saved: `--resume` with the same options recomputes it.
    public var rateScale: Float = 1

    static var dropoutSalt: UInt64 { 0x6472_6F70_0000_0002 }

    /// A fresh run of `task`, whose model is initialised already.
    public convenience init(task: Task, taskName: String, settings: TrainerSettings,
                            reducer: GradientReducer = SingleProcessReducer()) throws {
        if let problem = settings.problem() { throw TrainingError(problem) }
        try self.init(task: task, taskName: taskName, settings: settings, reducer: reducer, step: 0, tokensSeen: 0,
                      dropout: RandomGenerator(seed: settings.seed ^ Self.dropoutSalt), recentLosses: [], best: nil,
                      evaluationsWithoutImprovement: 0)
    }

    init(task: Task, taskName: String, settings: TrainerSettings, reducer: GradientReducer, step: Int, tokensSeen: Int,
         dropout: RandomGenerator, recentLosses: [Float], best: BestEvaluation?, evaluationsWithoutImprovement: Int) throws {
        self.task = task
        self.taskName = taskName
        self.settings = settings
        self.reducer = reducer
        self.step = step
        self.tokensSeen = tokensSeen
        self.recentLosses = recentLosses
        self.best = best
        self.evaluationsWithoutImprovement = evaluationsWithoutImprovement
        context = ForwardContext(training: true, generator: dropout)
        optimizer = GroupedAdamW(task.module.namedParameters, learningRate: settings.learningRate,
                                 betas: (settings.beta1, settings.beta2), eps: settings.adamEpsilon,
                                 weightDecay: settings.weightDecay)
        parameters = task.module.parameters
    }

    /// Continues a run from a checkpoint: `makeTask` rebuilds the task from its saved JSON
    /// state and the checkpoint directory (where its model directory is); the weights are
    /// verified against the checksum, the optimizer moments and every stream restored.
    public static func resume(from checkpoint: URL, taskName: String, reducer: GradientReducer = SingleProcessReducer(),
                              makeTask: (_ state: Task.State, _ directory: URL) throws -> Task) throws -> Trainer {
        let contents = try TrainingCheckpoint.read(checkpoint)
        let state = contents.trainer
        let stateFile = checkpoint.appendingPathComponent(TrainingCheckpoint.stateFileName).path
        guard state.task == taskName else {
            throw CheckpointError("\(stateFile): the checkpoint was written by '\(state.task)' training, not '\(taskName)'")
        }
        guard state.worldSize == reducer.worldSize else {
            throw CheckpointError("\(stateFile): the run was trained by \(state.worldSize) process(es) and cannot be resumed by \(reducer.worldSize): the batches would change; resume with \(state.worldSize)")
        }
        let taskState: Task.State
        do { taskState = try JSONDecoder().decode(Task.State.self, from: contents.task) } catch {
            throw CheckpointError("\(stateFile): the task state is not readable (\(error))")
        }
        let task = try makeTask(taskState, checkpoint)
        try contents.verifyModel(task.module)
        let trainer = try Trainer(task: task, taskName: taskName, settings: state.settings, reducer: reducer, step: state.step,
                                  tokensSeen: state.tokensSeen, dropout: try state.dropoutGenerator.generator(),
                                  recentLosses: state.recentLosses, best: state.best,
                                  evaluationsWithoutImprovement: state.evaluationsWithoutImprovement)
        do {
            try trainer.optimizer.load(tensors: contents.optimizerTensors, stepCounts: state.optimizerStepCounts)
        } catch {
            throw CheckpointError("\(stateFile): \(error)")
        }
        return trainer
    }

    /// One optimizer step over `accumulationSteps` micro-batches.
    public func trainStep() throws -> StepReport {
        var batches: [Task.Batch] = []
        for _ in 0..<settings.accumulationSteps { batches.append(try task.nextBatch()) }
        let started = DispatchTime.now().uptimeNanoseconds
        for p in parameters { p.zeroGrad() }
        var local: [String: Double] = [:]
        for b in batches { local.merge(task.normalizers(of: b), uniquingKeysWith: +) }
        let totals = reducer.sum(local)
        var sums: [String: Double] = [:]
        var normalizerOf: [String: String] = [:]
        var tokens = 0
        for (i, b) in batches.enumerated() {
            let out = task.loss(b, totals: totals, context: context)
            out.loss.backward(observer: i == batches.count - 1 ? reducer.overlappingObserver(for: parameters) : nil)
            for t in out.terms {
                sums["term." + t.name, default: 0] += t.sum
                normalizerOf[t.name] = t.normalizer
            }
            for (k, v) in out.counts { sums["count." + k, default: 0] += v }
            tokens += out.tokens
        }
        sums["tokens"] = Double(tokens)
        reducer.sumGradients(parameters)
        let norm: Float? = settings.clipNorm > 0 ? clipGradNorm(parameters, maxNorm: settings.clipNorm) : nil
        let rate = settings.learningRateSchedule.learningRate(atStep: step) * rateScale
        optimizer.learningRate = rate
        optimizer.step()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let global = reducer.sum(sums)
        var terms: [String: Float] = [:]
        var loss = 0.0
        for (name, key) in normalizerOf {
            let count = totals[key] ?? 0
            let value = count > 0 ? (global["term." + name] ?? 0) / count : 0
            terms[name] = Float(value)
            loss += value
        }
        let stepLoss = Float(loss)
        guard stepLoss.isFinite else {
            throw TrainingError("the loss became \(stepLoss) at step \(step + 1); lower the learning rate (--lr) or keep clipping on")
        }
        var counts = totals
        for (k, v) in global where k.hasPrefix("count.") { counts[String(k.dropFirst(6))] = v }
        step += 1
        let globalTokens = Int(global["tokens"] ?? 0)
        tokensSeen += globalTokens
        recentLosses.append(stepLoss)
        if recentLosses.count > 10 { recentLosses.removeFirst(recentLosses.count - 10) }
        return StepReport(step: step, loss: stepLoss, terms: terms, metrics: task.trainingMetrics(counts), learningRate: rate,
                          gradientNorm: norm, seconds: seconds, tokens: globalTokens)
    }

    /// Evaluates, and keeps track of the best result under the task's selection metric.
    /// Returns the evaluation and whether it is a new best.
    public func evaluate() throws -> (evaluation: Evaluation, improved: Bool)? {
        guard let e = try task.evaluate(step: step, reducer: reducer) else { return nil }
        if let metric = task.selection?.metric, let v = e.metrics[metric], !v.isFinite {
            throw TrainingError("the held-out \(metric) became \(v) at step \(step): the model diverged; lower the learning rate (--lr)")
        }
        guard let selection = task.selection, let value = e.metrics[selection.metric] else { return (e, false) }
        if selection.isImprovement(value, over: best?.value) {
            best = BestEvaluation(metric: selection.metric, value: value, step: step)
            evaluationsWithoutImprovement = 0
            return (e, true)
        }
        evaluationsWithoutImprovement += 1
        return (e, false)
    }

    /// The trainer's state to save with the weights (checksums are filled in when written).
    public func state() -> TrainerState {
        TrainerState(task: taskName, step: step, tokensSeen: tokensSeen, settings: settings,
                     dropoutGenerator: GeneratorState(context.generator), worldSize: reducer.worldSize,
                     recentLosses: recentLosses, best: best, evaluationsWithoutImprovement: evaluationsWithoutImprovement,
                     optimizerStepCounts: [:], modelChecksum: tensorChecksum(task.module.checkpointTensors),
                     optimizerChecksum: "")
    }

    /// Writes `out/checkpoint-<step>` and keeps the newest `keep`.
    @discardableResult
    public func saveCheckpoint(in out: URL, keep: Int = 2) throws -> URL {
        let taskState = try JSONEncoder.sorted.encode(task.state())
        return try TrainingCheckpoint.write(into: out, trainerState: state(), taskState: taskState, optimizer: optimizer,
                                            keep: keep, saveModel: task.saveModel(to:))
    }
}
