import Testing
import SeqTensor

// The rule that decides when seq re-executes itself with OPENBLAS_CORETYPE set (BLASCore).
// The flag sets are the relevant part of /proc/cpuinfo on machines seq has run on.

private let emeraldRapids: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512_bf16", "amx_tile"]
private let zen3: Set<String> = ["sse3", "avx", "avx2", "fma"]
private let skylakeX: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512dq"]

@Test func aNewCPUOnGenericKernelsSwitchesToItsBestFamily() {
    // What Debian's OpenBLAS 0.3.21 loads on an Emerald Rapids Xeon.
    #expect(BLASCore.upgrade(loaded: "Prescott", flags: emeraldRapids, environment: [:]) == "Cooperlake")
    #expect(BLASCore.upgrade(loaded: "Prescott", flags: skylakeX, environment: [:]) == "SkylakeX")
    #expect(BLASCore.upgrade(loaded: "Nehalem", flags: zen3, environment: [:]) == "Haswell")
    // An AVX-512 CPU that the library took for an AVX2 one.
    #expect(BLASCore.upgrade(loaded: "Zen", flags: skylakeX, environment: [:]) == "SkylakeX")
}

@Test func aRecognisedCPUOrTheUsersChoiceIsLeftAlone() {
    #expect(BLASCore.upgrade(loaded: "Zen", flags: zen3, environment: [:]) == nil)
    #expect(BLASCore.upgrade(loaded: "Haswell", flags: zen3, environment: [:]) == nil)
    #expect(BLASCore.upgrade(loaded: "SkylakeX", flags: skylakeX, environment: [:]) == nil)
    #expect(BLASCore.upgrade(loaded: "Cooperlake", flags: emeraldRapids, environment: [:]) == nil)
    #expect(BLASCore.upgrade(loaded: "SapphireRapids", flags: emeraldRapids, environment: [:]) == nil)
    #expect(BLASCore.upgrade(loaded: "Prescott", flags: emeraldRapids, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
    // Nothing better than SSE3 to offer, and no flags at all (no /proc/cpuinfo).
    #expect(BLASCore.upgrade(loaded: "Prescott", flags: ["sse3", "ssse3"], environment: [:]) == nil)
    #expect(BLASCore.upgrade(loaded: "Prescott", flags: [], environment: [:]) == nil)
}

@Test func cpuFlagsAreReadFromTheFirstFlagsLine() {
    let cpuinfo = "processor\t: 0\nmodel\t\t: 207\nflags\t\t: fpu sse3 avx2 fma avx512f\nbugs\t\t: spectre_v1\nflags\t\t: other\n"
    #expect(BLASCore.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse3", "avx2", "fma", "avx512f"])
    #expect(BLASCore.cpuFlags(cpuinfo: "processor : 0\n").isEmpty)
    #expect(BLASCore.cpuFlags(cpuinfo: nil).isEmpty)
}
