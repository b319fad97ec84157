/// A seeded, counter-based random generator: value i of a stream is a pure function of
/// (seed, counter + i), so a tensor's random numbers are the same whatever the thread
/// count, and the whole state is two integers (saved in checkpoints for `--resume`).
public struct RandomGenerator: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var counter: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.counter = 0
    }

    /// SplitMix64's finaliser over the stream position: well mixed, cheap, stateless.
    @inlinable @inline(__always)
    static func mix(_ seed: UInt64, _ i: UInt64) -> UInt64 {
        var z = seed &+ (i &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable @inline(__always)
    static func uniform(_ seed: UInt64, _ i: UInt64) -> Float {
        Float(mix(seed, i) >> 40) * (1.0 / 16_777_216.0)
    }

    /// An independent stream keyed by `key` (a global row index, say): draws keyed by what
    /// they are for, not by how many came before, are the same whichever process or batch
    /// split makes them.
    public func derived(_ key: UInt64) -> RandomGenerator {
        RandomGenerator(seed: Self.mix(seed ^ 0x5EED_0F_D3_71_7E_D0, key))
    }

    public mutating func nextUInt64() -> UInt64 {
        defer { counter &+= 1 }
        return Self.mix(seed, counter)
    }

    /// Uniform integer in 0..<n without modulo bias worth mentioning (n ≪ 2^64).
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0, "nextInt(below:) needs a positive bound")
        return Int(nextUInt64().multipliedFullWidth(by: UInt64(n)).high)
    }

    public mutating func nextFloat() -> Float {
        defer { counter &+= 1 }
        return Self.uniform(seed, counter)
    }

    /// Fills `buffer` with uniform [lo, hi) values, in parallel, reproducibly.
    public mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, lo: Float = 0, hi: Float = 1) {
        let base = counter, seed = self.seed, n = buffer.count
        let p = SendablePointer(buffer.baseAddress!)
        let scale = hi - lo
        parallelFor(n, grain: 1 << 15) { r in
            for i in r { p.p[i] = lo + scale * Self.uniform(seed, base &+ UInt64(i)) }
        }
        counter &+= UInt64(n)
    }

    /// Fills `buffer` with normal(mean, std) values by Box–Muller on pairs of uniforms.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        let base = counter, seed = self.seed, n = buffer.count
        let p = SendablePointer(buffer.baseAddress!)
        let pairs = (n + 1) / 2
        parallelFor(pairs, grain: 1 << 14) { r in
            for k in r {
                let u1 = max(Self.uniform(seed, base &+ UInt64(2 * k)), 1e-7)
                let u2 = Self.uniform(seed, base &+ UInt64(2 * k + 1))
                let radius = (-2 * logf(u1)).squareRoot() * std
                let angle = 2 * Float.pi * u2
                p.p[2 * k] = mean + radius * cosf(angle)
                if 2 * k + 1 < n { p.p[2 * k + 1] = mean + radius * sinf(angle) }
            }
        }
        counter &+= UInt64(2 * pairs)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Building a model whose every weight a checkpoint is about to overwrite (the loaders
/// refuse a checkpoint that lacks one) need not draw them: MiniLM's 22.7M normal draws were
/// 0.4 s of a 0.7 s load, paid by every one-shot `seq predict`.
public enum WeightInitialization {
    @TaskLocal public static var isSkipped = false

    /// Runs `build` with `Tensor.normal` and `Tensor.uniform` returning zeros without
    /// drawing (the generator is left as it was).
    public static func skipped<T>(_ build: () throws -> T) rethrows -> T {
        try $isSkipped.withValue(true, operation: build)
    }
}

extension Tensor {
    /// Uniform [lo, hi) values from `generator`.
    public static func uniform(_ shape: [Int], lo: Float = 0, hi: Float = 1, generator: inout RandomGenerator) -> Tensor {
        if WeightInitialization.isSkipped { return Tensor(zeros: shape) }
        var t = Tensor(uninitialized: shape)
        t.withUnsafeMutableBufferPointer { generator.fillUniform($0, lo: lo, hi: hi) }
        return t
    }

    /// Normal(mean, std) values from `generator`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator) -> Tensor {
        if WeightInitialization.isSkipped { return Tensor(zeros: shape) }
        var t = Tensor(uninitialized: shape)
        t.withUnsafeMutableBufferPointer { generator.fillNormal($0, mean: mean, std: std) }
        return t
    }
}
