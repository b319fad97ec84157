import Foundation
import SeqTensor
import Testing

@Suite struct BenchCommandTests {
    @Test func unknownBenchmarkIsUsageError() throws {
        let r = try CLI.run(["bench", "nope"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("The value 'nope' is invalid for '<name>'. Please provide one of 'kernels', 'embed-latency', 'attention', 'train-step' or 'decode'."))
        #expect(r.stdout.isEmpty)
    }

    /// `bench decode`'s flags are usage (exit 2), checked before its data or model is read.
    @Test(arguments: [["--configs", "nosuch"], ["--configs", "beam0:1"], ["--configs", "greedy:0"], ["--configs", "ctc9:1"],
                      ["--configs", "ctc2b0:1"], ["--configs", "ctcb:1"], ["--configs", "ctc2b3b:1"],
                      ["--sentences", "0"]])
    func decodeFlagsAreUsageErrors(_ flags: [String]) throws {
        let r = try CLI.run(["bench", "decode", "--data", "/nonexistent"] + flags)
        #expect(r.status == 2, "\(flags): \(r.stderr)")
        #expect(!r.stderr.contains("/nonexistent"), "\(r.stderr)")
    }

    @Test func badThreadsIsUsageError() throws {
        let r = try CLI.run(["bench", "kernels", "--threads", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--threads must be in 1..."))
    }

    /// The contract torch_kernels.py shares: last stdout line is one JSON object with
    /// results named and shaped as agreed.
    @Test func kernelsPrintsJSONContract() throws {
        let r = try CLI.run(["bench", "kernels", "--only", "gelu,softmax", "--warmup", "0", "--repeats", "1", "--threads", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.lastLine.utf8)) as! [String: Any]
        let results = json["results"] as! [[String: Any]]
        #expect(results.map { $0["name"] as! String } == ["gelu", "softmax"])
        #expect(results.allSatisfy { ($0["shape"] as! [Int]) == [8192, 1024] && ($0["gbps"] as! Double) > 0 })
        #expect(json["threads"] as? Int == 1)
        #expect((json["engine"] as? String)?.hasPrefix("seq ") == true)
        #expect(json["openblas_coretype"] != nil)
    }

    /// seq runs the best OpenBLAS kernels this CPU allows even where OpenBLAS falls back to
    /// generic ones (BLASCore), and a user's OPENBLAS_CORETYPE still wins.
    @Test func runsTheBestBLASKernelsTheCPUAllows() throws {
        func kernel(_ coretype: String?) throws -> String {
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_CORETYPE"] = coretype
            environment[BLASCore.detectedVariable] = nil
            let r = try CLI.run(["bench", "kernels", "--only", "gelu", "--warmup", "0", "--repeats", "1", "--threads", "1"],
                                environment: environment)
            #expect(r.status == 0, "\(r.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(r.lastLine.utf8)) as! [String: Any]
            return json["openblas_kernel"] as? String ?? ""
        }
        let flags = BLASCore.cpuFlags()
        if let best = BLASCore.best(flags: flags) {
            let chosen = try kernel(nil)
            #expect(BLASCore.rank(chosen) >= BLASCore.rank(best), "OpenBLAS runs \(chosen) on a CPU that allows \(best)")
        }
        if flags.contains("avx2") && flags.contains("fma") {
            #expect(try kernel("Haswell").lowercased() == "haswell")
        }
    }
}
