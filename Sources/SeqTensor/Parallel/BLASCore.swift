import CBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernel family a process should run, and the switch to it.
///
/// OpenBLAS picks its kernels once, while the library loads, from the CPU's model number;
/// a CPU newer than the library falls back to the generic SSE3 "Prescott" kernels. Debian's
/// OpenBLAS 0.3.21 does that on an Emerald Rapids Xeon (model 207, AVX-512 with bf16):
/// translation training ran 4.5× slower (652 against 2,972 target tokens/s). The choice
/// cannot be changed after loading, so `seq` re-executes itself once with
/// `OPENBLAS_CORETYPE` set when the loaded family is below what the CPU's instruction sets
/// allow (`Main` calls `switchIfBetter()` first thing). A user's own `OPENBLAS_CORETYPE`
/// always wins. scripts/blas-coretype.sh is the same rule for the test process, which
/// cannot re-execute itself.
public enum BLASCore {
    /// Set by `switchIfBetter()` to the family OpenBLAS had detected, so reports can say
    /// that seq, not the user, chose `OPENBLAS_CORETYPE`.
    public static let detectedVariable = "SEQ_OPENBLAS_DETECTED"

    /// How capable a kernel family is (names as `openblas_get_corename` reports them,
    /// compared lowercased); unknown names count as generic.
    public static func rank(_ core: String) -> Int {
        switch core.lowercased() {
        case "sapphirerapids", "cooperlake": return 4
        case "skylakex": return 3
        case "haswell", "zen": return 2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 1
        default: return 0
        }
    }

    /// The best family for a CPU with these /proc/cpuinfo flags, as an OPENBLAS_CORETYPE
    /// value; nil when nothing beats the generic kernels.
    public static func best(flags: Set<String>) -> String? {
        if ["avx512f", "avx512vl", "avx512bw", "avx512dq"].allSatisfy(flags.contains) {
            return flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        if flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The OPENBLAS_CORETYPE to re-execute with, or nil: when the user set one, or the
    /// loaded family is already as good as the CPU allows.
    public static func upgrade(loaded: String, flags: Set<String>, environment: [String: String]) -> String? {
        if let chosen = environment["OPENBLAS_CORETYPE"], !chosen.isEmpty { return nil }
        guard let best = best(flags: flags), rank(best) > rank(loaded) else { return nil }
        return best
    }

    /// The flags line of /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let cpuinfo,
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Re-executes this program with a better `OPENBLAS_CORETYPE` when `upgrade` finds one;
    /// returns (and the process goes on with the loaded kernels) when not, or when exec fails.
    public static func switchIfBetter() {
        // The usual cases cost no file read at start-up: the user chose, or nothing ranks higher.
        let environment = ProcessInfo.processInfo.environment
        let loaded = Engine.blasCore
        if environment["OPENBLAS_CORETYPE"].map({ !$0.isEmpty }) == true || rank(loaded) >= rank("Cooperlake") { return }
        guard let core = upgrade(loaded: loaded, flags: cpuFlags(), environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(detectedVariable, loaded, 1)
        fflush(nil)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc): the environment must not claim a switch that did not happen.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(detectedVariable)
    }
}
