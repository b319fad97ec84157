import Foundation
import SeqTensor
import Testing

/// `mpirun -n 2 seq pretrain`: two processes with per-rank batch b end with the weights of
/// one process with batch 2b (same seed, same data), and their run is resumed by two
/// processes but refused by one. Skipped when Open MPI's mpirun is not installed
/// (scripts/install-deps.sh installs it). The full bar (50 steps of the small preset,
/// per-rank batch 16) is bench/mpi/same_weights.sh.
struct MPIPretrainTests {
    static let mpirun: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { $0 + "/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `seq arguments` under `mpirun -n ranks` (as root too: these machines run as root).
    static func runMPI(_ ranks: Int, _ arguments: [String]) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun!)
        process.arguments = ["-n", String(ranks), "--oversubscribe", "--bind-to", "none", CLI.binary.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        process.environment = environment
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("seq-mpi-\(UUID().uuidString).out")
        let errFile = outFile.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    static func weights(_ dir: URL) throws -> [String: [Float]] {
        let archive = try Safetensors.read(dir.appendingPathComponent("model.safetensors"))
        return archive.tensors.mapValues { $0.scalars }
    }

    @Test(.enabled(if: mpirun != nil, "Open MPI's mpirun is not installed (scripts/install-deps.sh installs openmpi-bin)"))
    func twoProcessesMatchOneWithTheWholeBatch() throws {
        let dir = PretrainCommandTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = PretrainCommandTests.corpus(in: dir)
        func args(batch: Int, out: URL, steps: Int = 4) -> [String] {
            // Dropout stays on: masks are keyed by global row, so both runs draw the same.
            var a = PretrainCommandTests.tinyArgs(corpus, out: out, steps: steps)
            a[a.firstIndex(of: "--batch-size")! + 1] = String(batch)
            return a + ["--bucket-mb", "0.001"]   // several buckets even for this tiny model
        }
        let single = dir.appendingPathComponent("single"), pair = dir.appendingPathComponent("pair")
        let one = try CLI.run(args(batch: 4, out: single))
        #expect(one.status == 0, "\(one.stderr)")
        let two = try Self.runMPI(2, args(batch: 2, out: pair))
        #expect(two.status == 0, "\(two.stderr)")
        let summary = PretrainCommandTests.json(two.lastLine)
        #expect(summary["processes"] as? Int == 2, "\(two.stdout)")
        // Rank 0 alone reports: one summary line.
        #expect(two.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }.count == 1, "\(two.stdout)")
        let a = try Self.weights(single), b = try Self.weights(pair)
        #expect(Set(a.keys) == Set(b.keys))
        // Float32 sums taken in another order (two halves then the all-reduce): a few ulps
        // per step, amplified a little by Adam over 4 steps.
        let worst = a.keys.map { k in zip(a[k]!, b[k]!).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } }.max() ?? .infinity
        #expect(worst <= 1e-4, "largest weight difference between 2×2 and 1×4 rows: \(worst)")

        // Summing during the backward pass gives bit for bit the weights of summing after
        // it: the same buckets, and with two ranks each element is one addition either way.
        let overlapped = dir.appendingPathComponent("overlapped")
        let three = try Self.runMPI(2, args(batch: 2, out: overlapped) + ["--overlap-reduce"])
        #expect(three.status == 0, "\(three.stderr)")
        let c = try Self.weights(overlapped)
        #expect(a.keys.allSatisfy { b[$0]! == c[$0]! }, "overlapped and blocking all-reduce disagree")

        // Resumed by two processes; refused by one, in one sentence.
        let refused = try CLI.run(PretrainCommandTests.resumeArgs(corpus, out: pair, steps: 6))
        #expect(refused.status == 1 && refused.stderr.contains("trained by 2 process"), "\(refused.stderr)")
        var resume = PretrainCommandTests.resumeArgs(corpus, out: pair, steps: 6)
        resume += ["--bucket-mb", "0.001"]
        let resumed = try Self.runMPI(2, resume)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(PretrainCommandTests.json(resumed.lastLine)["steps"] as? Int == 6, "\(resumed.stdout)")
    }
}
