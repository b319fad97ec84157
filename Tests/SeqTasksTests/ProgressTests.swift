import Foundation
import Synchronization
import Testing
@testable import SeqTasks

struct ProgressTests {
    /// Collects the reporter's output (it may call from any thread).
    final class Sink: Sendable {
        private let collected = Mutex("")
        var text: String { collected.withLock { $0 } }
        func append(_ s: String) { collected.withLock { $0 += s } }
    }

    @Test func plainLinesEveryNSteps() {
        let sink = Sink()
        let p = ProgressReporter(style: .lines, logEvery: 2) { sink.append($0) }
        for s in 1...5 {
            p.step(s, totalSteps: 5, loss: 2.5, learningRate: 1e-4, tokensPerSecond: 1234.4, elapsed: Double(s), remainingSeconds: Double(5 - s))
        }
        p.message("eval step 5: loss 1.0")
        #expect(sink.text == """
            step 1/5 loss 2.5000 lr 1.00e-04 tokens/s 1234 elapsed 0:01 eta 0:04
            step 2/5 loss 2.5000 lr 1.00e-04 tokens/s 1234 elapsed 0:02 eta 0:03
            step 4/5 loss 2.5000 lr 1.00e-04 tokens/s 1234 elapsed 0:04 eta 0:01
            step 5/5 loss 2.5000 lr 1.00e-04 tokens/s 1234 elapsed 0:05 eta 0:00
            eval step 5: loss 1.0

            """)
    }

    @Test func barRedrawsInPlace() {
        let sink = Sink()
        let p = ProgressReporter(style: .bar) { sink.append($0) }
        p.step(5, totalSteps: 10, loss: 3, learningRate: 0, tokensPerSecond: 100, elapsed: 65, remainingSeconds: 3725)
        p.message("checkpoint x")
        p.finish()
        #expect(sink.text == "\r\u{1B}[K[############............] step 5/10  loss 3.000  100 tok/s  1:05 eta 1:02:05\r\u{1B}[Kcheckpoint x\n")
    }

    /// A resumed run drops the records after its checkpoint (and a line cut by a kill).
    @Test func metricsLogResumesAtTheCheckpoint() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("metrics.jsonl")
        do {
            let log = try MetricsLog(url: url)
            for s in 1...5 { log.append(["step": s, "loss": 1.5]) }
        }
        var data = try Data(contentsOf: url)
        data += Data("{\"step\": 6, \"lo".utf8)
        try data.write(to: url)
        let resumed = try MetricsLog(url: url, resumingAt: 3)
        resumed.append(["step": 4, "loss": 0.5])
        let steps = MetricsLog.records(in: try Data(contentsOf: url)).map { $0["step"] as! Int }
        #expect(steps == [1, 2, 3, 4])
        #expect(String(decoding: try Data(contentsOf: url), as: UTF8.self).hasPrefix("{\"loss\":1.5,\"step\":1}\n"))
    }
}
