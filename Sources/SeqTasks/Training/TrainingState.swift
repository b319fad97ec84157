import Foundation
import SeqTensor

/// A `RandomGenerator` with its two 64-bit words as decimal strings: JSON numbers above
/// 2⁵³ do not survive every decoder.
public struct GeneratorState: Codable, Equatable, Sendable {
    public var seed: String
    public var counter: String

    public init(_ g: RandomGenerator) {
        seed = String(g.seed)
        counter = String(g.counter)
    }

    public func generator() throws -> RandomGenerator {
        guard let s = UInt64(seed), let c = UInt64(counter) else {
            throw CheckpointFormatError("a random generator state is not two 64-bit integers")
        }
        var g = RandomGenerator(seed: s)
        g.counter = c
        return g
    }
}

/// The best evaluation so far and the step it was taken at.
public struct BestEvaluation: Codable, Equatable, Sendable {
    public var metric: String
    public var value: Double
    public var step: Int
}

/// What a checkpoint holds for the trainer besides the weights and the optimizer moments:
/// the position in the schedule, the dropout stream, the best evaluation, the settings.
/// The task's own state (data position, its random streams, its recipe) is stored beside
/// it as the task's JSON.
public struct TrainerState: Codable, Equatable, Sendable {
    public static let formatName = "seq-training-state"
    public static let currentVersion = 2
    public var format = TrainerState.formatName
    public var version = TrainerState.currentVersion
    /// Which task wrote it ("pretrain", "finetune-nli", …): resume refuses another.
    public var task: String
    public var step: Int
    public var tokensSeen: Int
    public var settings: TrainerSettings
    public var dropoutGenerator: GeneratorState
    /// Processes that trained it: resuming with another count would change the batches.
    public var worldSize: Int
    /// Losses of the last steps (for the mean of the last 10 in the summary).
    public var recentLosses: [Float]
    public var best: BestEvaluation?
    public var evaluationsWithoutImprovement: Int
    public var optimizerStepCounts: [String: Int]
    /// FNV-1a of the model tensors and of the optimizer tensors (names, shapes, values):
    /// a checkpoint whose bytes changed is refused.
    public var modelChecksum: String
    public var optimizerChecksum: String
}

public struct CheckpointFormatError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// FNV-1a (64-bit) over tensors' names, shapes and Float32 bits, in the order given.
public func tensorChecksum(_ tensors: [(name: String, tensor: Tensor)]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always) func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    func mixWord(_ w: UInt64) { for k in 0..<8 { mix(UInt8(truncatingIfNeeded: w >> (8 * k))) } }
    for (name, tensor) in tensors {
        for b in name.utf8 { mix(b) }
        mixWord(UInt64(tensor.rank))
        for d in tensor.shape { mixWord(UInt64(d)) }
        tensor.withUnsafeBufferPointer { buffer in
            // Words of two floats: 8 mixing rounds per pair instead of per byte.
            var i = 0
            let n = buffer.count
            while i + 1 < n {
                let w = UInt64(buffer[i].bitPattern) | UInt64(buffer[i + 1].bitPattern) << 32
                h = (h ^ w) &* 0x100_0000_01b3
                h ^= h >> 29
                i += 2
            }
            if i < n { h = (h ^ UInt64(buffer[i].bitPattern)) &* 0x100_0000_01b3 }
        }
    }
    return String(h, radix: 16)
}
