import SeqTensor

/// sentence-transformers' recipe: mean of the last hidden state over real tokens, then
/// L2 normalisation (what all-MiniLM-L6-v2 is trained for).
public enum SentenceEmbedding {
    /// hidden [B, T, C], attentionMask [B·T] (1 real, 0 pad) → [B, C], unit rows.
    public static func meanPooled(_ hidden: Tensor, attentionMask: [Int32], batchSize B: Int, length T: Int) -> Tensor {
        let C = hidden.shape[2]
        var out = Tensor(zeros: [B, C])
        hidden.withUnsafeBufferPointer { h in
            out.withUnsafeMutableBufferPointer { o in
                for b in 0..<B {
                    var n: Float = 0
                    let row = o.baseAddress! + b * C
                    for t in 0..<T where attentionMask[b * T + t] != 0 {
                        n += 1
                        let src = h.baseAddress! + (b * T + t) * C
                        for c in 0..<C { row[c] += src[c] }
                    }
                    let inv = 1 / max(n, 1e-9)
                    var norm: Float = 0
                    for c in 0..<C { row[c] *= inv; norm += row[c] * row[c] }
                    // torch.nn.functional.normalize: x / max(‖x‖, 1e-12).
                    let scale = 1 / max(norm.squareRoot(), 1e-12)
                    for c in 0..<C { row[c] *= scale }
                }
            }
        }
        return out
    }
}
