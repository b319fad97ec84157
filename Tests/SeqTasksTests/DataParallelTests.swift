import Foundation
import Testing
import SeqModels
import SeqNN
@testable import SeqTasks
import SeqTensor
import SeqText

/// Processes simulated by threads of one process: each rank deposits its buffer, waits
/// for all, and every rank adds the deposits in rank order, so all ranks get the same sums
/// (what an MPI all-reduce gives, without MPI).
final class InProcessReducer: GradientReducer, @unchecked Sendable {
    final class Exchange: @unchecked Sendable {
        let worldSize: Int
        let condition = NSCondition()
        var slots: [[Double]]
        var arrived = 0
        var generation = 0
        init(worldSize: Int) {
            self.worldSize = worldSize
            slots = Array(repeating: [], count: worldSize)
        }

        /// Element-wise sum over ranks of `values`, in rank order.
        func allReduce(_ values: [Double], rank: Int) -> [Double] {
            condition.lock()
            slots[rank] = values
            condition.unlock()
            barrier()
            var sum = [Double](repeating: 0, count: values.count)
            for r in 0..<worldSize { for i in 0..<values.count { sum[i] += slots[r][i] } }
            barrier()   // everyone has read the slots before the next call overwrites them
            return sum
        }

        func barrier() {
            condition.lock()
            defer { condition.unlock() }
            let mine = generation
            arrived += 1
            if arrived == worldSize {
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
        }
    }

    let exchange: Exchange
    let rank: Int
    var worldSize: Int { exchange.worldSize }

    init(_ exchange: Exchange, rank: Int) {
        self.exchange = exchange
        self.rank = rank
    }

    func sumGradients(_ parameters: [Parameter]) {
        var flat: [Double] = []
        for p in parameters { p.withGradientBuffer { flat.append(contentsOf: $0.map(Double.init)) } }
        let summed = exchange.allReduce(flat, rank: rank)
        var k = 0
        for p in parameters {
            p.withGradientBuffer { g in for i in 0..<g.count { g[i] = Float(summed[k + i]) }; k += g.count }
        }
    }

    func sum(_ values: [Double]) -> [Double] { exchange.allReduce(values, rank: rank) }
}

struct DataParallelTests {
    /// 2 processes × 2 rows give the same run as 1 process × 4 rows: the same rows, masks,
    /// NSP pairs and dropout for each global row, losses normalised by global counts, the
    /// gradients summed. After 6 steps the weights agree within float tolerance (the sum of
    /// two half-batch gradients is added in another order than the full batch's).
    @Test(arguments: [false, true]) func twoProcessesComputeTheSameRunAsOne(nsp: Bool) throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tok = try Tokenizer.load(path: Fixture.bundledVocab)
        let path = Fixture.file(Fixture.bundledLines(60), in: dir)
        var settings = Fixture.settings(vocabSize: tok.vocabularySize)
        settings.nextSentencePrediction = nsp
        let single = try Fixture.pretrainer(settings, tokenizer: tok, corpusPath: path)
        var singleLosses: [Float] = []
        for _ in 0..<6 { singleLosses.append(try single.trainStep().loss) }

        var half = settings
        half.batchSize = settings.batchSize / 2
        let exchange = InProcessReducer.Exchange(worldSize: 2)
        // Each trainer is driven by one thread only.
        nonisolated(unsafe) let ranks = try (0..<2).map { try Fixture.pretrainer(half, tokenizer: tok, corpusPath: path, reducer: InProcessReducer(exchange, rank: $0)) }
        let results = RankResults()
        // One dedicated thread per rank: the ranks wait for each other in the exchange, and
        // concurrentPerform on a one-CPU machine (or under taskset) may run both iterations
        // on one thread, where the first waits forever for the second.
        let done = DispatchSemaphore(value: 0)
        for r in 0..<2 {
            Thread {
                do {
                    var losses: [Float] = []
                    for _ in 0..<6 { losses.append(try ranks[r].trainStep().loss) }
                    results.set(r, losses)
                } catch {
                    results.fail("\(error)")
                }
                done.signal()
            }.start()
        }
        for _ in 0..<2 { done.wait() }
        #expect(results.failure == nil)
        for r in 0..<2 {
            let losses = results.losses[r] ?? []
            #expect(zip(losses, singleLosses).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "rank \(r): \(losses) vs \(singleLosses)")
        }
        let a = PretrainingTaskTests.weights(ranks[0]), b = PretrainingTaskTests.weights(ranks[1]), s = PretrainingTaskTests.weights(single)
        #expect(a == b, "the ranks' weights differ")
        let worst = s.keys.map { k in zip(a[k]!, s[k]!).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } }.max() ?? 0
        #expect(worst <= 2e-5, "largest weight difference between 2×2 and 1×4 rows: \(worst)")
        #expect(ranks[0].tokensSeen == single.tokensSeen && ranks[0].task.rowsServed == single.task.rowsServed)
        // A checkpoint of 2 processes is not resumed by 1.
        let ckpt = try ranks[0].saveCheckpoint(in: dir.appendingPathComponent("run"))
        #expect(throws: CheckpointError.self) { _ = try Fixture.resume(ckpt) }
    }

    /// Each global row gets its masks from its own key: the rows a process keeps of a
    /// global batch are masked exactly as in the whole batch.
    @Test func masksAreKeyedByGlobalRow() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tok = try Tokenizer.load(path: Fixture.bundledVocab)
        let path = Fixture.file(Fixture.bundledLines(60), in: dir)
        let settings = Fixture.settings(vocabSize: tok.vocabularySize)
        let whole = try PretrainingTask(settings: settings, tokenizer: tok, corpusPath: path)
        var half = settings
        half.batchSize = 2
        let second = try PretrainingTask(settings: half, tokenizer: tok, corpusPath: path, parallel: DataParallel(rank: 1, worldSize: 2))
        for _ in 0..<3 {
            let w = try whole.nextBatch(), h = try second.nextBatch()
            let T = w.masked.input.length
            #expect(h.rowOffset == 2 && h.globalRows == 4)
            #expect(Array(w.masked.input.ids[(2 * T)...]) == h.masked.input.ids)
            let shifted = w.masked.maskedPositions.filter { $0 >= 2 * T }.map { $0 - Int32(2 * T) }
            #expect(shifted == h.masked.maskedPositions)
        }
    }
}

final class RankResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var losses: [Int: [Float]] = [:]
    private(set) var failure: String?
    func set(_ rank: Int, _ l: [Float]) { lock.lock(); losses[rank] = l; lock.unlock() }
    func fail(_ message: String) { lock.lock(); failure = message; lock.unlock() }
}
