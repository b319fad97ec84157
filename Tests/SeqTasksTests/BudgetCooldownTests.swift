import Foundation
import Testing
import SeqNN
@testable import SeqTasks

/// The budget cool-down: hand-computed multipliers, the budget's progress from steps and
/// the clock, and a real run whose logged rates follow the schedule × the cool-down and
/// end at the schedule's rate ÷ the cool-down's length.
struct BudgetCooldownTests {
    @Test func multiplierIsOneThenFallsLinearlyToZero() {
        let c = BudgetCooldown(fraction: 0.2)
        #expect(c.scale(progress: 0) == 1)
        #expect(c.scale(progress: 0.8) == 1)
        #expect(abs(c.scale(progress: 0.85) - 0.75) < 1e-6)
        #expect(abs(c.scale(progress: 0.9) - 0.5) < 1e-6)
        #expect(c.scale(progress: 1) == 0)
        #expect(c.scale(progress: nil) == 1)
        #expect(BudgetCooldown(fraction: 0).scale(progress: 0.99) == 1)
        #expect(abs(BudgetCooldown(fraction: 1).scale(progress: 0.25) - 0.75) < 1e-6)
        #expect(BudgetCooldown(fraction: 1.5).problem() != nil)
        #expect(BudgetCooldown(fraction: -0.1).problem() != nil)
        #expect(BudgetCooldown(fraction: 0.2).problem() == nil)
    }

    @Test func progressIsTheFirstLimitToRunOut() {
        #expect(BudgetCooldown.progress(step: 5, stepLimit: 10, elapsedSeconds: 0, maxMinutes: nil) == 0.5)
        #expect(BudgetCooldown.progress(step: 5, stepLimit: 10, elapsedSeconds: 45, maxMinutes: 1) == 0.75)
        #expect(BudgetCooldown.progress(step: 9, stepLimit: 10, elapsedSeconds: 45, maxMinutes: 1) == 0.9)
        #expect(BudgetCooldown.progress(step: 3, stepLimit: nil, elapsedSeconds: 90, maxMinutes: 1) == 1)
        #expect(BudgetCooldown.progress(step: 3, stepLimit: nil, elapsedSeconds: 90, maxMinutes: nil) == nil)
    }

    /// 10 steps with a budget of 10 and a cool-down of half: steps 1–5 at the schedule's
    /// rate, then ×(1 − p)/0.5 with p = 5/10 … 9/10 before each update.
    @Test func runLoopAnnealsTheLastShareOfTheSteps() throws {
        let dir = TranslationTaskTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let settings = TranslationTaskTests.trainerSettings()
        let trainer = try Trainer(task: try TranslationTaskTests.task(dir, times: 2), taskName: TranslationTask.name, settings: settings)
        var options = TrainingRunOptions(out: dir.appendingPathComponent("run"))
        options.maxSteps = 10
        options.evalEvery = 0
        options.checkpointEvery = 0
        options.logEvery = 1
        options.cooldown = BudgetCooldown(fraction: 0.5)
        _ = try TrainingRun.run(trainer, options: options, resumed: false)
        let rates = try TrainingRunTests.records(in: options.out).compactMap { l -> (Int, Double)? in
            guard let s = l["step"] as? Int, let r = l["lr"] as? Double else { return nil }
            return (s, r)
        }
        #expect(rates.count == 10)
        for (step, rate) in rates {
            let scheduled = Double(settings.learningRateSchedule.learningRate(atStep: step - 1))
            let p = Double(step - 1) / 10
            let expected = p <= 0.5 ? scheduled : scheduled * (1 - p) / 0.5
            #expect(abs(rate - expected) <= 1e-5 * max(scheduled, 1e-9), "step \(step): \(rate) vs \(expected)")
        }
        #expect(rates.last!.1 < Double(settings.learningRateSchedule.learningRate(atStep: 9)) * 0.25)
    }
}
