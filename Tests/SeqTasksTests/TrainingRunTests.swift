import Foundation
import Testing
@testable import SeqTasks

/// The run loop's evaluations: a fresh run evaluates its starting model first unless told
/// not to (translation), and always evaluates the model it ends with.
struct TrainingRunTests {
    /// The steps of the evaluation records in metrics.jsonl after 4 steps with evaluation
    /// every 2.
    static func evaluatedSteps(atStart: Bool) throws -> [Int] {
        let dir = TranslationTaskTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(task: try TranslationTaskTests.task(dir, validation: true), taskName: TranslationTask.name,
                                  settings: TranslationTaskTests.trainerSettings())
        var options = TrainingRunOptions(out: dir.appendingPathComponent("run"))
        options.maxSteps = 4
        options.evalEvery = 2
        options.checkpointEvery = 0
        options.evaluateAtStart = atStart
        _ = try TrainingRun.run(trainer, options: options, resumed: false)
        return try records(in: options.out).filter { $0["eval_bleu"] != nil }.compactMap { $0["step"] as? Int }
    }

    /// The records a run in `out` logged to metrics.jsonl, in order.
    static func records(in out: URL) throws -> [[String: Any]] {
        try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func startingModelIsEvaluatedOnlyWhenAsked() throws {
        #expect(try Self.evaluatedSteps(atStart: true) == [0, 2, 4])
        #expect(try Self.evaluatedSteps(atStart: false) == [2, 4])
    }
}
