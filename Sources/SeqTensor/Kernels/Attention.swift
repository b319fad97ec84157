// Fused multi-head attention: scores, mask, softmax, dropout and the weighted sum per
// (batch, head) and per block of query rows, so that at most one block of scores per
// worker is live in the forward. Heads are read in place from [B, T, C] rows (C = H·D)
// through sgemm leading dimensions: no split/merge copies.
//
// Legend: B batch, Tq queries, Tk keys attended, S key positions stored (S ≥ Tk: a KV cache's
// capacity), H heads, D head width, C = H·D, R rows per query
// block, W the key range of a block (all keys, or the window around the block).

/// Which keys a query may see.
public struct AttentionPattern: Sendable, Equatable {
    /// Query i sees keys j ≤ i + (Tk − Tq): the last query is aligned with the last key, so
    /// the same rule serves training (Tq = Tk) and cached decoding (Tq < Tk).
    public var causal: Bool
    /// Truncated attention: only keys with |i' − j| ≤ window (i' the aligned query index).
    public var window: Int?
    public init(causal: Bool = false, window: Int? = nil) {
        precondition(window.map { $0 >= 0 } ?? true, "attention window must be ≥ 0")
        self.causal = causal
        self.window = window
    }
}

struct AttentionGeometry {
    let B: Int, Tq: Int, Tk: Int, H: Int, D: Int
    let pattern: AttentionPattern
    let R: Int            // query rows per block
    let blocks: Int       // blocks per (b, h)
    let W: Int            // widest key range of a block (stride of saved probabilities)
    var C: Int { H * D }
    var shift: Int { Tk - Tq }

    init(B: Int, Tq: Int, Tk: Int, H: Int, D: Int, pattern: AttentionPattern) {
        self.B = B; self.Tq = Tq; self.Tk = Tk; self.H = H; self.D = D; self.pattern = pattern
        R = Swift.max(1, Swift.min(Tq, pattern.window == nil ? 128 : 64))
        blocks = (Tq + R - 1) / Swift.max(R, 1)
        if let w = pattern.window { W = Swift.min(Tk, R + 2 * w + 1) } else { W = Tk }
    }

    /// Keys [lo, hi) that rows [i0, i1) can see at all.
    func keyRange(_ i0: Int, _ i1: Int) -> (Int, Int) {
        var lo = 0, hi = Tk
        if pattern.causal { hi = Swift.min(Tk, i1 - 1 + shift + 1) }
        if let w = pattern.window {
            lo = Swift.max(0, i0 + shift - w)
            hi = Swift.min(hi, i1 - 1 + shift + w + 1)
        }
        return (lo, Swift.max(lo, hi))
    }

    @inline(__always)
    func allowed(_ i: Int, _ j: Int) -> Bool {
        let ia = i + shift
        if pattern.causal && j > ia { return false }
        if let w = pattern.window, abs(ia - j) > w { return false }
        return true
    }
}

extension Tensor {
    /// Multi-head scaled dot-product attention, fused. q [B, Tq, C], k and v [B, S, C],
    /// C = heads·D. Attends to the first `keyLength` key positions (default all S): a
    /// preallocated KV cache passes its whole buffer and the length filled so far, and the
    /// kernel steps over the unused tail through the batch stride S·C, without a copy.
    /// `keyValid` [B·S] (non-zero = real key) masks padding. Dropout on the attention
    /// probabilities regenerates its mask from the counter-based generator in the backward
    /// instead of storing it; with `rows`, the mask of batch row b is keyed by global row
    /// `rows.offset + b` and the generator advances by the global batch's draws. → [B, Tq, C].
    public static func multiHeadAttention(query q: Tensor, key k: Tensor, value v: Tensor, heads H: Int,
                                          keyLength: Int? = nil, keyValid: [UInt8]? = nil,
                                          pattern: AttentionPattern = AttentionPattern(),
                                          dropout p: Float = 0, rows: RowSlice? = nil,
                                          generator: inout RandomGenerator) -> Tensor {
        precondition(q.rank == 3 && k.rank == 3 && v.rank == 3, "attention takes [B, T, C] tensors")
        let B = q.shape[0], Tq = q.shape[1], C = q.shape[2], S = k.shape[1], Tk = keyLength ?? S
        precondition(k.shape == [B, S, C] && v.shape == [B, S, C], "attention: key \(k.shape) / value \(v.shape) do not match query \(q.shape)")
        precondition(Tk >= 0 && Tk <= S, "keyLength \(Tk) is outside the \(S) key positions")
        precondition(C % H == 0, "width \(C) is not divisible by \(H) heads")
        if let keyValid { precondition(keyValid.count == B * S, "keyValid needs \(B * S) flags") }
        precondition(p >= 0 && p < 1, "attention dropout must be in [0, 1)")
        if let rows { precondition(rows.count == B, "row slice of \(rows.count) rows for a batch of \(B)") }
        let rowOffset = rows?.offset ?? 0, globalRows = rows?.globalCount ?? B
        let g = AttentionGeometry(B: B, Tq: Tq, Tk: Tk, H: H, D: C / H, pattern: pattern)
        let scale = 1 / Float(g.D).squareRoot()
        let out = Tensor(uninitialized: [B, Tq, C])
        let needsTape = GradMode.isEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad)
        // Probabilities (before dropout) kept for the backward: [B·H, blocks·R, W].
        let saved = needsTape ? TensorStorage(uninitializedCount: B * H * g.blocks * g.R * g.W) : nil
        let dropSeed = generator.seed, dropBase = generator.counter
        if p > 0 { generator.counter &+= UInt64(globalRows * H * Tq * Tk) }
        let qp = SendablePointer(q.storage.pointer), kp = SendablePointer(k.storage.pointer)
        let vp = SendablePointer(v.storage.pointer), op = SendablePointer(out.storage.pointer)
        let sp = saved.map { SendablePointer($0.pointer) }
        let valid = keyValid
        forEachHead(B * H) { bh in
            let b = bh / H, h = bh % H
            let scratch = sp == nil ? TensorStorage(uninitializedCount: g.R * g.W) : nil
            for blk in 0..<g.blocks {
                let i0 = blk * g.R, i1 = Swift.min(Tq, i0 + g.R), rows = i1 - i0
                let (k0, k1) = g.keyRange(i0, i1)
                let width = k1 - k0
                let s = sp.map { $0.p + ((bh * g.blocks + blk) * g.R) * g.W } ?? scratch!.pointer
                let qBlock = qp.p + (b * Tq + i0) * C + h * g.D
                let kRange = kp.p + (b * S + k0) * C + h * g.D
                let vRange = vp.p + (b * S + k0) * C + h * g.D
                let oBlock = op.p + (b * Tq + i0) * C + h * g.D
                if width == 0 {
                    for r in 0..<rows { (oBlock + r * C).update(repeating: 0, count: g.D) }
                    continue
                }
                Kernels.sgemm(transposeA: false, transposeB: true, M: rows, N: width, K: g.D, alpha: scale,
                              qBlock, lda: C, kRange, ldb: C, s, ldc: g.W, parallel: false)
                for r in 0..<rows {
                    let row = s + r * g.W, i = i0 + r
                    for j in k0..<k1 where !g.allowed(i, j) || (valid.map { $0[b * S + j] == 0 } ?? false) {
                        row[j - k0] = -.infinity
                    }
                    Kernels.softmaxRow(row, row, width)
                }
                var pBlock = s
                var dropped: TensorStorage? = nil
                if p > 0 {
                    let d = TensorStorage(uninitializedCount: rows * g.W)
                    for r in 0..<rows {
                        attentionDropoutRow(s + r * g.W, into: d.pointer + r * g.W, width: width, p: p, seed: dropSeed,
                                            base: dropBase &+ UInt64((((b + rowOffset) * H + h) * Tq + i0 + r) * Tk + k0))
                    }
                    dropped = d
                    pBlock = d.pointer
                }
                Kernels.sgemm(transposeA: false, transposeB: false, M: rows, N: g.D, K: width,
                              UnsafePointer(pBlock), lda: g.W, vRange, ldb: C, oBlock, ldc: C, parallel: false)
                withExtendedLifetime(dropped) {}
            }
        }
        guard let saved else { return out }
        let qS = q.storage, kS = k.storage, vS = v.storage
        return out.recorded(from: [q, k, v]) { gOut, nodes in
            let dq = nodes[0].map { SendablePointer($0.gradBuffer()) }
            let dk = nodes[1].map { SendablePointer($0.gradBuffer()) }
            let dv = nodes[2].map { SendablePointer($0.gradBuffer()) }
            let go = SendablePointer(gOut.pointer), sp = SendablePointer(saved.pointer)
            let qp = SendablePointer(qS.pointer), kp = SendablePointer(kS.pointer), vp = SendablePointer(vS.pointer)
            forEachHead(B * H) { bh in
                let b = bh / H, h = bh % H
                let dP = TensorStorage(uninitializedCount: g.R * g.W)
                let dropped = p > 0 ? TensorStorage(uninitializedCount: g.R * g.W) : nil
                for blk in 0..<g.blocks {
                    let i0 = blk * g.R, i1 = Swift.min(Tq, i0 + g.R), rows = i1 - i0
                    let (k0, k1) = g.keyRange(i0, i1)
                    let width = k1 - k0
                    if width == 0 { continue }
                    let P = sp.p + ((bh * g.blocks + blk) * g.R) * g.W
                    let off = h * g.D
                    let qBlock = qp.p + (b * Tq + i0) * C + off, gBlock = go.p + (b * Tq + i0) * C + off
                    let kRange = kp.p + (b * S + k0) * C + off, vRange = vp.p + (b * S + k0) * C + off
                    var pUsed = UnsafePointer(P)
                    if let dropped {
                        for r in 0..<rows {
                            attentionDropoutRow(P + r * g.W, into: dropped.pointer + r * g.W, width: width, p: p, seed: dropSeed,
                                                base: dropBase &+ UInt64((((b + rowOffset) * H + h) * Tq + i0 + r) * Tk + k0))
                        }
                        pUsed = UnsafePointer(dropped.pointer)
                    }
                    if let dv {
                        // dV[range] += P'ᵀ · dO
                        Kernels.sgemm(transposeA: true, transposeB: false, M: width, N: g.D, K: rows, pUsed, lda: g.W,
                                      gBlock, ldb: C, beta: 1, dv.p + (b * S + k0) * C + off, ldc: C, parallel: false)
                    }
                    if dq == nil && dk == nil { continue }
                    // dP' = dO · Vᵀ, then through dropout and the softmax.
                    Kernels.sgemm(transposeA: false, transposeB: true, M: rows, N: width, K: g.D, gBlock, lda: C,
                                  vRange, ldb: C, dP.pointer, ldc: g.W, parallel: false)
                    for r in 0..<rows {
                        let dRow = dP.pointer + r * g.W
                        if let dropped {
                            // P' = P·m/(1−p): the mask is wherever P' is non-zero.
                            let pr = P + r * g.W, dr = dropped.pointer + r * g.W
                            for j in 0..<width { dRow[j] = pr[j] > 0 ? dRow[j] * dr[j] / pr[j] : 0 }
                        }
                        Kernels.softmaxBackwardRow(P + r * g.W, dRow, dRow, width)
                    }
                    if let dq {
                        Kernels.sgemm(transposeA: false, transposeB: false, M: rows, N: g.D, K: width, alpha: scale,
                                      dP.pointer, lda: g.W, kRange, ldb: C, beta: 1, dq.p + (b * Tq + i0) * C + off, ldc: C, parallel: false)
                    }
                    if let dk {
                        Kernels.sgemm(transposeA: true, transposeB: false, M: width, N: g.D, K: rows, alpha: scale,
                                      dP.pointer, lda: g.W, qBlock, ldb: C, beta: 1, dk.p + (b * S + k0) * C + off, ldc: C, parallel: false)
                    }
                }
            }
        }
    }
}

/// out[j] = p_row[j]·keep/(1−p) for one row of probabilities; the keep decision for key j
/// of query i is uniform(seed, base + j) ≥ p, the same in forward and backward.
@inline(__always)
func attentionDropoutRow(_ row: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, width: Int,
                         p: Float, seed: UInt64, base: UInt64) {
    let scale = 1 / (1 - p)
    for j in 0..<width {
        out[j] = RandomGenerator.uniform(seed, base &+ UInt64(j)) >= p ? row[j] * scale : 0
    }
}

extension Kernels {
    /// dx = y ⊙ (dy − Σ dy⊙y) for one row (dx may alias dy).
    @inlinable @inline(__always)
    static func softmaxBackwardRow(_ y: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>,
                                   _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let dot = Vec(repeating: dotProduct(UnsafePointer(y), UnsafePointer(dy), n))
        zipKernel(UnsafePointer(y), UnsafePointer(dy), dx, n) { y, dy in y * (dy - dot) }
    }

    @inlinable @inline(__always)
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ C: Int) {
        softmaxRow(UnsafePointer(x), y, C)
    }
}

/// Runs `body` for each (batch, head) pair on the engine's workers; the products inside
/// pass `parallel: false` and run on the worker that calls them.
@inline(__always)
func forEachHead(_ count: Int, _ body: @Sendable (Int) -> Void) {
    parallelFor(count, grain: 1) { r in for bh in r { body(bh) } }
}
