import CMPI
import Dispatch
import SeqNN
import SeqTensor

/// Sums gradients over the processes while the backward pass is still running: buckets are
/// laid out once in reverse parameter order (roughly the order in which backward finishes
/// them) and each is started with a non-blocking all-reduce as soon as all of its
/// parameters are final. Buckets start strictly in index order, on every process the same,
/// as MPI requires of collectives; a parameter this process never reached joins at the end
/// with a zero gradient. The sums equal the blocking reducer's: same buckets, same
/// element-wise additions.
final class OverlappedReduction: BackwardObserver {
    private struct Bucket {
        var members: [Int]
        var count: Int
        /// One parameter at least a whole bucket large, summed in its own gradient buffer.
        var inPlace: Bool
        var buffer: UnsafeMutablePointer<Float>?
    }

    private let parameters: [Parameter]
    private var buckets: [Bucket]
    private var bucketOf: [Int]
    private var offsetOf: [Int]
    private var slotOf: [ObjectIdentifier: Int] = [:]
    private var final: [Bool]
    private var ready: [Int]
    private var requests: [UnsafeMutableRawPointer?]
    private var started = 0
    private var completed = 0
    /// Seconds of this pass spent on the reduction outside of compute: copies, starts,
    /// tests and the final wait.
    private(set) var seconds = 0.0

    init(parameters: [Parameter], bucketFloats: Int) {
        var plan: [Bucket] = []
        var bucketOf = [Int](repeating: 0, count: parameters.count)
        var offsetOf = [Int](repeating: 0, count: parameters.count)
        var open: Bucket? = nil
        for i in parameters.indices.reversed() {
            let n = parameters[i].count
            if n >= bucketFloats {
                if let b = open { plan.append(b); open = nil }
                bucketOf[i] = plan.count
                plan.append(Bucket(members: [i], count: n, inPlace: true, buffer: nil))
                continue
            }
            if let b = open, b.count + n > bucketFloats { plan.append(b); open = nil }
            if open == nil { open = Bucket(members: [], count: 0, inPlace: false, buffer: nil) }
            bucketOf[i] = plan.count
            offsetOf[i] = open!.count
            open!.members.append(i)
            open!.count += n
        }
        if let b = open { plan.append(b) }
        for b in plan.indices where !plan[b].inPlace {
            plan[b].buffer = UnsafeMutablePointer<Float>.allocate(capacity: plan[b].count)
        }
        self.parameters = parameters
        self.buckets = plan
        self.bucketOf = bucketOf
        self.offsetOf = offsetOf
        final = [Bool](repeating: false, count: parameters.count)
        ready = [Int](repeating: 0, count: plan.count)
        requests = [UnsafeMutableRawPointer?](repeating: nil, count: plan.count)
    }

    deinit {
        for b in buckets { b.buffer?.deallocate() }
    }

    /// Whether this plan was made for exactly these parameters (same objects, same order).
    func fits(_ parameters: [Parameter]) -> Bool {
        parameters.count == self.parameters.count && zip(parameters, self.parameters).allSatisfy { $0 === $1 }
    }

    /// Readies the plan for one backward pass (the leaves change when a checkpoint is loaded).
    func begin() {
        slotOf = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1.leafIdentity, $0) })
        for i in final.indices { final[i] = false }
        for b in ready.indices { ready[b] = 0 }
        started = 0
        completed = 0
        seconds = 0
    }

    func leafFinished(_ leaf: ObjectIdentifier) {
        guard let i = slotOf[leaf] else { return }
        timed { markFinal(i); startReadyBuckets() }
    }

    func nodeFinished() {
        guard completed < started else { return }
        timed {
            var done: Int32 = 0
            check(seq_mpi_test(&requests[completed], &done))
            if done != 0 { completed += 1 }
        }
    }

    /// After the pass: starts what is left (parameters not reached count as zeros), waits
    /// for every sum and copies the bucket sums back into the gradients.
    func finish() {
        timed {
            for i in parameters.indices where !final[i] { markFinal(i) }
            startReadyBuckets()
            while completed < started {
                check(seq_mpi_wait(&requests[completed]))
                completed += 1
            }
            for b in buckets where !b.inPlace {
                for i in b.members {
                    parameters[i].withGradientBuffer { g in g.baseAddress!.update(from: b.buffer! + offsetOf[i], count: g.count) }
                }
            }
        }
    }

    private func markFinal(_ i: Int) {
        guard !final[i] else { return }
        final[i] = true
        let b = bucketOf[i]
        if !buckets[b].inPlace {
            let target = buckets[b].buffer! + offsetOf[i]
            parameters[i].withGradientBuffer { g in target.update(from: g.baseAddress!, count: g.count) }
        }
        ready[b] += 1
    }

    private func startReadyBuckets() {
        while started < buckets.count, ready[started] == buckets[started].members.count {
            let b = buckets[started]
            // An in-place sum writes the gradient buffer itself, which stays alive and
            // untouched until the optimizer runs, after `finish`.
            let pointer = b.inPlace ? parameters[b.members[0]].withGradientBuffer { $0.baseAddress! } : b.buffer!
            check(seq_mpi_iallreduce_float(pointer, b.count, &requests[started]))
            started += 1
        }
    }

    private func timed(_ body: () -> Void) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    private func check(_ rc: Int32) {
        precondition(rc == 0, "MPI non-blocking all-reduce failed with code \(rc)")
    }
}
