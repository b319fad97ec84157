import Foundation
import SeqTensor

/// Fixed sinusoidal positions (Vaswani et al. 2017): even features sin(pos / 10000^(2i/C)),
/// odd ones cos — fairseq's and PyTorch tutorials' layout, [maxLength, C].
public enum SinusoidalPositions {
    public static func table(length: Int, width C: Int) -> Tensor {
        var values = [Float](repeating: 0, count: length * C)
        for pos in 0..<length {
            for i in stride(from: 0, to: C, by: 2) {
                let angle = Double(pos) / pow(10_000, Double(i) / Double(C))
                values[pos * C + i] = Float(sin(angle))
                if i + 1 < C { values[pos * C + i + 1] = Float(cos(angle)) }
            }
        }
        return Tensor(shape: [length, C], scalars: values)
    }
}

/// Learned positions: an embedding row per position, added to the token embeddings.
public final class LearnedPositions: Module {
    public let table: Embedding

    public init(maxLength: Int, width: Int, std: Float = 0.02, generator: inout RandomGenerator) {
        table = Embedding(count: maxLength, dimension: width, std: std, generator: &generator)
    }

    public func forEachParameter(_ body: (String, Parameter) -> Void) { body("weight", table.weight) }

    /// [B, T, C] for positions 0..<T (offset for cached decoding).
    public func callAsFunction(batch B: Int, length T: Int, offset: Int = 0) -> Tensor {
        precondition(offset + T <= table.count, "position \(offset + T) beyond the \(table.count) learned positions")
        return table((0..<(B * T)).map { Int32(offset + $0 % T) }, shape: [B, T])
    }
}
