import Dispatch
import SeqCore

/// Encodes batches of lines on several threads, output in input order: one text line per
/// input line, in the `seq tokenize` format (ids, tokens, or `start-end` offsets).
/// One caller at a time (it reuses per-thread encoders and buffers), so not `Sendable`.
public final class BatchTokenizer {
    public enum Format: Sendable { case ids, tokens, offsets }

    let tokenizer: Tokenizer
    let format: Format
    let addSpecialTokens: Bool
    let threads: Int
    let encoders: [LineEncoder]
    /// UTF-8 bytes of each token string, for `.tokens`.
    let tokenBytes: [[UInt8]]
    public private(set) var tokenCount = 0

    /// `threads` defaults to `ThreadCount.current`.
    public init(tokenizer: Tokenizer, format: Format, addSpecialTokens: Bool, threads: Int = ThreadCount.current) {
        self.tokenizer = tokenizer
        self.format = format
        self.addSpecialTokens = addSpecialTokens
        self.threads = max(1, threads)
        encoders = (0..<max(1, threads)).map { _ in tokenizer.makeLineEncoder() }
        parts = Array(repeating: [], count: max(1, threads))
        counts = Array(repeating: 0, count: max(1, threads))
        if format == .tokens {
            var tb = (0..<tokenizer.vocabularySize).map { Array((tokenizer.vocabulary.token(Int32($0)) ?? "").utf8) }
            for t in tokenizer.addedTokens where Int(t.id) < tb.count { tb[Int(t.id)] = Array(t.content.utf8) }
            for t in tokenizer.addedTokens where Int(t.id) >= tb.count {
                while tb.count <= Int(t.id) { tb.append([]) }
                tb[Int(t.id)] = Array(t.content.utf8)
            }
            tokenBytes = tb
        } else {
            tokenBytes = []
        }
    }

    /// Output buffers, one per thread, reused from batch to batch (no page faults per batch).
    private var parts: [[UInt8]]
    private var counts: [Int]

    /// Encodes `lines` of `bytes` and hands the output text (one line per input line) to
    /// `write`, in order, in one or more pieces.
    public func process(_ bytes: UnsafeBufferPointer<UInt8>, _ lines: [Range<Int>],
                        write: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        let t = min(threads, max(1, lines.count / 64))
        // Contiguous groups of about equal bytes.
        var bounds = [0]
        let total = lines.last.map { $0.upperBound } ?? 0
        var k = 0
        for g in 1..<max(t, 1) {
            let target = total * g / t
            while k < lines.count && lines[k].lowerBound < target { k += 1 }
            bounds.append(max(bounds.last!, k))
        }
        bounds.append(lines.count)
        let groups = bounds
        let formatter = LineFormatter(format: format, addSpecialTokens: addSpecialTokens, tokenBytes: tokenBytes)
        if t == 1 {
            // One group on this thread: its text goes out in pieces as it grows, so that a
            // single huge line costs no output buffer of its own size.
            var out = parts[0]
            parts[0] = []
            out.removeAll(keepingCapacity: true)
            defer { parts[0] = out }
            tokenCount += try formatter.run(encoders[0], bytes, lines[...], &out) { piece in
                try piece.withUnsafeBufferPointer { try write($0) }
                piece.removeAll(keepingCapacity: true)
            }
            try out.withUnsafeBufferPointer { try write($0) }
            return
        }
        parts.withUnsafeMutableBufferPointer { partsBuf in
            counts.withUnsafeMutableBufferPointer { countsBuf in
                encoders.withUnsafeBufferPointer { encodersBuf in
                    // Worker g touches only parts[g], counts[g] and encoders[g]; bytes are read only.
                    let parts = SendablePointer(partsBuf), counts = SendablePointer(countsBuf)
                    let encoders = SendablePointer(encodersBuf)
                    let base = bytes.baseAddress.map { SendablePointer($0) }, byteCount = bytes.count
                    let work: @Sendable (Int) -> Void = { g in
                        var out = parts.p[g]
                        parts.p[g] = []
                        out.removeAll(keepingCapacity: true)
                        let text = UnsafeBufferPointer(start: base?.p, count: byteCount)
                        counts.p[g] = formatter.run(encoders.p[g], text, lines[groups[g]..<groups[g + 1]], &out) { _ in }
                        parts.p[g] = out
                    }
                    if t == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: t, execute: work) }
                }
            }
        }
        for g in 0..<t {
            tokenCount += counts[g]
            try parts[g].withUnsafeBufferPointer { try write($0) }
        }
    }

    /// Convenience: the output of one batch as bytes.
    public func process(_ bytes: [UInt8], _ lines: [Range<Int>]) -> [UInt8] {
        var all = [UInt8]()
        bytes.withUnsafeBufferPointer { b in process(b, lines) { all.append(contentsOf: $0) } }
        return all
    }
}

/// How one line of output is written; shared read-only by the workers.
struct LineFormatter: Sendable {
    let format: BatchTokenizer.Format
    let addSpecialTokens: Bool
    /// UTF-8 bytes of each token string, for `.tokens`.
    let tokenBytes: [[UInt8]]

    /// Appends the lines' output to `out`; `spill` may take what has piled up (it empties
    /// `out`) whenever it passes `spillBytes`, in the middle of a line too.
    func run(_ enc: LineEncoder, _ bytes: UnsafeBufferPointer<UInt8>, _ lines: ArraySlice<Range<Int>>, _ out: inout [UInt8],
             spill: (inout [UInt8]) throws -> Void) rethrows -> Int {
        let spillBytes = 1 << 20
        var tokens = 0
        for r in lines {
            enc.encode(UnsafeBufferPointer(rebasing: bytes[r]), addSpecialTokens: addSpecialTokens)
            let n = enc.count
            tokens += n
            switch format {
            case .ids:
                let ids = enc.ids
                for k in 0..<n {
                    if k > 0 { out.append(0x20) }
                    Self.appendDecimal(Int(ids[k]), &out)
                    if out.count >= spillBytes { try spill(&out) }
                }
            case .tokens:
                let ids = enc.ids
                for k in 0..<n {
                    if k > 0 { out.append(0x20) }
                    let id = Int(ids[k])
                    if id >= 0 && id < tokenBytes.count { out.append(contentsOf: tokenBytes[id]) }
                    if out.count >= spillBytes { try spill(&out) }
                }
            case .offsets:
                let s = enc.starts, e = enc.ends
                for k in 0..<n {
                    if out.count >= spillBytes { try spill(&out) }
                    if k > 0 { out.append(0x20) }
                    Self.appendDecimal(Int(s[k]), &out)
                    out.append(0x2D)
                    Self.appendDecimal(Int(e[k]), &out)
                }
            }
            out.append(0x0A)
        }
        return tokens
    }

    @inline(__always)
    static func appendDecimal(_ v: Int, _ out: inout [UInt8]) {
        if v < 10 { out.append(UInt8(48 + v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v < 0 ? -v : v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = UInt8(48 + x % 10); x /= 10; n += 1 }
            if v < 0 { out.append(0x2D) }
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }
}
