import CMPI
import Dispatch
import SeqNN
import SeqTensor

/// Data-parallel training over MPI: gradients summed with in-place MPI_Allreduce calls over
/// buckets of several tensors (one call per bucket instead of one per tensor: a BERT has
/// ~100 parameters, many of a few hundred floats, and each call costs a round trip).
///
/// With `overlap`, the buckets are summed with non-blocking all-reduces started during the
/// step's last backward pass, each as soon as its gradients are final (`OverlappedReduction`);
/// without, everything is summed after the pass. `reduceSeconds` is the time the step spends
/// on the reduction outside compute either way, so the two can be compared.
public final class MPIReducer: GradientReducer {
    public let rank: Int
    public let worldSize: Int
    /// Largest bucket in floats; a parameter at least this large is reduced on its own, in place.
    public let bucketFloats: Int
    /// Seconds spent in gradient all-reduces so far (copying into and out of buckets included).
    public private(set) var reduceSeconds = 0.0
    private var bucket: [Float]
    /// Whether gradients are summed during the backward pass.
    public let overlap: Bool
    private var plan: OverlappedReduction?
    private var planActive = false

    /// The reducer of this process: MPI when started by mpirun with more than one rank,
    /// otherwise a single process (MPI not loaded). Throws when MPI cannot start.
    public static func forEnvironment(bucketMegabytes: Double, overlap: Bool = false) throws -> GradientReducer {
        guard let size = MPIEnvironment.worldSize, size > 1 else { return SingleProcessReducer() }
        return try MPIReducer(bucketMegabytes: bucketMegabytes, overlap: overlap)
    }

    /// Loads libmpi and joins the job (MPI_Init).
    public init(bucketMegabytes: Double, overlap: Bool = false) throws {
        var r: Int32 = 0, s: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        guard seq_mpi_init(&r, &s, &message, message.count) == 0 else {
            throw TrainingError(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        rank = Int(r)
        worldSize = Int(s)
        bucketFloats = max(1, Int(bucketMegabytes * 1_048_576) / MemoryLayout<Float>.size)
        bucket = []
        self.overlap = overlap
    }

    /// Ends MPI (MPI_Finalize); the process should exit soon after.
    public func finish() { seq_mpi_finalize() }

    public func overlappingObserver(for parameters: [Parameter]) -> BackwardObserver? {
        guard overlap else { return nil }
        if plan?.fits(parameters) != true { plan = OverlappedReduction(parameters: parameters, bucketFloats: bucketFloats) }
        plan!.begin()
        planActive = true
        return plan
    }

    public func sumGradients(_ parameters: [Parameter]) {
        if planActive, let plan {
            planActive = false
            plan.finish()
            reduceSeconds += plan.seconds
            return
        }
        let started = DispatchTime.now().uptimeNanoseconds
        defer { reduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        var pending: [Parameter] = []
        var filled = 0
        func flush() {
            if pending.isEmpty { return }
            bucket.withUnsafeMutableBufferPointer { b in
                reduce(b.baseAddress!, filled)
                var offset = 0
                for p in pending {
                    p.withGradientBuffer { g in g.baseAddress!.update(from: b.baseAddress! + offset, count: g.count) }
                    offset += p.count
                }
            }
            pending.removeAll(keepingCapacity: true)
            filled = 0
        }
        for p in parameters {
            if p.count >= bucketFloats {
                p.withGradientBuffer { g in reduce(g.baseAddress!, g.count) }
                continue
            }
            if filled + p.count > bucketFloats { flush() }
            if bucket.count < filled + p.count { bucket.append(contentsOf: repeatElement(0, count: filled + p.count - bucket.count)) }
            bucket.withUnsafeMutableBufferPointer { b in
                p.withGradientBuffer { g in (b.baseAddress! + filled).update(from: g.baseAddress!, count: g.count) }
            }
            filled += p.count
            pending.append(p)
        }
        flush()
    }

    public func sum(_ values: [Double]) -> [Double] {
        var v = values
        let rc = v.withUnsafeMutableBufferPointer { seq_mpi_allreduce_double($0.baseAddress, $0.count) }
        precondition(rc == 0, "MPI_Allreduce failed with code \(rc)")
        return v
    }

    private func reduce(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        let rc = seq_mpi_allreduce_float(p, count)
        precondition(rc == 0, "MPI_Allreduce failed with code \(rc)")
    }
}
